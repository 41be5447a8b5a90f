//! The light theme, and any theme with its colours taken away (`NO_COLOR`).

use ratatui::style::{Color, Modifier, Style};

use super::{Border, Theme};
use crate::app::ThemeName;
use crate::app::look::Colours;
use crate::ui::glyphs::UNICODE;

/// Colours that read on white: GitHub's Primer light palette.
mod primer {
    use ratatui::style::Color;
    pub const TEXT: Color = Color::Rgb(0x1F, 0x23, 0x28);
    pub const MUTED: Color = Color::Rgb(0x59, 0x63, 0x6E);
    pub const RULE: Color = Color::Rgb(0x81, 0x8B, 0x98);
    pub const TRACK: Color = Color::Rgb(0xD1, 0xD9, 0xE0);
    pub const WHITE: Color = Color::Rgb(0xFF, 0xFF, 0xFF);
    pub const GREEN: Color = Color::Rgb(0x1A, 0x7F, 0x37);
    pub const RED: Color = Color::Rgb(0xCF, 0x22, 0x2E);
    pub const BLUE: Color = Color::Rgb(0x09, 0x69, 0xDA);
    pub const DEEP_BLUE: Color = Color::Rgb(0x05, 0x50, 0xAE);
    pub const AMBER: Color = Color::Rgb(0x9A, 0x67, 0x00);
    pub const PURPLE: Color = Color::Rgb(0x82, 0x50, 0xDF);
    pub const TEAL: Color = Color::Rgb(0x1B, 0x7C, 0x83);
    pub const ORANGE: Color = Color::Rgb(0xBC, 0x4C, 0x00);
}

/// A style with its colours taken away and its modifiers kept.
fn bare(style: Style) -> Style {
    Style::new()
        .add_modifier(style.add_modifier)
        .remove_modifier(style.sub_modifier)
}

impl Theme {
    /// Dark text on a white background of its own: for a light room, or a
    /// terminal with a light background, where the other themes' white
    /// and yellow would not read.
    pub const fn light() -> Theme {
        use primer::*;
        let bold = Modifier::BOLD;
        Theme {
            name: ThemeName::Light,
            colours: Colours::TrueColour,
            glyphs: &UNICODE,
            base: Some(Style::new().fg(TEXT).bg(WHITE)),
            thick_bars: false,
            big_figures: false,
            title: Style::new().fg(TEXT).add_modifier(bold),
            border: Border::new(Style::new().fg(RULE)),
            dim: Style::new().fg(MUTED),
            key: Style::new().fg(WHITE).bg(BLUE),
            python: Style::new().fg(DEEP_BLUE),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            tab_active: Style::new().fg(WHITE).bg(TEXT).add_modifier(bold),
            brand: Style::new().fg(WHITE).bg(GREEN).add_modifier(bold),
            note: Style::new().fg(AMBER).add_modifier(bold),
            error: Style::new().fg(RED).add_modifier(bold),
            bar_empty: Style::new().fg(TRACK),
            good: Style::new().fg(GREEN).add_modifier(bold),
            bad: Style::new().fg(RED).add_modifier(bold),
            big_digits: Style::new().fg(TEXT).add_modifier(bold),
            states: [
                Style::new().fg(MUTED),
                Style::new().fg(GREEN),
                Style::new().fg(BLUE),
                Style::new().fg(AMBER),
                Style::new().fg(PURPLE),
                Style::new().fg(RULE),
            ],
            loads: [
                Style::new().fg(GREEN),
                Style::new().fg(AMBER),
                Style::new().fg(RED),
            ],
            workers: [TEAL, PURPLE, GREEN, AMBER, BLUE, ORANGE],
            gil_held: Style::new().fg(WHITE).bg(GREEN).add_modifier(bold),
            gil_share: Style::new().fg(GREEN),
            gil_wait: Style::new().fg(RED),
            gil_io: Style::new().fg(BLUE),
            gil_free: Style::new().fg(WHITE).bg(TEAL),
            gil_stopped: Style::new().fg(AMBER),
            race_bar: Style::new().fg(TEAL),
            race_ideal: Style::new().fg(TEXT).add_modifier(bold),
        }
    }

    /// This theme with no colour at all: what colour told, bold, reverse,
    /// dim and underline tell, beside the letters and words every state
    /// already has. The thick bars and large digits stay.
    pub(super) fn without_colour(self) -> Theme {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        let dim = plain.add_modifier(Modifier::DIM);
        let reversed = plain.add_modifier(Modifier::REVERSED);
        let strong = reversed.add_modifier(Modifier::BOLD);
        let alarm = bold.add_modifier(Modifier::UNDERLINED);
        Theme {
            colours: Colours::None,
            base: None,
            title: bold,
            border: Border {
                style: plain,
                glyphs: self.border.glyphs,
            },
            dim,
            key: reversed,
            python: plain,
            selected: bare(self.selected),
            tab_active: strong,
            brand: strong,
            note: bold,
            error: alarm,
            bar_empty: dim,
            good: bold,
            bad: alarm,
            big_digits: bold,
            // Starting, running, sleeping, paused, zombie, joined.
            states: [plain, bold, plain, plain, bold, dim],
            loads: [plain, plain, bold],
            workers: [Color::Reset; 6],
            gil_held: strong,
            gil_share: bold,
            gil_wait: plain,
            gil_io: dim,
            gil_free: reversed,
            gil_stopped: plain,
            race_bar: plain,
            race_ideal: bold,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colour_every_style_is_colourless_and_the_selection_reversed() {
        for name in [ThemeName::Standard, ThemeName::Projector, ThemeName::Light] {
            let t = Theme::of(name).without_colour();
            let styles = [
                t.title,
                t.border.style,
                t.dim,
                t.key,
                t.python,
                t.selected,
                t.tab_active,
                t.brand,
                t.note,
                t.error,
                t.bar_empty,
                t.good,
                t.bad,
                t.big_digits,
                t.gil_held,
                t.gil_share,
                t.gil_wait,
                t.gil_io,
                t.gil_free,
                t.gil_stopped,
                t.race_bar,
                t.race_ideal,
            ];
            for s in styles.iter().chain(&t.states).chain(&t.loads) {
                assert_eq!((s.fg, s.bg), (None, None), "{name:?}: {s:?}");
            }
            assert!(t.workers.iter().all(|&c| c == Color::Reset));
            assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
            assert!(t.key.add_modifier.contains(Modifier::REVERSED));
            assert_eq!(t.base, None);
        }
    }
}
