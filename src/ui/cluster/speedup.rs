//! The speedup table: the same batch on 1, 2... nodes, each row beside
//! the same batch with a `multiprocessing.Pool` of as many processes on
//! this machine, and what the broker and Celery cost per task, measured.

use std::time::Duration;

use ratatui::text::{Line, Span};

use crate::app::numbers::duration;
use crate::lab::cluster::ClusterView;
use crate::app::cluster::narrate::{pool_line, pool_name};
use crate::ui::theme::Theme;

/// The table, once a run has started (what it is doing while it runs);
/// on a narrow panel, the same figures in two lines.
pub fn table(v: &ClusterView, t: &Theme, width: usize, wide: bool) -> Vec<Line<'static>> {
    let sp = &v.speedup;
    if sp.rows.is_empty() && sp.running.is_none() && sp.overhead.is_none() {
        return Vec::new();
    }
    if !wide {
        return compact(v, t);
    }
    let job = v.task.python_call(false).replace(".delay", "");
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("speedup: {} x {job}", v.batch), t.title),
        Span::styled(
            sp.running
                .as_ref()
                .map_or(" · s runs it again".into(), |r| format!(" · {r}…")),
            t.dim,
        ),
    ])];
    if let Some(o) = &sp.overhead {
        lines.push(Line::from(Span::styled(
            format!(
                "broker + Celery: {} a task ({} no-op tasks, 1 node, {})",
                duration(o.per_task),
                o.tasks,
                duration(o.wall)
            ),
            t.dim,
        )));
    }
    if sp.rows.is_empty() {
        return lines;
    }
    lines.push(Line::from(Span::styled(
        format!(
            "{:<5} {:>8} {:>5} │ {:<8} {:>8} {:>5} │ {}",
            "nodes", "wall", "x", "one box", "wall", "x", "vs Pool, a task"
        ),
        t.dim,
    )));
    let base = &sp.rows[0];
    let pool_base = sp.pool.first();
    for (i, r) in sp.rows.iter().enumerate() {
        let pool = sp.pool.get(i);
        let (pool_name, pool_wall, pool_x, extra) = match (pool, pool_base) {
            (Some(p), Some(b)) => {
                let per_task =
                    (r.wall.as_secs_f64() - p.wall.as_secs_f64()) / r.tasks.max(1) as f64;
                (
                    pool_name(p.processes),
                    duration(p.wall),
                    format!(
                        "{:.2}",
                        b.wall.as_secs_f64() / p.wall.as_secs_f64().max(1e-9)
                    ),
                    format!("{:+.0} ms", per_task * 1e3),
                )
            }
            _ => ("…".into(), String::new(), String::new(), String::new()),
        };
        let lost = if r.lost > 0 {
            format!(" ({} lost)", r.lost)
        } else {
            String::new()
        };
        lines.push(Line::from(format!(
            "{:<5} {:>8} {:>5} │ {:<8} {:>8} {:>5} │ {extra}{lost}",
            r.nodes,
            duration(r.wall),
            format!("{:.2}", r.speedup_over(base)),
            pool_name,
            pool_wall,
            pool_x,
        )));
    }
    if let Some(p) = sp.pool.last()
        && width >= 90
    {
        lines.push(Line::from(vec![
            Span::styled(">>> ", t.dim),
            Span::styled(pool_line(v.task, p.processes, p.tasks), t.python),
        ]));
    }
    lines
}

/// `a, b, c` of each row's wall time, and the last row's speedup.
fn walls(walls: &[Duration]) -> String {
    let all: Vec<String> = walls.iter().map(|w| duration(*w)).collect();
    let x = match (walls.first(), walls.last()) {
        (Some(a), Some(b)) if walls.len() > 1 => {
            format!(" ({:.2}x)", a.as_secs_f64() / b.as_secs_f64().max(1e-9))
        }
        _ => String::new(),
    };
    format!("{}{x}", all.join(", "))
}

/// The run in two lines: the nodes' times, then Pool's and the broker's
/// cost per task.
fn compact(v: &ClusterView, t: &Theme) -> Vec<Line<'static>> {
    let sp = &v.speedup;
    let job = v.task.python_call(false).replace(".delay", "");
    let counts: Vec<String> = sp.rows.iter().map(|r| r.nodes.to_string()).collect();
    let doing = sp
        .running
        .as_ref()
        .map_or(String::new(), |r| format!(" · {r}…"));
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("speedup {} x {job}", v.batch), t.title),
        Span::raw(if sp.rows.is_empty() {
            String::new()
        } else {
            format!(
                ": {} node(s) {}",
                counts.join(", "),
                walls(&sp.rows.iter().map(|r| r.wall).collect::<Vec<_>>())
            )
        }),
        Span::styled(doing, t.dim),
    ])];
    let mut second = Vec::new();
    if !sp.pool.is_empty() {
        let procs: Vec<String> = sp.pool.iter().map(|p| p.processes.to_string()).collect();
        second.push(format!(
            "Pool of {} processes: {}",
            procs.join(", "),
            walls(&sp.pool.iter().map(|p| p.wall).collect::<Vec<_>>())
        ));
    }
    if let Some(o) = &sp.overhead {
        second.push(format!("broker {} a task", duration(o.per_task)));
    }
    if !second.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("  {}", second.join(" · ")),
            t.dim,
        )));
    }
    lines
}
