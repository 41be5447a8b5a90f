//! The speedup table: the same batch on 1, 2... nodes, each row beside
//! the same batch with a `multiprocessing.Pool` of as many processes on
//! this machine, and what the broker and Celery cost per task, measured.

use ratatui::text::{Line, Span};

use crate::app::numbers::duration;
use crate::lab::cluster::ClusterView;
use crate::lab::cluster::pool_run::python_line;
use crate::ui::theme::Theme;

/// The table, once a run has started (what it is doing while it runs).
pub fn table(v: &ClusterView, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let sp = &v.speedup;
    if sp.rows.is_empty() && sp.running.is_none() && sp.overhead.is_none() {
        return Vec::new();
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
                "broker + Celery: {} a task ({} no-op tasks on 1 node in {})",
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
            "nodes", "wall", "x", "one box", "wall", "x", "more a task"
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
                    format!("Pool({})", p.processes),
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
            Span::styled(python_line(v.task, p.processes, p.tasks), t.python),
        ]));
    }
    lines
}
