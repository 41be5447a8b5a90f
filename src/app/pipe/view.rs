//! The pipe lab's state on the UI side, and the view model its panel
//! draws from: the figures last read, the rate over the last second, and
//! an end that waits for ever with who holds the pipe open.

use std::time::Duration;

use crate::app::comms::{HeldOpen, RateWindow};
use crate::lab::comms::Ends;
use crate::lab::pipe::{self, EndState, PipeMode, PipeStats};
use crate::lab::{Role, WorkerId, WorkerSnapshot};

/// The pipe lab's settings and what was last read.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeState {
    pub mode: PipeMode,
    /// Whether the next pipe's processes close the ends they do not use.
    pub ends: Ends,
    pub rate: u32,
    pub stats: Option<PipeStats>,
    pub window: RateWindow<1>,
    /// The end of the pair shown that waits for ever, as the engine said.
    pub held: Option<HeldOpen>,
}

impl Default for PipeState {
    fn default() -> Self {
        PipeState {
            mode: PipeMode::PingPong,
            ends: Ends::default(),
            rate: pipe::DEFAULT_RATE,
            stats: None,
            window: RateWindow::default(),
            held: None,
        }
    }
}

/// One end as the pipe panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndView {
    pub id: WorkerId,
    pub role: Role,
    pub alive: bool,
    pub exitcode: Option<i32>,
    pub end: EndState,
}

/// What the pipe panel draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeView {
    /// The kind of pipe the next `s` makes, and its ends.
    pub mode: PipeMode,
    pub ends_next: Ends,
    /// The kind of the pair shown, if one was started, and its ends.
    pub pair_mode: Option<PipeMode>,
    pub pair_ends: Option<Ends>,
    /// An end of the pair shown that is alive and waits for ever.
    pub held: Option<HeldOpen>,
    pub ends: Option<[EndView; 2]>,
    pub rate: u32,
    pub count: u64,
    pub sent: u64,
    pub per_s: f64,
    pub latency_last_us: f64,
    pub latency_mean_us: f64,
    pub latency_min_us: f64,
    pub latency_max_us: f64,
}

impl PipeState {
    pub fn sample(&mut self, at: Duration, stats: PipeStats) {
        self.window.push(at, [stats.count]);
        self.stats = Some(stats);
    }

    pub fn view(&self, workers: &[WorkerSnapshot]) -> PipeView {
        let s = self.stats;
        let us = |ns: u64| ns as f64 / 1e3;
        let ends = s.and_then(|s| {
            let ids = s.ids?;
            let roles = s.pair_mode?.roles();
            Some([0, 1].map(|i| {
                let w = workers.iter().find(|w| w.id == ids[i]);
                EndView {
                    id: ids[i],
                    role: roles[i],
                    alive: w.is_some_and(|w| w.status.is_alive()),
                    exitcode: w.and_then(|w| w.status.exitcode()),
                    end: s.ends[i],
                }
            }))
        });
        let held = self.held.clone().filter(|h| {
            workers
                .iter()
                .any(|w| w.id == h.id && w.status.is_alive())
        });
        PipeView {
            mode: self.mode,
            ends_next: self.ends,
            pair_mode: s.and_then(|s| s.pair_mode),
            pair_ends: s.and_then(|s| s.pair_ends),
            held,
            ends,
            rate: s.map_or(self.rate, |s| s.rate),
            count: s.map_or(0, |s| s.count),
            sent: s.map_or(0, |s| s.sent),
            per_s: self.window.rates()[0],
            latency_last_us: s.map_or(0.0, |s| us(s.latency_last_ns)),
            latency_mean_us: s.map_or(0.0, |s| us(s.latency_mean_ns)),
            latency_min_us: s.map_or(0.0, |s| us(s.latency_min_ns)),
            latency_max_us: s.map_or(0.0, |s| us(s.latency_max_ns)),
        }
    }
}
