//! The program's process tree: pid, what each process is, the kernel's
//! state letter and words, CPU, memory, threads and Python's exitcode;
//! the selected row highlighted and always in view, ended processes
//! after the live ones.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::run::view::ProcRow;
use crate::app::view::StateKind;
use crate::ui::theme::Theme;

pub struct TreePanel<'a> {
    pub rows: &'a [ProcRow],
    pub selected: Option<usize>,
    /// The title's words after "Processes".
    pub status: String,
    pub theme: &'a Theme,
}

/// Megabytes or kilobytes, in five cells.
pub fn memory(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 100.0 {
        format!("{mb:.0}M")
    } else if mb >= 1.0 {
        format!("{mb:.1}M")
    } else {
        format!("{}K", bytes / 1024)
    }
}

fn kind(row: &ProcRow) -> StateKind {
    match row.letter {
        _ if !row.live => StateKind::Joined,
        _ if row.zombie => StateKind::Zombie,
        _ if row.stopped => StateKind::Paused,
        'R' => StateKind::Running,
        _ => StateKind::Sleeping,
    }
}

/// Cells of the fixed columns: pid, state letter, cpu, rss, threads, exit.
const PID: usize = 7;
const LETTER: usize = 3;
const CPU: usize = 6;
const RSS: usize = 7;
const THREADS: usize = 4;
const EXIT: usize = 5;

impl Widget for &TreePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let title = Line::from(vec![
            Span::styled(" Processes ", self.theme.title),
            Span::styled(format!("{} ", self.status), self.theme.dim),
        ]);
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        if inner.height == 0 {
            return;
        }
        let g = self.theme.glyphs;
        let width = inner.width as usize;
        let fixed = PID + LETTER + CPU + RSS + THREADS + EXIT + 1;
        let rest = width.saturating_sub(fixed);
        let what_w = (rest * 11 / 20).max(8);
        let words_w = rest.saturating_sub(what_w + 1);
        let header = format!(
            "{:>w_pid$} {:<what_w$} {:<3}{:<words_w$} {:>5} {:>6} {:>3} {:>4}",
            "pid",
            "what",
            "st",
            "state",
            "cpu%",
            "rss",
            "thr",
            "exit",
            w_pid = PID - 1,
        );
        Line::from(Span::styled(g.fit(&header, width), self.theme.dim)).render(
            Rect::new(inner.x, inner.y, inner.width, 1),
            buf,
        );
        if self.rows.is_empty() {
            Line::from(Span::styled(
                "  no process yet: the program is starting",
                self.theme.dim,
            ))
            .render(Rect::new(inner.x, inner.y + 1, inner.width, 1), buf);
            return;
        }
        let visible = inner.height.saturating_sub(1) as usize;
        let first = crate::ui::workers::offset(self.selected, self.rows.len(), visible);
        for (i, row) in self.rows.iter().enumerate().skip(first).take(visible) {
            let y = inner.y + 1 + (i - first) as u16;
            let indent = if row.depth == 0 {
                String::new()
            } else {
                format!("{}{} ", "  ".repeat(row.depth.saturating_sub(1)), g.border.bottom_left)
            };
            let what = g.fit(&format!("{indent}{}", row.what), what_w);
            let mut words = row.words.clone();
            if row.gil {
                words.push_str(&format!(" {} GIL", g.sep));
            }
            let exit = row.exitcode.map_or(if row.live { "-".into() } else { "?".into() }, |c| {
                c.to_string()
            });
            let cpu = if row.live {
                format!("{:>5.0}", row.cpu)
            } else {
                format!("{:>5}", "")
            };
            let style = self.theme.state(kind(row));
            let base = if self.selected == Some(i) {
                self.theme.selected
            } else {
                Style::default()
            };
            let spans = vec![
                Span::styled(format!("{:>w$} ", row.id.pid, w = PID - 1), base),
                Span::styled(format!("{:<what_w$} ", what), base),
                Span::styled(format!("{:<3}", row.letter), base.patch(style)),
                Span::styled(format!("{:<words_w$} ", g.fit(&words, words_w)), base.patch(style)),
                Span::styled(
                    format!(
                        "{cpu} {:>6} {:>3} {:>4}",
                        if row.live && !row.zombie { memory(row.rss) } else { String::new() },
                        if row.live && !row.zombie { row.threads.to_string() } else { String::new() },
                        g.fit(&exit, EXIT - 1),
                    ),
                    base,
                ),
            ];
            Line::from(spans).render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_reads_in_five_cells() {
        assert_eq!(memory(12 * 1024 * 1024 + 300_000), "12.3M");
        assert_eq!(memory(512 * 1024), "512K");
        assert_eq!(memory(300 * 1024 * 1024), "300M");
    }
}
