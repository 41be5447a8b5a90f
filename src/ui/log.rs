//! The event log panel: newest at the bottom, each line with its Python.
//!
//! An entry too long for its row wraps onto the rows below it, the Python
//! in its column and the words in theirs, so nothing is cut. The log can be
//! scrolled back (PgUp); while it is, the bottom border says how many newer
//! lines are below and how to get back to them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::log::{EventLog, LogEntry, format_at};

use super::glyphs::Glyphs;
use super::theme::Theme;

pub struct LogPanel<'a> {
    pub log: &'a EventLog,
    /// Entries scrolled past at the bottom: 0 shows the newest.
    pub scroll: usize,
    pub theme: &'a Theme,
}

/// Cells given to the Python column: as wide as the widest Python line
/// shown, within bounds, so the words beside it get the rest.
fn python_width<'a>(inner: u16, shown: impl Iterator<Item = &'a LogEntry>) -> usize {
    let widest = shown
        .filter_map(|e| e.python.as_ref())
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0);
    widest.clamp(12, (inner as usize * 45 / 100).max(12))
}

/// Cuts `s` to at most `width` characters, marking the cut with an
/// ellipsis (box-drawing glyphs; a panel drawn for any terminal calls
/// `theme.glyphs.fit`).
pub fn fit(s: &str, width: usize) -> String {
    super::glyphs::UNICODE.fit(s, width)
}

/// `text` in rows of at most `width` characters, broken at spaces where it
/// can be (a word longer than a row is broken where the row ends).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + word.len() > width {
            rows.push(std::mem::take(&mut row));
            len = 0;
        }
        if len > 0 {
            row.push(' ');
            len += 1;
        }
        while len + word.len() > width {
            let take = width - len;
            row.extend(word.drain(..take));
            rows.push(std::mem::take(&mut row));
            len = 0;
        }
        len += word.len();
        row.extend(word);
    }
    rows.push(row);
    rows
}

/// One entry laid out: each row's Python and words.
fn rows_of(entry: &LogEntry, g: &Glyphs, py_width: usize, width: usize) -> Vec<(String, String)> {
    let time = 8;
    let text = g.text(entry.text.as_str());
    match &entry.python {
        Some(py) => {
            let text_width = width.saturating_sub(time + py_width + 1).max(1);
            let py = wrap(&g.text(py.as_str()), py_width);
            let text = wrap(&text, text_width);
            (0..py.len().max(text.len()))
                .map(|i| {
                    (
                        py.get(i).cloned().unwrap_or_default(),
                        text.get(i).cloned().unwrap_or_default(),
                    )
                })
                .collect()
        }
        None => wrap(&text, width.saturating_sub(time).max(1))
            .into_iter()
            .map(|t| (String::new(), t))
            .collect(),
    }
}

impl Widget for &LogPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let g = self.theme.glyphs;
        let inner = super::framed(
            Line::from(vec![
                Span::styled(" Log ", self.theme.title),
                Span::styled(
                    format!("what happened {} the Python that does it ", g.sep),
                    self.theme.dim,
                ),
            ]),
            self.theme.border,
            area,
            buf,
        );
        if inner.height == 0 {
            return;
        }
        let height = inner.height as usize;
        let width = inner.width as usize;
        let end = self.log.len().saturating_sub(self.scroll);
        let start = end.saturating_sub(height);
        let py_width = python_width(inner.width, self.log.entries().take(end).skip(start));
        // From the newest shown upwards, as many rows as there is room for.
        let mut lines: Vec<Line> = Vec::new();
        for entry in self.log.entries().take(end).rev() {
            let rows = rows_of(entry, g, py_width, width);
            // Whole entries only, unless the newest alone is taller.
            if lines.len() + rows.len() > height && !lines.is_empty() {
                break;
            }
            let style = self.theme.level(entry.level);
            for (i, (py, text)) in rows.into_iter().enumerate().rev() {
                let time = if i == 0 {
                    format!("{} ", format_at(entry.at))
                } else {
                    " ".repeat(8)
                };
                let mut spans = vec![Span::styled(time, self.theme.dim)];
                if entry.python.is_some() {
                    spans.push(Span::styled(format!("{py:<py_width$} "), self.theme.python));
                }
                spans.push(Span::styled(text, style));
                lines.push(Line::from(spans));
            }
        }
        // The newest entry alone taller than the panel: its first rows,
        // with its time and its Python.
        if lines.len() > height {
            lines.drain(..lines.len() - height);
        }
        let shown = lines.len();
        for (row, line) in lines.into_iter().rev().enumerate() {
            let y = inner.y + (height - shown + row) as u16;
            line.render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
        if self.scroll > 0 {
            let mark = format!(
                " {} {} newer line{} below {} PgDn ",
                g.pointer_down,
                self.scroll,
                if self.scroll == 1 { "" } else { "s" },
                g.sep
            );
            let w = mark.chars().count() as u16;
            if w + 2 <= area.width {
                let x = area.x + area.width - w - 1;
                Span::styled(mark, self.theme.note.patch(self.theme.title))
                    .render(Rect::new(x, area.y + area.height - 1, w, 1), buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_marks_the_cut() {
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_only_words_longer_than_a_row() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("one two three", 20), ["one two three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        for w in 1..12 {
            for row in wrap("for p in ps: p.join()  # v.value = 10", w) {
                assert!(row.chars().count() <= w, "{row:?} in {w}");
            }
        }
    }
}
