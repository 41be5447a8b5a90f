//! The event log panel: newest at the bottom, each line with its Python.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::log::{EventLog, LogEntry, format_at};

use super::theme::Theme;

pub struct LogPanel<'a> {
    pub log: &'a EventLog,
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
        let shown = inner.height as usize;
        let skip = self.log.len().saturating_sub(shown);
        let py_width = python_width(inner.width, self.log.entries().skip(skip));
        for (row, entry) in self.log.entries().skip(skip).enumerate() {
            let time = format_at(entry.at);
            let rest = (inner.width as usize).saturating_sub(time.len() + 1);
            let mut spans = vec![Span::styled(format!("{time} "), self.theme.dim)];
            match &entry.python {
                Some(py) => {
                    spans.push(Span::styled(
                        format!("{:<py_width$} ", g.fit(&g.text(py.as_str()), py_width)),
                        self.theme.python,
                    ));
                    let text_width = rest.saturating_sub(py_width + 1);
                    spans.push(Span::styled(
                        g.fit(&g.text(entry.text.as_str()), text_width),
                        self.theme.level(entry.level),
                    ));
                }
                None => spans.push(Span::styled(
                    g.fit(&g.text(entry.text.as_str()), rest),
                    self.theme.level(entry.level),
                )),
            }
            Line::from(spans).render(
                Rect::new(inner.x, inner.y + row as u16, inner.width, 1),
                buf,
            );
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
}
