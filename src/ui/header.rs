//! The header line: the lab selector, and the settings new workers get.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::{App, LabId};

use super::theme::Theme;

pub struct Header<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for &Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let mut left = vec![Span::styled(" proclab ", self.theme.brand), Span::raw(" ")];
        for (i, &lab) in LabId::ALL.iter().enumerate() {
            let text = format!(" {} {} ", i + 1, lab.title());
            if lab == app.lab {
                left.push(Span::styled(text, self.theme.tab_active));
            } else {
                left.push(Span::styled(text, self.theme.dim));
            }
        }
        let right = status(app);
        let left_width: usize = left.iter().map(|s| s.width()).sum();
        Line::from(left).render(area, buf);
        let right_width = right.chars().count();
        if left_width + right_width < area.width as usize {
            let x = area.x + area.width - right_width as u16;
            Line::from(Span::styled(right, self.theme.dim))
                .render(Rect::new(x, area.y, right_width as u16, 1), buf);
        }
    }
}

/// The current lab's settings, on the right of the header.
fn status(app: &App) -> String {
    match app.lab {
        LabId::Lifecycle => {
            let s = app.settings;
            format!(
                "new: {} · {} · {} ",
                app.target(),
                if s.start.daemon {
                    "daemon"
                } else {
                    "not daemon"
                },
                if s.auto_join {
                    "auto-join"
                } else {
                    "zombies kept"
                },
            )
        }
        LabId::Gil => super::gil::header_status(app),
    }
}
