//! The keystroke overlay: the last keys pressed and what they did, in the
//! bottom-right corner, so an audience sees what was typed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use crate::app::KeyStroke;

use super::theme::{Border, Theme};

pub struct KeysOverlay<'a> {
    pub keys: &'a [&'a KeyStroke],
    pub theme: &'a Theme,
}

impl KeysOverlay<'_> {
    fn lines(&self) -> Vec<Line<'static>> {
        self.keys
            .iter()
            .map(|k| {
                let g = self.theme.glyphs;
                Line::from(vec![
                    Span::styled(format!(" {} ", g.text(k.key.as_str())), self.theme.key),
                    Span::raw(format!(" {}", g.text(k.what.as_str()))),
                ])
            })
            .collect()
    }

    /// Rows it takes, borders included; 0 when it shows nothing.
    pub fn rows(&self) -> u16 {
        if self.keys.is_empty() {
            0
        } else {
            self.keys.len() as u16 + 2
        }
    }

    /// Columns the overlay takes at the right of a screen `screen_width`
    /// wide; 0 when it shows nothing.
    pub fn width(&self, screen_width: u16) -> u16 {
        if self.keys.is_empty() {
            return 0;
        }
        self.lines()
            .iter()
            .map(|l| l.width() as u16)
            .max()
            .unwrap_or(0)
            .saturating_add(3)
            .min(screen_width)
    }
}

impl Widget for &KeysOverlay<'_> {
    /// `area` is the whole screen; the overlay sits above the footer.
    fn render(self, area: Rect, buf: &mut Buffer) {
        if self.keys.is_empty() || area.height < 3 {
            return;
        }
        let lines = self.lines();
        let width = self.width(area.width);
        let height = (lines.len() as u16 + 2).min(area.height - 1);
        let popup = Rect::new(
            area.x + area.width - width,
            area.y + area.height - 1 - height,
            width,
            height,
        );
        Clear.render(popup, buf);
        let inner = super::framed(
            Span::styled(" keys ", self.theme.title),
            Border {
                style: self.theme.title,
                ..self.theme.border
            },
            popup,
            buf,
        );
        for (i, line) in lines.iter().enumerate().take(inner.height as usize) {
            line.render(
                Rect::new(inner.x + 1, inner.y + i as u16, inner.width - 1, 1),
                buf,
            );
        }
    }
}
