//! The lesson panel, the lessons menu, and a scenario's caption.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::app::{LessonView, LessonsMenu};

use super::theme::Theme;

/// Rows the lesson panel wants, borders included.
pub const PANEL_HEIGHT: u16 = 9;

pub struct LessonPanel<'a> {
    pub lesson: &'a LessonView,
    pub theme: &'a Theme,
}

impl Widget for &LessonPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let l = self.lesson;
        let title = Line::from(vec![
            Span::styled(format!(" Lesson: {} ", l.title), self.theme.title),
            Span::styled(format!("step {} of {} ", l.step, l.total), self.theme.dim),
        ]);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.theme.note)
            .title(title);
        let mut lines = vec![Line::from(Span::styled(
            l.caption.clone(),
            self.theme.title,
        ))];
        for (i, py) in l.python.lines().enumerate() {
            let lead = if i == 0 { "Python  " } else { "        " };
            lines.push(Line::from(vec![
                Span::styled(lead, self.theme.dim),
                Span::styled(py.to_string(), self.theme.python),
            ]));
        }
        let status = if l.finished {
            Span::styled(
                "✓ lesson finished: L for another, q to quit",
                self.theme.note,
            )
        } else if l.passed {
            Span::styled("✓ done", self.theme.note)
        } else {
            Span::styled(format!("… waiting for: {}", l.check), self.theme.dim)
        };
        let mut keys = vec![Span::styled("Press   ", self.theme.dim)];
        for k in l.keys.split_whitespace() {
            keys.push(Span::styled(format!(" {k} "), self.theme.key));
            keys.push(Span::raw(" "));
        }
        if l.watch {
            keys = vec![
                Span::styled("Watch, then ", self.theme.dim),
                Span::styled(" Enter ", self.theme.key),
                Span::raw(" "),
            ];
        }
        keys.push(Span::raw("  "));
        keys.push(status);
        lines.push(Line::from(keys));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(area, buf);
    }
}

pub struct Menu<'a> {
    pub menu: &'a LessonsMenu,
    pub theme: &'a Theme,
}

impl Widget for &Menu<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = area.width.saturating_sub(4).min(76);
        let height = (self.menu.lessons.len() as u16 * 2 + 3).min(area.height.saturating_sub(2));
        let popup = super::popup(area, width, height, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.theme.title)
            .title(Line::from(vec![
                Span::styled(" Lessons ", self.theme.title),
                Span::styled(
                    "↑ ↓ choose · Enter starts afresh · Esc closes ",
                    self.theme.dim,
                ),
            ]));
        let inner_width = width.saturating_sub(2) as usize;
        let mut lines = vec![Line::default()];
        for (i, (name, title, summary)) in self.menu.lessons.iter().enumerate() {
            let style = if i == self.menu.selected {
                self.theme.selected
            } else {
                self.theme.title
            };
            lines.push(Line::from(vec![
                Span::styled(format!(" {title} "), style),
                Span::styled(format!("  proclab lesson {name}"), self.theme.dim),
            ]));
            lines.push(Line::from(Span::raw(super::log::fit(
                &format!("   {summary}"),
                inner_width,
            ))));
        }
        Paragraph::new(lines).block(block).render(popup, buf);
    }
}

/// A scenario's caption, across the bottom of the screen above the footer.
pub struct Caption<'a> {
    pub text: &'a str,
    pub theme: &'a Theme,
}

impl Widget for &Caption<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height < 6 || area.width < 10 {
            return;
        }
        let width = area.width - 2;
        let inner_width = width.saturating_sub(4).max(1) as usize;
        let rows = self.text.chars().count().div_ceil(inner_width).max(1) as u16;
        let height = (rows + 2).min(area.height / 2);
        let popup = Rect::new(area.x + 1, area.y + area.height - 1 - height, width, height);
        Clear.render(popup, buf);
        Paragraph::new(Line::from(Span::styled(
            self.text.to_string(),
            self.theme.title,
        )))
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(self.theme.note),
        )
        .render(popup.inner(ratatui::layout::Margin::new(0, 0)), buf);
    }
}
