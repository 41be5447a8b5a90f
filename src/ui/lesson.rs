//! The lesson panel, the lessons menu, and a scenario's caption.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use crate::app::{LessonView, LessonsMenu};

use super::theme::{Border, Theme};

/// Fewest and most rows of the lesson panel, borders included.
const MIN_HEIGHT: u16 = 5;
const MAX_HEIGHT: u16 = 12;

/// Where the Python lines start, after "Python  ".
const PYTHON_LEAD: usize = 8;

/// Rows the lesson panel needs at `width` columns, borders included: the
/// caption as wrapped, the Python, and the line of keys.
pub fn height(l: &LessonView, width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let python: usize = l
        .python
        .lines()
        .map(|py| wrapped_rows(py, inner.saturating_sub(PYTHON_LEAD).max(1)))
        .sum();
    let rows = wrapped_rows(&l.caption, inner) + python + 1;
    (rows as u16 + 2).clamp(MIN_HEIGHT, MAX_HEIGHT)
}

/// Rows `text` takes wrapped at word boundaries to `width` columns.
fn wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut col = 0;
    for word in text.split(' ') {
        let w = Span::raw(word).width();
        if col > 0 && col + 1 + w > width {
            rows += 1;
            col = 0;
        }
        col += if col > 0 { 1 + w } else { w };
        while col > width {
            rows += 1;
            col -= width;
        }
    }
    rows
}

pub struct LessonPanel<'a> {
    pub lesson: &'a LessonView,
    pub theme: &'a Theme,
}

impl Widget for &LessonPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let l = self.lesson;
        let g = self.theme.glyphs;
        let title = Line::from(vec![
            Span::styled(
                format!(" Lesson: {} ", g.text(l.title.as_str())),
                self.theme.title,
            ),
            Span::styled(format!("step {} of {} ", l.step, l.total), self.theme.dim),
        ]);
        let block = super::bordered(Border {
            style: self.theme.note,
            ..self.theme.border
        })
        .title(title);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height == 0 {
            return;
        }
        let mut lines = vec![Line::from(Span::styled(
            g.text(l.caption.as_str()).into_owned(),
            self.theme.title,
        ))];
        for (i, py) in l.python.lines().enumerate() {
            let lead = if i == 0 { "Python  " } else { "        " };
            lines.push(Line::from(vec![
                Span::styled(lead, self.theme.dim),
                Span::styled(g.text(py).into_owned(), self.theme.python),
            ]));
        }
        let status = if l.finished {
            Span::styled(
                format!("{} lesson finished: L for another, q to quit", g.check),
                self.theme.note,
            )
        } else if l.passed {
            Span::styled(format!("{} done", g.check), self.theme.note)
        } else {
            Span::styled(
                format!("{} waiting for: {}", g.ellipsis, g.text(l.check.as_str())),
                self.theme.dim,
            )
        };
        let mut keys = vec![Span::styled("Press   ", self.theme.dim)];
        for k in l.keys.split_whitespace() {
            keys.push(Span::styled(format!(" {} ", g.text(k)), self.theme.key));
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
        // Done by its keys: the step stays, with what it shows, until Enter.
        if l.passed && !l.finished && !l.watch {
            keys = vec![
                Span::styled("✓ done: look, then ", self.theme.note),
                Span::styled(" Enter ", self.theme.key),
                Span::styled(" for the next step", self.theme.dim),
            ];
        }
        // The keys to press stay on the last row, whatever the caption
        // and the Python leave.
        let [text, last] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(text, buf);
        Line::from(keys).render(last, buf);
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
        let g = self.theme.glyphs;
        let block = super::bordered(Border {
            style: self.theme.title,
            ..self.theme.border
        })
        .title(Line::from(vec![
            Span::styled(" Lessons ", self.theme.title),
            Span::styled(
                format!(
                    "{1} {2} choose {0} Enter starts afresh {0} Esc closes ",
                    g.sep, g.up, g.down
                ),
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
                Span::styled(format!(" {} ", g.text(title.as_str())), style),
                Span::styled(format!("  proclab lesson {name}"), self.theme.dim),
            ]));
            lines.push(Line::from(Span::raw(
                g.fit(&g.text(format!("   {summary}")), inner_width),
            )));
        }
        Paragraph::new(lines).block(block).render(popup, buf);
    }
}

/// A scenario's caption, across the bottom of the screen above the footer.
pub struct Caption<'a> {
    pub text: &'a str,
    /// Columns kept free at the right, for the keys overlay.
    pub right: u16,
    pub theme: &'a Theme,
}

impl Caption<'_> {
    /// Columns the caption takes on a screen `screen` wide, with `right`
    /// columns of keys overlay beside it.
    fn width(screen: u16, right: u16) -> u16 {
        let width = screen.saturating_sub(2);
        // Beside the keys overlay while it leaves room enough, else the
        // whole width (over it).
        if right > 0 && width.saturating_sub(right + 1) >= 30 {
            width - right - 1
        } else {
            width
        }
    }

    /// Rows the caption needs on a screen `screen` wide, borders included.
    pub fn rows(text: &str, screen: u16, right: u16) -> u16 {
        let inner = Self::width(screen, right).saturating_sub(2).max(1);
        wrapped_rows(text, inner as usize) as u16 + 2
    }
}

impl Widget for &Caption<'_> {
    /// `area` ends with the footer's row: the caption sits just above it.
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = Caption::width(area.width, self.right);
        if area.height < 3 || width < 8 {
            return;
        }
        let text = self.theme.glyphs.text(self.text);
        let inner_width = width.saturating_sub(2).max(1) as usize;
        let rows = wrapped_rows(&text, inner_width) as u16;
        // In rows of its own it takes them all; over the screen, at most
        // half of it.
        let most = if area.height > rows + 3 {
            area.height / 2
        } else {
            area.height - 1
        };
        let height = (rows + 2).min(most);
        let popup = Rect::new(area.x + 1, area.y + area.height - 1 - height, width, height);
        Clear.render(popup, buf);
        Paragraph::new(Line::from(Span::styled(
            text.into_owned(),
            self.theme.title,
        )))
        .wrap(Wrap { trim: true })
        .block(super::bordered(Border {
            style: self.theme.note,
            ..self.theme.border
        }))
        .render(popup.inner(ratatui::layout::Margin::new(0, 0)), buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_counts_rows_as_words_fill_them() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("one two", 7), 1);
        assert_eq!(wrapped_rows("one two", 6), 2);
        assert_eq!(wrapped_rows("one two three", 9), 2);
        assert_eq!(wrapped_rows("abcdefghijkl", 5), 3, "a long word is cut");
    }
}
