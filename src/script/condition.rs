//! Conditions a scenario waits for and a lesson checks, read from a short
//! phrase and tested against the app's state:
//!
//! ```text
//! workers >= 3              a number the lab shows, compared (==, !=, <, <=, >, >=)
//! worker 3 is paused        a worker's state: starting, running, sleeping,
//!                           paused, zombie, joined (or "alive")
//! worker selected is zombie the selected worker; "worker newest ..." the last started
//! worker 2 exitcode == -15  a worker's exitcode
//! log contains "p3.join()"  a line of the event log
//! lab is lifecycle          the lab on screen
//! ```

use crate::app::metrics::{self, Most};
use crate::app::view::StateKind;
use crate::app::{App, LabId};
use crate::lab::Status;

pub use crate::app::metrics::metric;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "==" | "=" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            _ => return None,
        })
    }

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }

    /// The smallest value that can satisfy `metric op value` for a count,
    /// for spotting waits that can never end.
    fn needs_at_least(self, value: f64) -> f64 {
        match self {
            Op::Eq | Op::Ge => value,
            Op::Gt => value + 1.0,
            _ => 0.0,
        }
    }
}

/// Which worker a condition is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerRef {
    Id(u32),
    Selected,
    Newest,
}

/// A worker state a condition can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WantState {
    Kind(StateKind),
    /// Any state before it ends.
    Alive,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Metric {
        name: String,
        op: Op,
        value: f64,
    },
    WorkerIs {
        worker: WorkerRef,
        state: WantState,
    },
    WorkerExit {
        worker: WorkerRef,
        op: Op,
        value: f64,
    },
    LogContains(String),
    LabIs(LabId),
}

const STATES: &str = "starting, running, sleeping, paused, zombie, joined, alive";

fn parse_state(s: &str) -> Option<WantState> {
    Some(WantState::Kind(match s {
        "starting" => StateKind::Starting,
        "running" => StateKind::Running,
        "sleeping" => StateKind::Sleeping,
        "paused" => StateKind::Paused,
        "zombie" => StateKind::Zombie,
        "joined" => StateKind::Joined,
        "alive" => return Some(WantState::Alive),
        _ => return None,
    }))
}

fn parse_number(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("expected a number, not {s:?}"))
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Lt => "<",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Ge => "≥",
        }
    }
}

fn worker_words(w: WorkerRef) -> String {
    match w {
        WorkerRef::Id(id) => format!("worker {id}"),
        WorkerRef::Selected => "the selected worker".into(),
        WorkerRef::Newest => "the newest worker".into(),
    }
}

impl Condition {
    /// The condition in words, for a student to read: "the next run's
    /// mode is locked", "workers alive ≥ 2".
    pub fn describe(&self) -> String {
        let number = |v: f64| format!("{v}");
        match self {
            Condition::Metric { name, op, value } => {
                let m = metrics::find(name);
                match m.and_then(|m| m.phrase(*value)).filter(|_| *op == Op::Eq) {
                    Some(phrase) => phrase.into(),
                    None => {
                        let what = m.map_or(name.as_str(), |m| m.what);
                        format!("{what} {} {}", op.symbol(), number(*value))
                    }
                }
            }
            Condition::WorkerIs { worker, state } => {
                let state = match state {
                    WantState::Kind(StateKind::Paused) => "paused (T)",
                    WantState::Kind(StateKind::Zombie) => "a zombie (Z)",
                    WantState::Kind(k) => k.word(),
                    WantState::Alive => "alive",
                };
                format!("{} is {state}", worker_words(*worker))
            }
            Condition::WorkerExit { worker, op, value } => format!(
                "{}'s exitcode {} {}",
                worker_words(*worker),
                op.symbol(),
                number(*value)
            ),
            Condition::LogContains(text) => format!("the log says \"{text}\""),
            Condition::LabIs(lab) => format!("the {} lab is open", lab.title()),
        }
    }

    /// Reads a condition; the error says what was expected.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let metric_names: Vec<&str> = metrics::all().map(|m| m.name).collect();
        match words.as_slice() {
            ["log", "contains", ..] => {
                let rest = text.trim_start()["log".len()..].trim_start()["contains".len()..].trim();
                let quoted = rest
                    .strip_prefix('"')
                    .and_then(|r| r.strip_suffix('"'))
                    .ok_or("log contains takes a quoted text: log contains \"worker 1 joined\"")?;
                Ok(Condition::LogContains(quoted.to_string()))
            }
            ["lab", "is", name] => LabId::from_name(name).map(Condition::LabIs).ok_or_else(|| {
                let names: Vec<&str> = LabId::ALL.iter().map(|l| l.name()).collect();
                format!("no lab {name:?}; labs are {}", names.join(", "))
            }),
            ["worker", which, rest @ ..] => {
                let worker = match *which {
                    "selected" => WorkerRef::Selected,
                    "newest" => WorkerRef::Newest,
                    n => match n.parse::<u32>() {
                        Ok(0) => return Err("workers are numbered from 1".into()),
                        Ok(id) => WorkerRef::Id(id),
                        Err(_) => {
                            return Err(format!(
                                "after \"worker\" comes a number, selected or newest, not {n:?}"
                            ));
                        }
                    },
                };
                match rest {
                    ["is", state] => parse_state(state)
                        .map(|state| Condition::WorkerIs { worker, state })
                        .ok_or_else(|| format!("no state {state:?}; states are {STATES}")),
                    ["exitcode", op, value] => Ok(Condition::WorkerExit {
                        worker,
                        op: Op::parse(op).ok_or_else(|| format!("no comparison {op:?}"))?,
                        value: parse_number(value)?,
                    }),
                    _ => Err(format!(
                        "expected \"worker N is STATE\" or \"worker N exitcode == CODE\", not {text:?}"
                    )),
                }
            }
            [name, op, value] if metric_names.contains(name) => Ok(Condition::Metric {
                name: name.to_string(),
                op: Op::parse(op)
                    .ok_or_else(|| format!("no comparison {op:?}; use ==, !=, <, <=, > or >="))?,
                value: parse_number(value)?,
            }),
            [name, ..] if !metric_names.contains(name) => Err(format!(
                "unknown condition {text:?}: expected NAME OP NUMBER with NAME one of {}, \
                 or \"worker N is STATE\", \"worker N exitcode == CODE\", \
                 \"log contains \\\"TEXT\\\"\", \"lab is NAME\"",
                metric_names.join(", ")
            )),
            _ => Err(format!(
                "expected NAME OP NUMBER, such as \"workers >= 3\", not {text:?}"
            )),
        }
    }

    /// Why this condition can never hold, given the cap on workers.
    pub fn impossible(&self, max_workers: usize, capacity: u64) -> Option<String> {
        let Condition::Metric { name, op, value } = self else {
            return None;
        };
        let needs = op.needs_at_least(*value);
        let m = metrics::find(name)?;
        if m.most == Most::Workers && needs > max_workers as f64 {
            Some(format!(
                "{name} can never reach {value}: at most {max_workers} workers run at once (--max-workers)"
            ))
        } else if m.most == Most::Capacity && needs > capacity as f64 {
            Some(format!(
                "the queue holds at most {capacity} items (--capacity {capacity})"
            ))
        } else if let Some(most) = m.largest_choice().filter(|&most| needs > most) {
            Some(format!("{name} is at most {most}"))
        } else if *value < 0.0 && matches!(op, Op::Eq | Op::Le | Op::Lt) {
            Some("a count is never negative".into())
        } else {
            None
        }
    }

    /// Whether the condition holds in this state.
    pub fn holds(&self, app: &App) -> bool {
        match self {
            Condition::Metric { name, op, value } => {
                metric(app, name).is_some_and(|v| op.holds(v, *value))
            }
            Condition::WorkerIs { worker, state } => {
                let rows = app.rows();
                let Some(row) = find(app, *worker).and_then(|i| rows.get(i)) else {
                    return false;
                };
                match state {
                    WantState::Kind(k) => row.kind == *k,
                    WantState::Alive => row.exitcode.is_none(),
                }
            }
            Condition::WorkerExit { worker, op, value } => find(app, *worker)
                .and_then(|i| app.workers.get(i))
                .and_then(|w| match w.status {
                    Status::Alive { .. } => None,
                    Status::Exited(c) | Status::Joined(c) => Some(c),
                })
                .is_some_and(|c| op.holds(f64::from(c), *value)),
            Condition::LogContains(text) => app.log.entries().any(|e| {
                e.text.contains(text) || e.python.as_deref().is_some_and(|p| p.contains(text))
            }),
            Condition::LabIs(lab) => app.lab == *lab,
        }
    }
}

/// The index in `app.workers` of the worker a condition names.
fn find(app: &App, worker: WorkerRef) -> Option<usize> {
    match worker {
        WorkerRef::Id(id) => app.workers.iter().position(|w| w.id == id),
        WorkerRef::Selected => app.selected_index(),
        WorkerRef::Newest => app.workers.len().checked_sub(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_read_in_words() {
        let says = |text: &str| Condition::parse(text).unwrap().describe();
        assert_eq!(says("counter-mode == 1"), "the next run's mode is locked");
        assert_eq!(says("gil-mode == 2"), "the mode is free threads");
        assert_eq!(says("event-set == 1"), "the event is set");
        assert_eq!(says("workers >= 2"), "workers alive ≥ 2");
        assert_eq!(
            says("worker selected is paused"),
            "the selected worker is paused (T)"
        );
        assert_eq!(says("worker 1 exitcode == -9"), "worker 1's exitcode = -9");
        for name in metrics::all().map(|m| m.name).filter(|n| n.contains('-')) {
            let d = says(&format!("{name} >= 1"));
            assert!(!d.contains(name), "{name} in words: {d}");
        }
    }

    #[test]
    fn phrases_parse() {
        assert_eq!(
            Condition::parse("workers >= 3").unwrap(),
            Condition::Metric {
                name: "workers".into(),
                op: Op::Ge,
                value: 3.0
            }
        );
        assert_eq!(
            Condition::parse("worker 2 is paused").unwrap(),
            Condition::WorkerIs {
                worker: WorkerRef::Id(2),
                state: WantState::Kind(StateKind::Paused)
            }
        );
        assert_eq!(
            Condition::parse("worker selected exitcode == -15").unwrap(),
            Condition::WorkerExit {
                worker: WorkerRef::Selected,
                op: Op::Eq,
                value: -15.0
            }
        );
        assert_eq!(
            Condition::parse("log contains \"p1.join()\"").unwrap(),
            Condition::LogContains("p1.join()".into())
        );
        assert_eq!(
            Condition::parse("lab is lifecycle").unwrap(),
            Condition::LabIs(LabId::Lifecycle)
        );
    }

    #[test]
    fn bad_phrases_say_what_was_expected() {
        for (text, needle) in [
            ("wrokers >= 3", "unknown condition"),
            ("workers >> 3", "no comparison"),
            ("workers >= lots", "expected a number"),
            ("worker 0 is paused", "numbered from 1"),
            ("worker 2 is asleep", "no state \"asleep\""),
            ("log contains p1", "quoted"),
            ("lab is gpu", "no lab"),
            ("", "expected NAME OP NUMBER"),
        ] {
            let err = Condition::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn waits_that_can_never_end_are_spotted() {
        let never = |text: &str| Condition::parse(text).unwrap().impossible(256, 16);
        assert!(never("queue-depth > 16").unwrap().contains("--capacity 16"));
        assert!(never("queue-depth >= 16").is_none());
        assert!(never("counter-mode == 4").is_some());
        assert!(never("gil-mode == 2").is_none());
        assert!(never("event-set == 2").is_some());
        assert!(never("barrier-arrived >= 257").is_some());
        let c = Condition::parse("workers >= 300").unwrap();
        assert!(c.impossible(256, 16).unwrap().contains("--max-workers"));
        assert!(
            Condition::parse("workers > 255")
                .unwrap()
                .impossible(256, 16)
                .is_none()
        );
        assert!(
            Condition::parse("workers > 256")
                .unwrap()
                .impossible(256, 16)
                .is_some()
        );
        assert!(
            Condition::parse("joined >= 300")
                .unwrap()
                .impossible(256, 16)
                .is_none()
        );
    }
}
