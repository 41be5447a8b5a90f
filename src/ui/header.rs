//! The header line: the lab selector, and the settings new workers get.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::app::labs::Tab;

use super::theme::Theme;

pub struct Header<'a> {
    pub app: &'a App,
    /// The screen is frozen: said on the right, in place of the settings.
    pub frozen: bool,
    pub theme: &'a Theme,
}

/// How much of each lab's name the tab bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// "2 GIL race".
    Full,
    /// "2 GIL", the registry's short title.
    Short,
    /// Short titles without the brand, where the brand would push the
    /// last lab's name off the line: names tell a newcomer more.
    ShortBare,
    /// "2".
    Number,
}

/// What the frozen screen says on the right of the header.
const FROZEN: &str = " FROZEN · workers go on · f goes live ";
const FROZEN_SHORT: &str = " FROZEN · f ";

impl Header<'_> {
    /// The brand and the tabs: the lab shown by its title, the others by
    /// `names`.
    fn tabs(&self, names: Names) -> Vec<Span<'static>> {
        let app = self.app;
        let mut spans = match names {
            Names::ShortBare => Vec::new(),
            _ => vec![Span::styled(" proclab ", self.theme.brand), Span::raw(" ")],
        };
        for (i, lab) in app.tabs().into_iter().enumerate() {
            // A view without a number shows its title (or short title) alone.
            let number = match lab.tab() {
                Tab::Numbered => format!("{} ", i + 1),
                Tab::WhenOpen => String::new(),
            };
            if lab == app.lab {
                spans.push(Span::styled(
                    format!(" {number}{} ", lab.title()),
                    self.theme.tab_active,
                ));
                continue;
            }
            let text = match (names, lab.tab()) {
                (Names::Full, _) => format!(" {number}{} ", lab.title()),
                (Names::Short | Names::ShortBare, _) | (Names::Number, Tab::WhenOpen) => {
                    format!(" {number}{}", lab.short())
                }
                (Names::Number, Tab::Numbered) => format!(" {}", i + 1),
            };
            spans.push(Span::styled(text, self.theme.dim));
        }
        spans
    }
}

fn width(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.width()).sum()
}

/// The longest run of `status`'s parts (split at " · ") that fits `room`
/// columns, whole parts only.
fn fit_status(status: &str, room: usize) -> String {
    let parts: Vec<&str> = status.trim_end().split(" · ").collect();
    for n in (1..=parts.len()).rev() {
        let s = format!("{} ", parts[..n].join(" · "));
        if s.chars().count() <= room {
            return s;
        }
    }
    String::new()
}

impl Widget for &Header<'_> {
    /// Every lab by name where there is room with the lab's settings
    /// beside them; then by short name, the settings kept in whole parts
    /// as far as they fit; then by number. Frozen, the mark always shows.
    fn render(self, area: Rect, buf: &mut Buffer) {
        let room = area.width as usize;
        let levels = [Names::Full, Names::Short, Names::ShortBare, Names::Number];
        let (left, right, right_style) = if self.frozen {
            let mark = levels
                .iter()
                .flat_map(|&n| [(n, FROZEN), (n, FROZEN_SHORT)])
                .map(|(n, m)| (self.tabs(n), m))
                .find(|(tabs, m)| width(tabs) + m.chars().count() < room)
                .unwrap_or_else(|| (self.tabs(Names::Number), FROZEN_SHORT));
            (mark.0, mark.1.to_string(), self.theme.tab_active)
        } else if let Some(words) = self.app.exit_words() {
            // While a quit waits for workers, the header says so on every
            // lab, in place of the settings, whatever the names give up.
            let tabs = levels
                .iter()
                .map(|&n| self.tabs(n))
                .find(|tabs| width(tabs) + words.chars().count() < room)
                .unwrap_or_else(|| self.tabs(Names::Number));
            // Too narrow even beside the numbers: the words, cut.
            let rest = room.saturating_sub(width(&tabs) + 1);
            let words = if words.chars().count() > rest {
                let mut cut: String = words.chars().take(rest.saturating_sub(2)).collect();
                cut.push_str(self.theme.glyphs.ellipsis);
                cut.push(' ');
                cut
            } else {
                words
            };
            (tabs, words, self.theme.note)
        } else {
            let (status, style) = (status(self.app), self.theme.dim);
            // Names before settings: numbers alone only where even the
            // short names do not fit.
            let full = [Names::Full, Names::Short]
                .iter()
                .map(|&n| self.tabs(n))
                .find(|tabs| width(tabs) + status.chars().count() < room);
            let (tabs, right) = match full {
                Some(tabs) => (tabs, status),
                None => {
                    let tabs = [Names::Short, Names::ShortBare, Names::Number]
                        .iter()
                        .map(|&n| self.tabs(n))
                        .find(|tabs| width(tabs) < room)
                        .unwrap_or_else(|| self.tabs(Names::Number));
                    let rest = room.saturating_sub(width(&tabs) + 1);
                    let right = fit_status(&status, rest);
                    (tabs, right)
                }
            };
            (tabs, right, style)
        };
        // Words and marks as the terminal can draw them (`--ascii`).
        let g = self.theme.glyphs;
        let left = g.line(Line::from(left));
        let right = g.text(right).into_owned();
        let left_width = left.width();
        left.render(area, buf);
        let right_width = right.chars().count();
        if !right.is_empty() && left_width + right_width < room {
            let x = area.x + area.width - right_width as u16;
            Line::from(Span::styled(right, right_style))
                .render(Rect::new(x, area.y, right_width as u16, 1), buf);
        }
    }
}

/// The current lab's settings, on the right of the header.
fn status(app: &App) -> String {
    crate::app::labs::header(app)
}
