//! The counter lab's view model: the figures its panel shows.

use crate::lab::counter::{CounterMode, SLOW_INCREMENTS};

use super::CounterState;

/// The figures shown: the live run, else the last run, else the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterFigures {
    pub mode: CounterMode,
    pub slow: bool,
    pub workers: u32,
    pub increments: u64,
    pub value: u64,
    pub target: u64,
    pub done: u64,
    /// Lost updates (live: so far, never below zero).
    pub lost: i64,
    pub elapsed_s: f64,
    pub rate: f64,
    pub running: bool,
    /// A run has been seen at all.
    pub any: bool,
}

impl CounterState {
    /// The figures the panel shows: the live run's, else the last run's,
    /// else the next run's settings.
    pub fn figures(&self) -> CounterFigures {
    if let Some(run) = &self.view.run {
        return CounterFigures {
            mode: run.spec.mode,
            slow: run.spec.slow,
            workers: run.spec.workers,
            increments: run.spec.increments,
            value: run.value,
            target: run.target,
            done: run.done,
            lost: (run.done as i64 - run.value as i64).max(0),
            elapsed_s: run.elapsed.as_secs_f64(),
            rate: run.rate(),
            running: true,
            any: true,
        };
    }
    if let Some(r) = &self.last {
        return CounterFigures {
            mode: r.spec.mode,
            slow: r.spec.slow,
            workers: r.spec.workers,
            increments: r.spec.increments,
            value: r.value,
            target: r.target,
            done: r.done,
            lost: r.lost,
            elapsed_s: r.elapsed.as_secs_f64(),
            rate: r.rate,
            running: false,
            any: true,
        };
    }
    let s = self.settings;
    let increments = if s.slow {
        s.increments.min(SLOW_INCREMENTS)
    } else {
        s.increments
    };
    CounterFigures {
        mode: s.mode,
        slow: s.slow,
        workers: s.workers,
        increments,
        value: 0,
        target: u64::from(s.workers).saturating_mul(increments),
        done: 0,
        lost: 0,
        elapsed_s: 0.0,
        rate: 0.0,
        running: false,
        any: false,
    }
}
}
