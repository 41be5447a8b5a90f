//! The cluster panel: the broker's queue (a gauge and its history), each
//! node with its pool processes, the shell line of the nodes and the Python
//! line of the batch, the tasks lost and redelivered, the speedup beside
//! Pool, and the last tasks' paths. It takes the worker table's rows (the
//! nodes are not the engine's workers). On 80x24 the sections that matter
//! most come first and the rest gives way; from 120 columns it splits in
//! two.

mod nodes;
mod opening;
mod speedup;
mod tasks;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::app::cluster::ClusterState;
use crate::app::view::WorkerRow;
use crate::lab::cluster::ClusterView;
use crate::lab::cluster::view::BrokerState;
use crate::ui::bar;
use crate::ui::labs::{LabPanel, Place};
use crate::ui::theme::Theme;

/// Inner width from which each part shows more (pool pids, a history
/// several rows high, every node's command line).
pub const WIDE: u16 = 100;
/// Inner width from which the panel is drawn in two columns.
pub const TWO_COLUMNS: u16 = 150;

/// One part of the panel: its lines, where it is drawn, and how much it
/// matters when rows are short.
struct Section {
    /// Drawn in this order, top to bottom.
    order: u8,
    /// Kept first when rows are short (lower is kept sooner).
    rank: u8,
    lines: Vec<Line<'static>>,
    /// May be cut short rather than left out.
    cut: bool,
}

/// Keeps the sections that fit `rows`, by rank, cutting the last one kept
/// if it may be cut, and returns their lines in drawing order.
fn fit(mut sections: Vec<Section>, rows: usize) -> Vec<Line<'static>> {
    sections.retain(|s| !s.lines.is_empty());
    let mut by_rank: Vec<usize> = (0..sections.len()).collect();
    by_rank.sort_by_key(|&i| (sections[i].rank, sections[i].order));
    let mut left = rows;
    let mut keep = vec![0usize; sections.len()];
    for i in by_rank {
        let s = &sections[i];
        let n = s.lines.len();
        if n <= left {
            keep[i] = n;
            left -= n;
        } else if s.cut && left > 0 {
            keep[i] = left;
            left = 0;
        }
    }
    let mut order: Vec<usize> = (0..sections.len()).collect();
    order.sort_by_key(|&i| sections[i].order);
    order
        .into_iter()
        .flat_map(|i| {
            let n = keep[i];
            std::mem::take(&mut sections[i].lines).into_iter().take(n)
        })
        .collect()
}

pub struct ClusterPanel<'a> {
    pub state: &'a ClusterState,
    pub theme: &'a Theme,
}

impl ClusterPanel<'_> {
    fn title(&self) -> Line<'static> {
        let t = self.theme;
        let Some(v) = &self.state.view else {
            return Line::from(Span::styled(" Cluster ", t.title));
        };
        let (state, style) = match &v.broker.state {
            BrokerState::Up => ("up".to_string(), t.good),
            BrokerState::Starting => ("starting".into(), t.note),
            BrokerState::Down { .. } => ("✗ not answering".into(), t.bad),
            BrokerState::Exited { code } => (format!("✗ gone (exitcode {code})"), t.bad),
        };
        let whose = if v.broker.own {
            "its own redis-server"
        } else {
            "given with --broker"
        };
        Line::from(vec![
            Span::styled(" Cluster ", t.title),
            Span::styled(format!("broker {} ", v.broker.url), t.dim),
            Span::styled(state, style),
            Span::styled(format!(" · {whose} "), t.dim),
        ])
    }

    /// The queue's depth as a gauge, unacknowledged tasks and the rate.
    fn gauge(&self, v: &ClusterView, width: usize) -> Line<'static> {
        let t = self.theme;
        if let BrokerState::Exited { .. } | BrokerState::Down { .. } = v.broker.state {
            let what = if v.broker.own {
                "the broker is gone: r starts redis-server again (its queue was lost with it)"
            } else {
                "the broker does not answer: looking again every 0.5 s"
            };
            return Line::from(Span::styled(format!("✗ {what}"), t.bad));
        }
        let depth = v.depth.unwrap_or(0);
        let top = self.state.history.deepest().max(depth).max(v.batch as u64);
        let label = format!(
            " {depth} queued · {} unacked · {:.1} tasks/s",
            v.unacked.unwrap_or(0),
            v.rate
        );
        // One column spare at the end, so the line never runs into the border.
        let bar_width = width.saturating_sub(7 + label.chars().count()).clamp(4, 40);
        let (filled, empty) = bar::horizontal(depth as f64 / top.max(1) as f64, bar_width);
        Line::from(vec![
            Span::styled("queue ", t.dim),
            Span::styled(filled, t.load(50.0)),
            Span::styled(empty, t.bar_empty),
            Span::styled(label, t.title),
        ])
    }

    /// The depth's history, one column a quarter second, `rows` high
    /// (the newest on the right), with its scale.
    fn history(&self, width: usize, rows: usize) -> Vec<Line<'static>> {
        let h = &self.state.history;
        if h.depths.is_empty() {
            return Vec::new();
        }
        let label = format!("last {} s, top {} ", h.depths.len() / 4, h.deepest());
        let columns = width.saturating_sub(label.len()).max(8);
        let top = h.deepest().max(1) as f64;
        let values: Vec<f64> = h.depths.iter().map(|&d| d as f64 / top).collect();
        let style = self.theme.load(50.0);
        let chart = if rows <= 1 {
            let percents: Vec<f32> = values.iter().map(|v| (v * 100.0) as f32).collect();
            vec![bar::sparkline(percents.iter(), columns)]
        } else {
            columns_chart(&values, columns, rows)
        };
        chart
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let head = if i == 0 {
                    label.clone()
                } else {
                    " ".repeat(label.len())
                };
                Line::from(vec![
                    Span::styled(head, self.theme.dim),
                    Span::styled(row, style),
                ])
            })
            .collect()
    }

    /// `>>> [count_primes.delay(300000) for _ in range(20)]`, and acks_late
    /// (on a line of its own when wide).
    fn batch_lines(&self, v: &ClusterView, wide: bool) -> Vec<Line<'static>> {
        let t = self.theme;
        let acks = if self.state.acks_late {
            "acks_late on"
        } else {
            "acks_late off"
        };
        let python = vec![
            Span::styled(">>> ", t.dim),
            Span::styled(v.batch_line.clone(), t.python),
        ];
        if !wide {
            let mut spans = python;
            spans.push(Span::styled(format!("  {acks}"), t.dim));
            return vec![Line::from(spans)];
        }
        vec![
            Line::from(python),
            Line::from(Span::styled(
                format!(
                    "    b sends it · {acks} · visibility timeout {} s",
                    v.visibility_timeout.as_secs()
                ),
                t.dim,
            )),
        ]
    }

    /// The broker, its history, the nodes and their command lines; the
    /// history takes the rows left over, from one (narrow) to eight.
    fn left(&self, v: &ClusterView, width: usize, wide: bool, rows: usize) -> Vec<Section> {
        let (s, t) = (self.state, self.theme);
        let nodes = nodes::table(s, v, t, width, wide);
        let shells = nodes::shell_lines(s, v, t, wide, width);
        let history_rows = if wide {
            rows.saturating_sub(1 + nodes.len() + shells.len()).clamp(1, 8)
        } else {
            1
        };
        vec![
            section(0, 0, vec![self.gauge(v, width)], false),
            section(1, 6, self.history(width, history_rows), false),
            section(2, 1, nodes, true),
            section(3, 5, shells, true),
        ]
    }

    /// The batch's Python, what became of the tasks, the speedup.
    fn right(&self, v: &ClusterView, width: usize, wide: bool) -> Vec<Section> {
        let (s, t) = (self.state, self.theme);
        vec![
            section(4, 2, self.batch_lines(v, wide), false),
            section(5, 3, tasks::fates(s, v, t, wide), true),
            section(6, 5, tasks::last_end(s, t), false),
            section(7, 3, speedup::table(v, t, width, wide), true),
            section(8, 7, tasks::paths(v, t, width), true),
        ]
    }
}

fn section(order: u8, rank: u8, lines: Vec<Line<'static>>, cut: bool) -> Section {
    Section {
        order,
        rank,
        lines,
        cut,
    }
}

/// A column chart of `values` (0..=1, newest last) in `rows` rows of
/// block characters, the newest `width` values, top row first.
pub fn columns_chart(values: &[f64], width: usize, rows: usize) -> Vec<String> {
    const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let start = values.len().saturating_sub(width);
    let shown = &values[start..];
    (0..rows)
        .rev()
        .map(|row| {
            shown
                .iter()
                .map(|v| {
                    let eighths = (v.clamp(0.0, 1.0) * (rows * 8) as f64).round() as usize;
                    EIGHTHS[eighths.saturating_sub(row * 8).min(8)]
                })
                .collect()
        })
        .collect()
}

impl Widget for &ClusterPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = crate::ui::framed(self.title(), self.theme.border, area, buf);
        let Some(v) = self.state.view.as_ref().filter(|_| self.state.is_open()) else {
            let lines = opening::lines(self.state, self.theme, inner.width as usize);
            Paragraph::new(lines).render(inner, buf);
            return;
        };
        let wide = inner.width >= WIDE;
        if inner.width >= TWO_COLUMNS {
            let [l, _, r] = Layout::horizontal([
                Constraint::Percentage(60),
                Constraint::Length(1),
                Constraint::Fill(1),
            ])
            .areas(inner);
            let left = self.left(v, l.width as usize, true, l.height as usize);
            let right = self.right(v, r.width as usize, true);
            Paragraph::new(fit(left, l.height as usize)).render(l, buf);
            Paragraph::new(fit(right, r.height as usize)).render(r, buf);
        } else {
            let width = inner.width as usize;
            let right = self.right(v, width, wide);
            let used: usize = right.iter().map(|s| s.lines.len()).sum();
            let rows = (inner.height as usize).saturating_sub(used);
            let mut all = self.left(v, width, wide, rows);
            all.extend(right);
            Paragraph::new(fit(all, inner.height as usize)).render(inner, buf);
        }
    }
}

impl LabPanel for ClusterState {
    const PLACE: Place = Place::Instead;

    /// Three fifths of the body: the event log keeps the rest.
    fn height(body: u16) -> u16 {
        (body * 3 / 5).max(10)
    }

    fn render(app: &App, selected: Option<&WorkerRow>, area: Rect, theme: &Theme, buf: &mut Buffer) {
        let _ = selected;
        ClusterPanel {
            state: &app.cluster,
            theme,
        }
        .render(area, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, tag: &str) -> Vec<Line<'static>> {
        (0..n).map(|i| Line::from(format!("{tag}{i}"))).collect()
    }

    #[test]
    fn the_chart_fills_its_rows_in_eighths() {
        let rows = columns_chart(&[0.0, 0.5, 1.0], 10, 2);
        assert_eq!(rows, ["  █", " ██"]);
        assert_eq!(columns_chart(&[0.25, 1.0], 1, 1), ["█"]);
    }

    #[test]
    fn sections_that_matter_most_are_kept_and_drawn_in_order() {
        let sections = vec![
            Section {
                order: 0,
                rank: 2,
                lines: lines(2, "a"),
                cut: false,
            },
            Section {
                order: 1,
                rank: 0,
                lines: lines(3, "b"),
                cut: false,
            },
            Section {
                order: 2,
                rank: 1,
                lines: lines(4, "c"),
                cut: true,
            },
        ];
        let kept: Vec<String> = fit(sections, 5)
            .into_iter()
            .map(|l| l.to_string())
            .collect();
        // b whole (rank 0), c cut to the 2 rows left, a left out.
        assert_eq!(kept, ["b0", "b1", "b2", "c0", "c1"]);
    }
}
