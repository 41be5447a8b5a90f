//! The worker table: one row per worker, the selected one highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};

use crate::app::Counts;
use crate::app::numbers::compact;
use crate::app::view::WorkerRow;

use super::theme::Theme;

pub struct WorkerTable<'a> {
    pub rows: &'a [WorkerRow],
    pub selected: Option<usize>,
    pub counts: Counts,
    pub max_workers: usize,
    /// With no worker: the key that starts one in this lab, and what it
    /// does ("s", "start a producer"); the lifecycle's Spawn if None.
    pub start: Option<(String, String)>,
    pub theme: &'a Theme,
}

/// Rows of workers visible in a table of this outer height.
pub fn visible_rows(area: Rect) -> usize {
    // Borders and the header row.
    area.height.saturating_sub(3) as usize
}

/// The first row shown, so that the selected row is always in view.
pub fn offset(selected: Option<usize>, rows: usize, visible: usize) -> usize {
    let visible = visible.max(1);
    match selected {
        Some(i) if i >= visible => (i + 1 - visible).min(rows.saturating_sub(visible)),
        _ => 0,
    }
}

/// The index of the worker drawn at screen row `y`, if any.
pub fn row_at(area: Rect, selected: Option<usize>, rows: usize, y: u16) -> Option<usize> {
    let first = area.y + 2;
    if y < first || y >= area.y + area.height.saturating_sub(1) {
        return None;
    }
    let i = offset(selected, rows, visible_rows(area)) + (y - first) as usize;
    (i < rows).then_some(i)
}

/// The widest the state column grows for long wait states.
const MAX_STATE_WIDTH: u16 = 31;

const FIXED: [(&str, u16); 7] = [
    ("id", 4),
    ("pid", 7),
    ("st", 2),
    ("state", 19),
    ("exitcode", 8),
    ("cpu%", 5),
    ("tasks", 5),
];

impl Widget for &WorkerTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let c = self.counts;
        let g = self.theme.glyphs;
        let mut title = vec![
            Span::styled(" Workers ", self.theme.title),
            Span::styled(format!("{} alive", c.alive), self.theme.dim),
        ];
        for (n, word) in [
            (c.paused, "paused"),
            (c.zombies, "zombie"),
            (c.joined, "joined"),
        ] {
            if n > 0 {
                title.push(Span::styled(
                    format!(" {} {n} {word}", g.sep),
                    self.theme.dim,
                ));
            }
        }
        title.push(Span::styled(
            format!(" {0} cap {1} {0} d = daemon ", g.sep, self.max_workers),
            self.theme.dim,
        ));
        let inner = super::framed(Line::from(title), self.theme.border, area, buf);

        if self.rows.is_empty() {
            let hint = match &self.start {
                None => Line::from(vec![
                    Span::styled("no worker yet: press ", self.theme.dim),
                    Span::styled(" s ", self.theme.key),
                    Span::styled(
                        format!(" to start one  ({})", crate::app::narrate::start_hint()),
                        self.theme.dim,
                    ),
                ]),
                Some((key, what)) => Line::from(vec![
                    Span::styled("no worker yet: press ", self.theme.dim),
                    Span::styled(format!(" {key} "), self.theme.key),
                    Span::styled(format!(" to {}", g.text(what.as_str())), self.theme.dim),
                ]),
            };
            hint.render(
                Rect::new(inner.x + 1, inner.y + 1, inner.width.saturating_sub(1), 1),
                buf,
            );
            return;
        }

        // The kind column appears when workers of several roles are shown;
        // narrow terminals drop the tasks column before anything else.
        let show_kind = self.rows.iter().any(|r| r.role != self.rows[0].role);
        let mut columns: Vec<(&str, u16)> = FIXED.to_vec();
        // Wait states ("waiting on semaphore (2/2 held)") widen the state
        // column, up to a point.
        let longest = self.rows.iter().map(|r| r.state.chars().count()).max();
        if let Some(state) = columns.iter_mut().find(|(n, _)| *n == "state") {
            state.1 = (longest.unwrap_or(0) as u16).clamp(state.1, MAX_STATE_WIDTH);
        }
        if show_kind {
            columns.insert(2, ("kind", 8));
        }
        let min_progress = 12;
        let fixed_width = |cols: &[(&str, u16)]| cols.iter().map(|(_, w)| w + 1).sum::<u16>();
        if fixed_width(&columns) + min_progress > inner.width {
            columns.retain(|(n, _)| *n != "tasks");
        }
        // Still too wide: the progress bar narrows to a few cells, then a
        // widened state column gives back what it took.
        let over = (fixed_width(&columns) + 8).saturating_sub(inner.width);
        if let Some(state) = columns.iter_mut().find(|(n, _)| *n == "state") {
            state.1 = state.1.saturating_sub(over).max(FIXED[3].1);
        }
        let fixed: u16 = columns.iter().map(|(_, w)| w + 1).sum();
        let progress_width = inner.width.saturating_sub(fixed).max(1) as usize;
        let bar_width = progress_width.saturating_sub(5);

        let header = Row::new(
            columns
                .iter()
                .map(|(name, _)| Cell::from(*name))
                .chain(std::iter::once(Cell::from("progress"))),
        )
        .style(self.theme.dim);

        // Only the rows in view are built: with a thousand workers, making
        // every row's cells took most of a frame.
        let visible = visible_rows(area);
        let first = offset(self.selected, self.rows.len(), visible);
        let shown = &self.rows[first.min(self.rows.len())..(first + visible).min(self.rows.len())];
        let rows = shown.iter().map(|r| {
            let state_style = self.theme.state(r.kind);
            let id = if r.daemon {
                format!("{} d", r.id)
            } else {
                r.id.to_string()
            };
            let exitcode = r.exitcode.map_or("None".to_string(), |c| c.to_string());
            let cpu = r.cpu_percent.map_or(String::new(), |p| format!("{p:>5.0}"));
            let progress = match r.progress {
                Some(f) if bar_width >= 3 => {
                    let (filled, empty) = g.bar(f, bar_width);
                    Line::from(vec![
                        Span::styled(filled, state_style),
                        Span::styled(empty, self.theme.bar_empty),
                        Span::raw(format!(" {:>3.0}%", f * 100.0)),
                    ])
                }
                Some(f) => Line::from(format!("{:>3.0}%", f * 100.0)),
                None => Line::default(),
            };
            let mut cells = vec![Cell::from(id), Cell::from(r.pid.to_string())];
            if show_kind {
                cells.push(Cell::from(r.role.label()));
            }
            cells.extend([
                Cell::from(r.letter.to_string()).style(state_style),
                Cell::from(g.text(r.state.as_str()).into_owned()).style(state_style),
                Cell::from(exitcode),
                Cell::from(cpu),
            ]);
            if columns.iter().any(|(n, _)| *n == "tasks") {
                cells.push(Cell::from(format!("{:>5}", compact(r.tasks_done))));
            }
            cells.push(Cell::from(progress));
            let row = Row::new(cells);
            if r.kind == crate::app::view::StateKind::Joined {
                row.style(self.theme.dim)
            } else {
                row
            }
        });

        let widths = columns
            .iter()
            .map(|(_, w)| Constraint::Length(*w))
            .chain(std::iter::once(Constraint::Fill(1)));
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .row_highlight_style(self.theme.selected);
        let mut state = TableState::default()
            .with_selected(self.selected.and_then(|i| i.checked_sub(first)))
            .with_offset(0);
        StatefulWidget::render(table, inner, buf, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_stays_in_view() {
        assert_eq!(offset(None, 50, 5), 0);
        assert_eq!(offset(Some(3), 50, 5), 0);
        assert_eq!(offset(Some(5), 50, 5), 1);
        assert_eq!(offset(Some(49), 50, 5), 45);
    }

    #[test]
    fn a_click_maps_to_the_row_under_it() {
        let area = Rect::new(0, 10, 80, 8); // 5 visible rows
        assert_eq!(row_at(area, None, 3, 10), None, "the border");
        assert_eq!(row_at(area, None, 3, 11), None, "the header");
        assert_eq!(row_at(area, None, 3, 12), Some(0));
        assert_eq!(row_at(area, None, 3, 14), Some(2));
        assert_eq!(row_at(area, None, 3, 15), None, "below the last row");
        assert_eq!(row_at(area, Some(9), 20, 12), Some(5));
    }
}
