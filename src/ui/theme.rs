//! Colours and styles, in one place. Every colour that carries meaning is
//! paired with a letter or a word on screen, so nothing depends on colour
//! alone.

use ratatui::style::{Color, Modifier, Style};

use crate::app::gil::timeline::LaneState;
use crate::app::log::Level;
use crate::app::view::StateKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub title: Style,
    pub border: Style,
    pub dim: Style,
    pub key: Style,
    pub python: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub brand: Style,
    pub note: Style,
    pub error: Style,
    pub bar_empty: Style,
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
    pub const fn standard() -> Theme {
        Theme {
            title: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
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

    /// The colour of a worker state.
    pub fn state(&self, kind: StateKind) -> Style {
        match kind {
            StateKind::Starting => Style::new().fg(Color::Gray),
            StateKind::Running => Style::new().fg(Color::Green),
            StateKind::Sleeping => Style::new().fg(Color::Blue),
            StateKind::Paused => Style::new().fg(Color::Yellow),
            StateKind::Zombie => Style::new().fg(Color::Magenta),
            StateKind::Joined => Style::new().fg(Color::DarkGray),
        }
    }

    /// The colour of a load bar, from idle to saturated.
    pub fn load(&self, percent: f32) -> Style {
        let color = if percent >= 85.0 {
            Color::Red
        } else if percent >= 50.0 {
            Color::Yellow
        } else {
            Color::Green
        };
        Style::new().fg(color)
    }

    /// The style of a GIL timeline cell in this state.
    pub fn lane(&self, state: LaneState) -> Style {
        match state {
            LaneState::Holding => self.gil_held,
            LaneState::Waiting => self.gil_wait,
            LaneState::Io => self.gil_io,
            LaneState::Running => self.gil_free,
            LaneState::Stopped => self.gil_stopped,
            LaneState::Done => self.dim,
        }
    }

    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Info => Style::new(),
            Level::Note => self.note,
            Level::Error => self.error,
        }
    }
}
