//! The nodes: one row each (name, pid, its pool processes with their state
//! and CPU from /proc when the node is local, tasks under way, done and
//! failed, tasks per second, the age of its last heartbeat), the selected
//! one marked; and the command line that starts each.

use std::time::Duration;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::cluster::ClusterState;
use crate::lab::cluster::ClusterView;
use crate::lab::cluster::node::Stop;
use crate::lab::cluster::nodes::NodeLife;
use crate::lab::cluster::view::NodeView;
use crate::ui::theme::Theme;

/// Width of the name column, narrow and wide.
const NAME: usize = 16;
const WIDE_NAME: usize = 22;

/// A node's life in a word or two, and its style.
fn life(n: &NodeView, t: &Theme) -> (String, Style) {
    match (n.life, n.stop, n.exitcode) {
        (_, Some(Stop::Killed(_)), Some(code)) => (format!("killed {code}"), t.bad),
        (_, Some(Stop::Warm(_)), Some(code)) => (format!("stopped {code}"), t.dim),
        (_, None, Some(code)) => (format!("✗ ended {code}"), t.bad),
        (_, Some(Stop::Warm(_)), None) => ("stopping".into(), t.note),
        (_, Some(Stop::Killed(_)), None) => ("dying".into(), t.bad),
        (NodeLife::Starting, _, _) => ("starting".into(), t.note),
        (NodeLife::Online, _, _) => ("online".into(), t.good),
        (NodeLife::Offline, _, _) => ("offline".into(), t.dim),
        (NodeLife::Silent, _, _) => ("✗ silent".into(), t.bad),
        (NodeLife::Ended, _, _) => ("ended".into(), t.dim),
    }
}

/// Its pool processes: `R 98%` each (state letter and CPU), or what is
/// known of a node elsewhere.
fn pool(n: &NodeView, wide: bool) -> String {
    if !n.local {
        return n
            .concurrency
            .map_or("elsewhere".into(), |c| format!("-c {c} elsewhere"));
    }
    if n.pool.is_empty() {
        return if n.exitcode.is_some() {
            "gone".into()
        } else {
            "…".into()
        };
    }
    let parts: Vec<String> = n
        .pool
        .iter()
        .map(|p| {
            if wide {
                format!("{} {} {:>3.0}%", p.pid, p.state, p.cpu_percent)
            } else {
                format!("{}{:.0}%", p.state, p.cpu_percent)
            }
        })
        .collect();
    parts.join(" ")
}

fn beat(age: Option<Duration>) -> String {
    age.map_or("-".into(), |a| format!("{:.1}s", a.as_secs_f64()))
}

/// The header and one row per node.
pub fn table(
    s: &ClusterState,
    v: &ClusterView,
    t: &Theme,
    width: usize,
    wide: bool,
) -> Vec<Line<'static>> {
    let (name_w, pool_w) = if wide { (WIDE_NAME, 24) } else { (NAME, 12) };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "  {:<name_w$} {:>7} {:<10} {:<pool_w$} {:>3} {:>5} {:>4} {:>5} {:>5}",
            "node", "pid", "state", "pool", "act", "done", "fail", "/s", "beat"
        ),
        t.dim,
    ))];
    if v.nodes.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no node yet: n starts one",
            t.note,
        )));
    }
    for n in &v.nodes {
        let selected = s.selected.as_deref() == Some(n.name.as_str());
        let (state, style) = life(n, t);
        let mut name: String = n.name.chars().take(name_w).collect();
        if n.name.chars().count() > name_w {
            name.pop();
            name.push('…');
        }
        let mark = if selected { "▸ " } else { "  " };
        let row = vec![
            Span::styled(
                format!("{mark}{name:<name_w$}"),
                if selected { t.selected } else { t.title },
            ),
            Span::raw(format!(
                " {:>7} ",
                n.pid.map_or("-".into(), |p| p.to_string())
            )),
            Span::styled(format!("{state:<10}"), style),
            Span::raw(format!(
                " {:<pool_w$} {:>3} {:>5} {:>4} {:>5.1} {:>5}",
                pool(n, wide),
                n.active,
                n.succeeded,
                n.failed,
                n.rate,
                beat(n.heartbeat_age)
            )),
        ];
        lines.push(Line::from(row));
    }
    let total = format!("  all nodes: {:.1} tasks/s", v.rate);
    if wide && width > total.len() {
        lines.push(Line::from(Span::styled(total, t.dim)));
    }
    lines
}

/// One command line after a `$`; one too long for the panel goes on in
/// whole words below.
fn shell(text: &str, width: usize, t: &Theme) -> Vec<Line<'static>> {
    // One column spare at the end, so a command never runs into the border.
    crate::ui::log::wrap(text, width.saturating_sub(3).max(20))
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let lead = if i == 0 { "$ " } else { "  " };
            Line::from(vec![
                Span::styled(lead, t.dim),
                Span::styled(row, t.python),
            ])
        })
        .collect()
}

/// The command line of the selected node (of every local node on a wide
/// panel, and the broker's own).
pub fn shell_lines(
    s: &ClusterState,
    v: &ClusterView,
    t: &Theme,
    wide: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let line = |text: &str| shell(text, width, t);
    let mut lines = Vec::new();
    if wide {
        if let Some(b) = &v.broker.shell_line {
            lines.extend(line(b));
        }
        let mut seen: Vec<&str> = Vec::new();
        for n in v.nodes.iter().filter(|n| n.exitcode.is_none()) {
            if let Some(l) = n.shell_line.as_deref().filter(|l| !seen.contains(l)) {
                seen.push(l);
                lines.extend(line(l));
            }
        }
    } else if let Some(l) = s
        .selected_node()
        .and_then(|n| n.shell_line.clone())
        .or_else(|| v.nodes.iter().rev().find_map(|n| n.shell_line.clone()))
    {
        lines.extend(line(&l));
    }
    lines
}
