//! The run view's panel, in the worker table's place: the program's
//! process tree, the lines about the selected process, and below them its
//! output, the selected process's threads, and the queues, values and
//! pools it made. On a wide terminal all of them at once; at 80x24 the
//! tree and one lower panel, `o` going round them.

pub mod panels;
pub mod tree;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::app::run::view;
use crate::app::run::{Panel, RunState};
use crate::app::view::WorkerRow;
use crate::lab::run::examples::EXAMPLES;
use crate::ui::labs::{LabPanel, Place};
use crate::ui::theme::Theme;

use self::panels::ObjectKinds;

/// Width and height of the panel from which every part is shown at once.
pub const WIDE: (u16, u16) = (120, 18);
/// Width of the right-hand column on a wide terminal.
const SIDE: u16 = 44;

impl LabPanel for RunState {
    const PLACE: Place = Place::Instead;

    /// Most of the body: the log keeps the rest.
    fn height(body: u16) -> u16 {
        (body * 13 / 20).max(10)
    }

    fn render(app: &App, _selected: Option<&WorkerRow>, area: Rect, theme: &Theme, buf: &mut Buffer) {
        let s = &app.run;
        if s.watching.is_none() {
            nothing_watched(area, theme, buf);
            return;
        }
        let rows = view::rows(s);
        let selected = view::selected_index(s);
        let details = view::detail(s);
        let live = rows.iter().filter(|r| r.live).count();
        let sep = theme.glyphs.sep;
        let mut status = match &s.watching {
            Some(w) if w.owned => format!("run {} {sep} {live} live", s.run),
            _ => format!("attached {sep} {live} live"),
        };
        match s.commands_ended.len() {
            0 => {}
            1 => status.push_str(&format!(" {sep} 1 other command ended")),
            n => status.push_str(&format!(" {sep} {n} other commands ended")),
        }
        let wide = area.width >= WIDE.0 && area.height >= WIDE.1;
        let detail_rows =
            panels::details_height(&details, area.width).clamp(1, if wide { 3 } else { 2 });
        let lower = if wide {
            area.height * 2 / 5
        } else {
            (area.height / 3).clamp(3, 10)
        };
        let [top, detail, bottom] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(detail_rows),
            Constraint::Length(lower),
        ])
        .areas(area);
        let tree_area = if wide {
            let [tree, side] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Length(SIDE)]).areas(top);
            panels::threads(s, "", side, theme, buf);
            tree
        } else {
            top
        };
        tree::TreePanel {
            rows: &rows,
            selected,
            status,
            theme,
        }
        .render(tree_area, buf);
        panels::details(&details, detail, theme, buf);
        if wide {
            let [out, side] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Length(SIDE)]).areas(bottom);
            panels::output(s, "", out, theme, buf);
            panels::objects(s, ObjectKinds::All, "", side, theme, buf);
            return;
        }
        let hint = &format!(" {sep} o: next");
        match s.panel {
            Panel::Output => panels::output(s, hint, bottom, theme, buf),
            Panel::Threads => panels::threads(s, hint, bottom, theme, buf),
            Panel::Queues => panels::objects(s, ObjectKinds::Queues, hint, bottom, theme, buf),
            Panel::Values => panels::objects(s, ObjectKinds::Values, hint, bottom, theme, buf),
            Panel::Pools => panels::objects(s, ObjectKinds::Pools, hint, bottom, theme, buf),
        }
    }
}

/// The view opened with nothing in it: how to put a program in it.
fn nothing_watched(area: Rect, theme: &Theme, buf: &mut Buffer) {
    let inner = crate::ui::framed(
        Line::from(Span::styled(" Run ", theme.title)),
        theme.border,
        area,
        buf,
    );
    let mut lines = vec![
        Line::from(Span::styled(
            "Nothing is watched. proclab run script.py runs your program here;",
            theme.dim,
        )),
        Line::from(Span::styled(
            "R in a lab runs its real counterpart, a lesson the others; the course's:",
            theme.dim,
        )),
    ];
    if lines.len() + EXAMPLES.len() <= inner.height as usize {
        for ex in EXAMPLES {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", ex.file), theme.python),
                Span::styled(ex.about, theme.dim),
            ]));
        }
    } else {
        // Short of rows: the names alone, as many to a line as fit.
        let width = inner.width.saturating_sub(1) as usize;
        let mut row: Vec<Span> = Vec::new();
        let mut used = 0;
        for ex in EXAMPLES {
            let cell = format!("  {}", ex.file);
            if used + cell.len() > width && !row.is_empty() {
                lines.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            used += cell.len();
            row.push(Span::styled(cell, theme.python));
        }
        lines.push(Line::from(row));
    }
    for (i, line) in lines.into_iter().take(inner.height as usize).enumerate() {
        line.render(Rect::new(inner.x + 1, inner.y + i as u16, inner.width.saturating_sub(1), 1), buf);
    }
}
