//! The pipe lab's state on the UI side, and the view model its panel
//! draws from: the figures last read and the rate over the last second.

use std::time::Duration;

use crate::app::comms::RateWindow;
use crate::lab::pipe::{self, EndState, PipeMode, PipeStats};
use crate::lab::{Role, WorkerId, WorkerSnapshot};

/// The pipe lab's settings and what was last read.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeState {
    pub mode: PipeMode,
    pub rate: u32,
    pub stats: Option<PipeStats>,
    pub window: RateWindow<1>,
}

impl Default for PipeState {
    fn default() -> Self {
        PipeState {
            mode: PipeMode::PingPong,
            rate: pipe::DEFAULT_RATE,
            stats: None,
            window: RateWindow::default(),
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
    /// The kind of pipe the next `s` makes.
    pub mode: PipeMode,
    /// The kind of the pair shown, if one was started.
    pub pair_mode: Option<PipeMode>,
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
        PipeView {
            mode: self.mode,
            pair_mode: s.and_then(|s| s.pair_mode),
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
