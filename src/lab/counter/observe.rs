//! What the counter lab looks like now, as plain values to draw: the run's
//! figures, and the lock's holder and waiters with how long they have been
//! so, as proclab has observed them.
//!
//! Durations are observed from outside, poll after poll, so the workers'
//! increments carry no clock reads: a holder "for 2.3 s" is one seen inside
//! the critical section, with the counter unchanged, since 2.3 s ago.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::RunSpec;
use super::shared::{CounterSection, CounterWait};
use crate::lab::{Role, WorkerId, WorkerSnapshot, clock};

/// Shorter holds and waits than this are not worth a number on screen.
const NOTEWORTHY: Duration = Duration::from_millis(100);

/// The counter lab now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CounterView {
    /// The run going on, if any.
    pub run: Option<LiveRun>,
    pub lock: LockView,
}

/// A run in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveRun {
    pub number: u32,
    pub spec: RunSpec,
    pub target: u64,
    /// Increments made so far, by the workers' own count.
    pub done: u64,
    pub value: u64,
    /// The workers have passed the start gate.
    pub started: bool,
    /// Since the start gate opened.
    pub elapsed: Duration,
    /// The user asked it to stop.
    pub stopping: bool,
}

impl LiveRun {
    /// Increments per second so far.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        }
    }
}

/// Who holds the counter's lock, and who waits for it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LockView {
    /// The worker inside the critical section.
    pub holder: Option<WorkerId>,
    /// The holder has died without releasing it: the lock is abandoned.
    pub holder_dead: bool,
    /// How long the holder has been seen inside with the counter unchanged.
    pub held_for: Option<Duration>,
    /// Workers blocked on the lock, and for how long.
    pub waiting: Vec<(WorkerId, Duration)>,
}

/// The facts about the run that only the controller knows.
pub struct RunFacts<'a> {
    pub number: u32,
    pub spec: RunSpec,
    pub clients: &'a [WorkerId],
    pub stopping: bool,
}

/// Observations carried from one poll to the next.
#[derive(Default)]
pub struct Watch {
    /// The holder's pid and the counter when that holder was first seen.
    held: Option<(u32, u64, Instant)>,
    waiting_since: HashMap<WorkerId, Instant>,
    view: CounterView,
}

impl Watch {
    pub fn view(&self) -> &CounterView {
        &self.view
    }

    pub fn update(&mut self, sec: &CounterSection, snap: &[WorkerSnapshot], run: Option<RunFacts>) {
        let now = Instant::now();
        let value = sec.value();
        let holder_pid = sec.hot.holder.load(Ordering::Relaxed);

        let holder = (holder_pid != 0)
            .then(|| snap.iter().rev().find(|w| w.pid == holder_pid))
            .flatten();
        self.held = match self.held {
            Some((pid, v, since)) if pid == holder_pid && v == value && pid != 0 => {
                Some((pid, v, since))
            }
            _ if holder_pid != 0 => Some((holder_pid, value, now)),
            _ => None,
        };
        let held_for = self
            .held
            .map(|(_, _, since)| now - since)
            .filter(|d| *d >= NOTEWORTHY);

        let blocked: Vec<WorkerId> = snap
            .iter()
            .filter(|w| {
                w.role == Role::Counter
                    && w.status.is_alive()
                    && CounterWait::decode(w.wait) == CounterWait::Lock
            })
            .map(|w| w.id)
            .collect();
        self.waiting_since.retain(|id, _| blocked.contains(id));
        let waiting = blocked
            .iter()
            .map(|&id| (id, now - *self.waiting_since.entry(id).or_insert(now)))
            .collect();

        let run = run.map(|r| {
            let done = snap
                .iter()
                .filter(|w| r.clients.contains(&w.id))
                .map(|w| w.aux)
                .sum();
            let go = sec.go_ns.load(Ordering::Acquire);
            let end = if sec.finished.load(Ordering::Acquire) >= r.spec.workers {
                sec.end_ns.load(Ordering::Acquire)
            } else {
                clock::now_ns()
            };
            LiveRun {
                number: r.number,
                spec: r.spec,
                target: u64::from(r.spec.workers).saturating_mul(r.spec.increments),
                done,
                value,
                started: go != 0,
                elapsed: if go == 0 {
                    Duration::ZERO
                } else {
                    Duration::from_nanos(end.saturating_sub(go))
                },
                stopping: r.stopping,
            }
        });

        self.view = CounterView {
            run,
            lock: LockView {
                holder: holder.map(|w| w.id),
                holder_dead: holder.is_some_and(|w| !w.status.is_alive()),
                held_for,
                waiting,
            },
        };
    }
}
