//! The panel before the lab is open: what it will start, that it is
//! checking what it needs, or what is missing and the one command that
//! installs it (what `proclab doctor` says).

use ratatui::text::{Line, Span};

use crate::app::cluster::{ClusterState, Stage};
use crate::ui::theme::Theme;

pub fn lines(s: &ClusterState, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let broker = match &s.opening.broker {
        Some(url) => format!("the Redis at {url}"),
        None => "a redis-server of its own".into(),
    };
    let plan = format!(
        "The lab starts {broker} and {} Celery node(s) of {} pool process(es) each.",
        s.opening.nodes, s.opening.concurrency
    );
    // The plan in whole words, however narrow the panel.
    let plan = || {
        crate::ui::log::wrap(&plan, width.max(20))
            .into_iter()
            .map(Line::from)
    };
    match &s.stage {
        Stage::Closed => plan().collect(),
        Stage::Checking | Stage::Open => plan()
            .chain([Line::from(Span::styled(
                "Checking that redis-server, python3 and celery are installed.",
                t.note,
            ))])
            .collect(),
        Stage::Missing {
            missing,
            command,
            found,
        } => {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!("✗ The cluster lab needs {missing}, which is not installed."),
                    t.bad,
                )),
                Line::from("Install it with (proclab doctor says the same):"),
                Line::from(Span::styled(format!("  {command}"), t.python)),
                Line::from("then press o to open the lab. What was found:"),
            ];
            lines.extend(
                found
                    .iter()
                    .map(|(what, how)| Line::from(format!("  {what:<16} {how}"))),
            );
            lines
        }
        Stage::Failed(why) => vec![
            Line::from(Span::styled(
                format!("✗ The cluster lab did not open: {why}"),
                t.bad,
            )),
            Line::from("o tries again."),
        ],
    }
}
