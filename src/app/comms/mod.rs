//! What the queue, pipe and pipeline labs share on the UI side: rates
//! worked out over the last second, live workers counted by role, the
//! words for what their workers wait on, joining the ended workers a
//! fresh start replaces, and for the two labs with a pipe, whether its
//! unused ends are closed and who holds an end open. Each lab's own part
//! is in `app::queue`, `app::pipe` and `app::pipeline`.

use std::collections::VecDeque;
use std::time::Duration;

use crate::app::App;
use crate::app::log::Level;
use crate::app::narrate::{Line, line};
use crate::lab::comms::holders::Holder;
use crate::lab::comms::{Ends, wait};
use crate::lab::{JoinOutcome, Lab, Role, Status, WorkerId, WorkerSnapshot};

/// The window over which rates are worked out.
pub const RATE_WINDOW: Duration = Duration::from_secs(1);

pub use crate::lab::comms::step_rate as step;

/// Counters seen over time, for rates per second.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateWindow<const N: usize> {
    samples: VecDeque<(Duration, [u64; N])>,
}

impl<const N: usize> RateWindow<N> {
    pub fn push(&mut self, at: Duration, counts: [u64; N]) {
        // A counter that went back (a reset) starts the window afresh.
        if let Some((_, last)) = self.samples.back()
            && counts.iter().zip(last).any(|(now, before)| now < before)
        {
            self.samples.clear();
        }
        self.samples.push_back((at, counts));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| at.saturating_sub(*t) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
    }

    /// Per second, over the window; zeros until two samples are in.
    pub fn rates(&self) -> [f64; N] {
        let (Some((t0, a)), Some((t1, b))) = (self.samples.front(), self.samples.back()) else {
            return [0.0; N];
        };
        let dt = t1.saturating_sub(*t0).as_secs_f64();
        if dt <= 0.0 {
            return [0.0; N];
        }
        std::array::from_fn(|i| b[i].saturating_sub(a[i]) as f64 / dt)
    }
}

fn alive(w: &WorkerSnapshot, roles: &[Role]) -> bool {
    roles.contains(&w.role) && matches!(w.status, Status::Alive { .. })
}

/// Live workers of these roles.
pub fn count_alive(workers: &[WorkerSnapshot], roles: &[Role]) -> usize {
    workers.iter().filter(|w| alive(w, roles)).count()
}

/// What a worker of these labs waits on, in words, from its slot's
/// `wait` code; its lab says what its work is ("working on an item") and
/// what it waits between items for ("between puts").
pub fn wait_words(code: u32, work: &str, pace: &str) -> Option<String> {
    let words = match code {
        wait::PUT => "blocked on put",
        wait::GET => "waiting on get",
        wait::LOCK => "waiting for the lock",
        wait::WORK => work,
        wait::SEND => "blocked on send",
        wait::RECV => "waiting on recv",
        wait::PACE => pace,
        _ => return None,
    };
    Some(words.to_string())
}

/// A rate in words: "5/s", or "flat out".
pub fn rate_words(rate: u32) -> String {
    if rate == 0 {
        "flat out".into()
    } else {
        format!("{rate}/s")
    }
}

/// What the command line opens the pipe and pipeline labs with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipeOpening {
    /// Whether each process closes the ends of the pipe it does not use
    /// (`--pipe-ends`).
    pub ends: Ends,
}

/// The words for the next pipe's ends, for headers and panels.
pub fn ends_words(ends: Ends) -> &'static str {
    match ends {
        Ends::Closed => "ends closed",
        Ends::Open => "ends left open",
    }
}

/// An end that can never learn that its other side died, and why: who
/// still holds the other side's end of the pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldOpen {
    /// The worker that waits for ever.
    pub id: WorkerId,
    /// The variable of the end it waits on the other side of (`w`).
    pub other: &'static str,
    pub holders: Vec<Holder>,
}

impl HeldOpen {
    /// The holders as a Python comment names them: "the parent, p2".
    pub fn python_names(&self) -> String {
        let names: Vec<String> = self
            .holders
            .iter()
            .map(|h| h.worker.map_or("the parent".into(), |id| format!("p{id}")))
            .collect();
        names.join(", ")
    }

    /// The holders in words, with their pids: "proclab (pid 7000, the
    /// parent) and worker 2 (pid 7078, itself)".
    pub fn words(&self) -> String {
        let names: Vec<String> = self
            .holders
            .iter()
            .map(|h| match h.worker {
                None => format!("proclab (pid {}, the parent)", h.pid),
                Some(id) if id == self.id => format!("worker {id} (pid {}, itself)", h.pid),
                Some(id) => format!("worker {id} (pid {})", h.pid),
            })
            .collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// The holders in a few words, for a panel: "proclab 7000, itself
    /// 7078, worker 3 7079".
    pub fn brief(&self) -> String {
        let names: Vec<String> = self
            .holders
            .iter()
            .map(|h| match h.worker {
                None => format!("proclab {}", h.pid),
                Some(id) if id == self.id => format!("itself {}", h.pid),
                Some(id) => format!("worker {id} {}", h.pid),
            })
            .collect();
        names.join(", ")
    }
}

/// An error, said once: "cannot start a consumer: ..." unless the error
/// already says what could not be done.
pub fn failed(what: &str, err: &dyn std::fmt::Display) -> Line {
    let err = err.to_string();
    if err.starts_with("cannot") {
        error(None, err)
    } else {
        error(None, format!("cannot {what}: {err}"))
    }
}

pub(crate) fn error(python: impl Into<Option<String>>, text: String) -> Line {
    Line {
        level: Level::Error,
        ..line(python, text)
    }
}

/// Joins those of `ids` that have ended (zombies), saying so: what a
/// script does with the last processes before it starts new ones.
pub(crate) fn join_ended(app: &mut App, lab: &mut Lab, ids: impl IntoIterator<Item = WorkerId>) {
    for id in ids {
        if matches!(lab.status(id), Ok(Status::Exited(_)))
            && let Ok(JoinOutcome::Joined(code)) = lab.join_nowait(id)
        {
            app.say(crate::app::narrate::joined(id, code));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_are_named_as_python_and_in_words() {
        let held = HeldOpen {
            id: 2,
            other: "w",
            holders: vec![
                Holder {
                    pid: 7000,
                    worker: None,
                },
                Holder {
                    pid: 7078,
                    worker: Some(2),
                },
                Holder {
                    pid: 7079,
                    worker: Some(3),
                },
            ],
        };
        assert_eq!(held.python_names(), "the parent, p2, p3");
        assert_eq!(
            held.words(),
            "proclab (pid 7000, the parent), worker 2 (pid 7078, itself) and worker 3 (pid 7079)"
        );
        assert_eq!(held.brief(), "proclab 7000, itself 7078, worker 3 7079");
    }

    #[test]
    fn rates_come_from_the_last_second() {
        let mut w = RateWindow::<1>::default();
        assert_eq!(w.rates(), [0.0]);
        for i in 0..=20u64 {
            w.push(Duration::from_millis(i * 100), [i * 10]);
        }
        let [r] = w.rates();
        assert!((r - 100.0).abs() < 1e-9, "{r}");
        w.push(Duration::from_millis(2100), [0]);
        assert_eq!(w.rates(), [0.0], "a reset starts afresh");
    }
}
