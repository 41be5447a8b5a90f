//! What the queue, pipe and pipeline labs share on the UI side: rates
//! worked out over the last second, live workers counted by role, the
//! words for what their workers wait on, and joining the ended workers a
//! fresh start replaces. Each lab's own part is in `app::queue`,
//! `app::pipe` and `app::pipeline`.

use std::collections::VecDeque;
use std::time::Duration;

use crate::app::App;
use crate::app::log::Level;
use crate::app::narrate::{Line, line};
use crate::lab::comms::wait;
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

pub(crate) fn sleep_for(rate: u32) -> String {
    if rate == 0 {
        "no sleep".into()
    } else {
        format!("time.sleep(1/{rate})")
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
