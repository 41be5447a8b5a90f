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
    pub theme: &'a Theme,
}

impl Widget for &Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let g = self.theme.glyphs;
        let right = g.text(status(app)).into_owned();
        let right_width = right.chars().count();
        // Every lab by name if that leaves room for the status; otherwise
        // the other labs by their number only.
        let tabs = |compact: bool| {
            let mut spans = vec![Span::styled(" proclab ", self.theme.brand), Span::raw(" ")];
            for (i, lab) in app.tabs().into_iter().enumerate() {
                // A view without a number shows its title alone.
                let number = match lab.tab() {
                    Tab::Numbered => format!("{} ", i + 1),
                    Tab::WhenOpen => String::new(),
                };
                if lab == app.lab {
                    spans.push(Span::styled(
                        format!(" {number}{} ", g.text(lab.title())),
                        self.theme.tab_active,
                    ));
                } else if compact {
                    let short = match lab.tab() {
                        Tab::Numbered => format!(" {}", i + 1),
                        Tab::WhenOpen => format!(" {}", g.text(lab.short())),
                    };
                    spans.push(Span::styled(short, self.theme.dim));
                } else {
                    spans.push(Span::styled(
                        format!(" {number}{} ", g.text(lab.title())),
                        self.theme.dim,
                    ));
                }
            }
            spans
        };
        let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
        let mut left = tabs(false);
        if width(&left) + right_width >= area.width as usize {
            left = tabs(true);
        }
        let left_width = width(&left);
        Line::from(left).render(area, buf);
        if left_width + right_width < area.width as usize {
            let x = area.x + area.width - right_width as u16;
            Line::from(Span::styled(right, self.theme.dim))
                .render(Rect::new(x, area.y, right_width as u16, 1), buf);
        }
    }
}

/// The current lab's settings, on the right of the header.
fn status(app: &App) -> String {
    crate::app::labs::header(app)
}
