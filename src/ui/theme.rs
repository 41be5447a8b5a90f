//! Colours and styles, in one place. Every colour that carries meaning is
//! paired with a letter or a word on screen, so nothing depends on colour
//! alone.

use ratatui::style::{Color, Modifier, Style};

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
    /// One colour per pool worker, by start order; each worker also has its
    /// own letter, so the colour is never the only clue.
    pub workers: [Color; 6],
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
            workers: [
                Color::Cyan,
                Color::Magenta,
                Color::Green,
                Color::Yellow,
                Color::LightBlue,
                Color::LightRed,
            ],
        }
    }

    /// The colour of pool worker `serial` (1, 2, ...).
    pub fn worker(&self, serial: u32) -> Style {
        let i = (serial.max(1) - 1) as usize % self.workers.len();
        Style::new().fg(self.workers[i])
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

    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Info => Style::new(),
            Level::Note => self.note,
            Level::Error => self.error,
        }
    }
}
