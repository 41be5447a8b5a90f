//! Colours, styles and glyphs, in one place. Every colour that carries
//! meaning is paired with a letter or a word on screen, so nothing depends
//! on colour alone: with no colour at all (`NO_COLOR`) bold, reverse and
//! underline stand in, and the same letters and words tell every state.
//!
//! A theme is made for the terminal it is drawn on ([`Theme::new`]): its
//! colours fitted to what the terminal shows ([`colour`]), its glyphs
//! ASCII where box drawing is missing ([`super::glyphs`]).

mod colour;
mod light;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

pub use self::colour::{TerminalColours, XTERM_16};
use super::glyphs::{ASCII, Glyphs, UNICODE};
use crate::app::log::Level;
use crate::app::look::{Colours, Look};
use crate::app::view::StateKind;
use crate::app::{App, ThemeName};

/// The Okabe-Ito palette: eight colours told apart by every common form of
/// colour blindness.
mod okabe_ito {
    use ratatui::style::Color;
    pub const ORANGE: Color = Color::Rgb(0xE6, 0x9F, 0x00);
    pub const SKY_BLUE: Color = Color::Rgb(0x56, 0xB4, 0xE9);
    pub const GREEN: Color = Color::Rgb(0x00, 0x9E, 0x73);
    pub const YELLOW: Color = Color::Rgb(0xF0, 0xE4, 0x42);
    pub const BLUE: Color = Color::Rgb(0x00, 0x72, 0xB2);
    pub const VERMILLION: Color = Color::Rgb(0xD5, 0x5E, 0x00);
    pub const PURPLE: Color = Color::Rgb(0xCC, 0x79, 0xA7);
}

/// A panel's frame: the style of its lines and the glyphs they are drawn
/// with. Where a plain style is wanted, it converts to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Border {
    pub style: Style,
    pub glyphs: &'static Glyphs,
}

impl Border {
    const fn new(style: Style) -> Border {
        Border {
            style,
            glyphs: &UNICODE,
        }
    }
}

impl From<Border> for Style {
    fn from(border: Border) -> Style {
        border.style
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    /// What the terminal shows; [`Theme::finish`] fits every colour drawn
    /// to it.
    pub colours: Colours,
    /// Box drawing and blocks, or ASCII.
    pub glyphs: &'static Glyphs,
    /// The theme's own background and text colour, painted under every
    /// cell that sets none, so it looks the same on a dark or a light
    /// terminal; None to keep the terminal's.
    pub base: Option<Style>,
    /// Bars two rows high, for the back of a room.
    pub thick_bars: bool,
    /// Key figures in large digits where there is room.
    pub big_figures: bool,
    pub title: Style,
    pub border: Border,
    pub dim: Style,
    pub key: Style,
    pub python: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub brand: Style,
    pub note: Style,
    pub error: Style,
    pub bar_empty: Style,
    /// A result that is right; always drawn beside a ✓.
    pub good: Style,
    /// A result that is wrong, or something broken; always beside a ✗.
    pub bad: Style,
    /// Large digits meant to be read from the back of a room.
    pub big_digits: Style,
    /// Colours of the states, in [`StateKind`] order.
    states: [Style; 6],
    /// Load bars: idle, busy, saturated.
    loads: [Style; 3],
    /// One colour per pool worker, by start order; each worker also has its
    /// own letter, so the colour is never the only clue.
    pub workers: [Color; 6],
    /// GIL timeline cells: holds the GIL (G), holds it part of the cell
    /// (a block as tall as its share), waits (w), in a blocking call (i),
    /// runs with no GIL (R), stopped (T).
    pub gil_held: Style,
    pub gil_share: Style,
    pub gil_wait: Style,
    pub gil_io: Style,
    pub gil_free: Style,
    pub gil_stopped: Style,
    /// Race bars, and the mark of the ideal speedup on them.
    pub race_bar: Style,
    pub race_ideal: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::standard()
    }
}

impl Theme {
    /// The theme `name` as drawn on a terminal of full colour and box
    /// drawing.
    pub const fn of(name: ThemeName) -> Theme {
        match name {
            ThemeName::Standard => Theme::standard(),
            ThemeName::Projector => Theme::projector(),
            ThemeName::Light => Theme::light(),
        }
    }

    /// The theme `name` made for a terminal that shows `look`.
    pub fn new(name: ThemeName, look: Look) -> Theme {
        let mut theme = Theme::of(name);
        theme.colours = look.colours;
        if look.colours == Colours::None {
            theme = theme.without_colour();
        }
        if look.ascii {
            theme.glyphs = &ASCII;
            theme.border.glyphs = &ASCII;
            // The large digits are drawn with block characters.
            theme.big_figures = false;
        }
        theme
    }

    /// The theme the app asks for, on the terminal it was started in.
    pub fn for_app(app: &App) -> Theme {
        Theme::new(app.theme, app.look)
    }

    /// Fits a drawn frame to the terminal: the theme's background under
    /// every cell that sets none, and every colour turned into one the
    /// terminal shows (or removed, without colour). Drawing code may use
    /// any colour; what reaches the terminal is decided here.
    pub fn finish(&self, buf: &mut Buffer) {
        colour::finish(self, buf);
        if self.glyphs.ascii {
            super::glyphs::ascii_cells(buf);
        }
    }

    pub const fn standard() -> Theme {
        Theme {
            name: ThemeName::Standard,
            colours: Colours::TrueColour,
            glyphs: &UNICODE,
            base: None,
            thick_bars: false,
            big_figures: false,
            title: Style::new().add_modifier(Modifier::BOLD),
            border: Border::new(Style::new().fg(Color::DarkGray)),
            dim: Style::new().fg(Color::DarkGray),
            key: Style::new().fg(Color::Black).bg(Color::Cyan),
            python: Style::new().fg(Color::Cyan),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(Modifier::BOLD),
            brand: Style::new()
                .fg(Color::Black)
                .bg(Color::Green)
                .add_modifier(Modifier::BOLD),
            note: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            bar_empty: Style::new().fg(Color::DarkGray),
            good: Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            bad: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            big_digits: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            states: [
                Style::new().fg(Color::Gray),
                Style::new().fg(Color::Green),
                Style::new().fg(Color::Blue),
                Style::new().fg(Color::Yellow),
                Style::new().fg(Color::Magenta),
                Style::new().fg(Color::DarkGray),
            ],
            loads: [
                Style::new().fg(Color::Green),
                Style::new().fg(Color::Yellow),
                Style::new().fg(Color::Red),
            ],
            workers: [
                Color::Cyan,
                Color::Magenta,
                Color::Green,
                Color::Yellow,
                Color::LightBlue,
                Color::LightRed,
            ],
            gil_held: Style::new()
                .fg(Color::Black)
                .bg(Color::Green)
                .add_modifier(Modifier::BOLD),
            gil_share: Style::new().fg(Color::Green),
            gil_wait: Style::new().fg(Color::Red),
            gil_io: Style::new().fg(Color::Blue),
            gil_free: Style::new().fg(Color::Black).bg(Color::Cyan),
            gil_stopped: Style::new().fg(Color::Yellow),
            race_bar: Style::new().fg(Color::Cyan),
            race_ideal: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
        }
    }

    /// High contrast for a projector: white on a black background of its
    /// own (so a terminal with a light background shows it as well), bold
    /// text, thick bars, large digits, and the Okabe-Ito palette. Every
    /// state keeps its letter (R, S, T, Z) and word beside its colour.
    pub const fn projector() -> Theme {
        use okabe_ito::*;
        let bold = Modifier::BOLD;
        Theme {
            name: ThemeName::Projector,
            colours: Colours::TrueColour,
            glyphs: &UNICODE,
            base: Some(
                Style::new()
                    .fg(Color::Rgb(0xFF, 0xFF, 0xFF))
                    .bg(Color::Rgb(0, 0, 0)),
            ),
            thick_bars: true,
            big_figures: true,
            title: Style::new().fg(Color::White).add_modifier(bold),
            border: Border::new(Style::new().fg(Color::White)),
            dim: Style::new().fg(Color::Gray),
            key: Style::new().fg(Color::Black).bg(YELLOW).add_modifier(bold),
            python: Style::new().fg(SKY_BLUE).add_modifier(bold),
            selected: Style::new().add_modifier(Modifier::REVERSED.union(bold)),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(bold),
            brand: Style::new().fg(Color::Black).bg(GREEN).add_modifier(bold),
            note: Style::new().fg(ORANGE).add_modifier(bold),
            error: Style::new().fg(VERMILLION).add_modifier(bold),
            bar_empty: Style::new().fg(Color::Gray),
            good: Style::new().fg(GREEN).add_modifier(bold),
            bad: Style::new().fg(VERMILLION).add_modifier(bold),
            big_digits: Style::new().fg(Color::White).add_modifier(bold),
            states: [
                Style::new().fg(Color::White).add_modifier(bold),
                Style::new().fg(GREEN).add_modifier(bold),
                Style::new().fg(SKY_BLUE).add_modifier(bold),
                Style::new().fg(YELLOW).add_modifier(bold),
                Style::new().fg(PURPLE).add_modifier(bold),
                Style::new().fg(Color::Gray),
            ],
            loads: [
                Style::new().fg(BLUE),
                Style::new().fg(ORANGE),
                Style::new().fg(VERMILLION),
            ],
            workers: [ORANGE, SKY_BLUE, GREEN, YELLOW, BLUE, PURPLE],
            gil_held: Style::new().fg(Color::Black).bg(GREEN).add_modifier(bold),
            gil_share: Style::new().fg(GREEN).add_modifier(bold),
            gil_wait: Style::new().fg(VERMILLION).add_modifier(bold),
            gil_io: Style::new().fg(SKY_BLUE).add_modifier(bold),
            gil_free: Style::new().fg(Color::Black).bg(ORANGE).add_modifier(bold),
            gil_stopped: Style::new().fg(PURPLE).add_modifier(bold),
            race_bar: Style::new().fg(SKY_BLUE),
            race_ideal: Style::new().fg(Color::White).add_modifier(bold),
        }
    }

    /// The colour of pool worker `serial` (1, 2, ...).
    pub fn worker(&self, serial: u32) -> Style {
        let i = (serial.max(1) - 1) as usize % self.workers.len();
        Style::new().fg(self.workers[i])
    }

    /// The colour of a worker state.
    pub fn state(&self, kind: StateKind) -> Style {
        self.states[match kind {
            StateKind::Starting => 0,
            StateKind::Running => 1,
            StateKind::Sleeping => 2,
            StateKind::Paused => 3,
            StateKind::Zombie => 4,
            StateKind::Joined => 5,
        }]
    }

    /// The colour of a load bar, from idle to saturated.
    pub fn load(&self, percent: f32) -> Style {
        self.loads[if percent >= 85.0 {
            2
        } else if percent >= 50.0 {
            1
        } else {
            0
        }]
    }

    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Info => Style::new(),
            Level::Note => self.note,
            Level::Error => self.error,
        }
    }
}
