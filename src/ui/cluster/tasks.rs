//! What became of the tasks: those lost and redelivered by id (with how
//! long the broker took to give them back), those waiting for the
//! visibility timeout, the last node that ended and what it held, and the
//! path of the last few tasks (sent -> received -> started -> succeeded).

use ratatui::text::{Line, Span};

use crate::app::cluster::ClusterState;
use crate::app::cluster::narrate::{ids, short};
use crate::lab::cluster::ClusterView;
use crate::lab::cluster::tasks::{StepKind, TaskState};
use crate::lab::cluster::view::TaskPath;
use crate::ui::theme::Theme;

/// Lost, redelivered and waiting tasks: one line each kind on a narrow
/// panel, one line a task on a wide one.
pub fn fates(s: &ClusterState, v: &ClusterView, t: &Theme, wide: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let lost: Vec<String> = v
        .lost
        .iter()
        .map(|f| format!("{} ({})", short(&f.id), node_stem(&f.node)))
        .collect();
    let back: Vec<String> = s
        .tally
        .redeliveries
        .iter()
        .rev()
        .map(|r| {
            let after = r
                .after_delivery
                .map_or(String::new(), |d| format!(" after {:.1} s", d.as_secs_f64()));
            format!("{} → {}{after}", short(&r.id), node_stem(&r.to))
        })
        .collect();
    let waiting: Vec<String> = v
        .awaiting
        .iter()
        .map(|f| {
            let due = v
                .unacked_tasks
                .iter()
                .find(|u| u.id == f.id)
                .and_then(|u| u.redelivery_in)
                .map_or(String::new(), |d| format!(" in {:.0} s", d.as_secs_f64()));
            format!("{}{due}", short(&f.id))
        })
        .collect();
    for (word, list, style) in [
        ("✗ lost", lost, t.bad),
        ("↻ redelivered", back, t.note),
        ("… unacked, back after the timeout", waiting, t.note),
    ] {
        if list.is_empty() {
            continue;
        }
        if wide {
            for item in list.iter().take(4) {
                lines.push(Line::from(vec![
                    Span::styled(format!("{word}: "), style),
                    Span::raw(item.clone()),
                ]));
            }
        } else {
            let more = list.len().saturating_sub(2);
            let more = if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{word}: "), style),
                Span::raw(format!("{}{more}", list[..list.len().min(2)].join(", "))),
            ]));
        }
    }
    lines
}

fn node_stem(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// The last local node that ended: how, and which tasks it held.
pub fn last_end(s: &ClusterState, t: &Theme) -> Vec<Line<'static>> {
    let Some(end) = &s.tally.last_end else {
        return Vec::new();
    };
    let held = if end.held.is_empty() {
        "held no task".to_string()
    } else {
        format!("held {}", ids(&end.held))
    };
    let style = if end.how.starts_with("stopped") {
        t.dim
    } else {
        t.bad
    };
    vec![Line::from(vec![
        Span::styled(format!("{} {}", node_stem(&end.name), end.how), style),
        Span::raw(format!(
            " (pid {}): {held}",
            end.pid.map_or("?".into(), |p| p.to_string())
        )),
    ])]
}

fn step_word(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Sent => "sent",
        StepKind::Received => "recv",
        StepKind::Started => "run",
        StepKind::Succeeded => "✓ ok",
        StepKind::Failed => "✗ failed",
        StepKind::NodeDied => "✗ node died",
        StepKind::Unacked => "unacked",
        StepKind::Lost => "✗ lost",
    }
}

/// One task's path: `3f2a1b9c sent 0.0 → recv node1 0.0 → run 0.0 → ✓ ok 0.6 = 25997`
/// (sent, received by a node, started, succeeded).
fn path(p: &TaskPath, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{} ", short(&p.id)), t.dim)];
    for (i, step) in p.steps.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" → ", t.dim));
        }
        let style = match step.kind {
            StepKind::Succeeded => t.good,
            StepKind::Failed | StepKind::NodeDied | StepKind::Lost => t.bad,
            StepKind::Unacked => t.note,
            _ => ratatui::style::Style::new(),
        };
        let node = match (step.kind, &step.node) {
            (StepKind::Received, Some(n)) => format!(" {}", node_stem(n)),
            _ => String::new(),
        };
        spans.push(Span::styled(
            format!("{}{node} {:.1}", step_word(step.kind), step.after.as_secs_f64()),
            style,
        ));
    }
    if p.state == TaskState::Succeeded
        && let Some(r) = &p.result
    {
        spans.push(Span::styled(format!(" = {r}"), t.dim));
    }
    Line::from(spans)
}

/// The last few tasks' paths, newest first, under a heading.
pub fn paths(v: &ClusterView, t: &Theme, width: usize) -> Vec<Line<'static>> {
    if v.recent.is_empty() {
        return Vec::new();
    }
    let _ = width;
    let mut lines = vec![Line::from(Span::styled(
        "last tasks: sent → recv(eived) → run → ✓ ok, seconds since sent",
        t.dim,
    ))];
    lines.extend(v.recent.iter().map(|p| path(p, t)));
    lines
}
