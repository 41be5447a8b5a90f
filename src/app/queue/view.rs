//! The queue lab's state on the UI side, and the view model its panel
//! draws from: the figures last read, rates over the last second, the
//! depth's history, and who is blocked on what.

use std::collections::VecDeque;
use std::time::Duration;

use crate::app::comms::{RateWindow, count_alive};
use crate::lab::comms::wait;
use crate::lab::queue::{QueueStats, Stopping};
use crate::lab::{Role, Status, WorkerSnapshot};

/// Samples of depth kept for the history line.
pub const HISTORY: usize = 240;

/// The queue lab's settings and what was last read.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueState {
    pub producer_rate: u32,
    pub consumer_rate: u32,
    pub stats: Option<QueueStats>,
    /// Depth, oldest first, one per tick.
    pub history: VecDeque<u64>,
    /// Put and got counts over time.
    pub window: RateWindow<2>,
}

impl Default for QueueState {
    fn default() -> Self {
        QueueState {
            producer_rate: 5,
            consumer_rate: 8,
            stats: None,
            history: VecDeque::new(),
            window: RateWindow::default(),
        }
    }
}

/// What the queue panel draws.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueView {
    pub capacity: u64,
    pub depth: u64,
    /// Depth as a fraction of capacity, oldest first.
    pub history: Vec<f32>,
    pub put_per_s: f64,
    pub get_per_s: f64,
    pub producers: usize,
    pub consumers: usize,
    pub producer_rate: u32,
    pub consumer_rate: u32,
    pub blocked_put: usize,
    pub waiting_get: usize,
    pub put_total: u64,
    pub done_total: u64,
    pub unfinished: u64,
    pub held: u64,
    pub lost: u64,
    pub corrupt: u64,
    pub repaired: u64,
    /// Mean time an item spent queued, in milliseconds.
    pub queued_ms: Option<f64>,
    /// The audit, when the figures were read together.
    pub balanced: Option<bool>,
    pub sentinels_pending: u32,
    pub join_pending: bool,
    pub stopping: Option<Stopping>,
}

fn waiting(workers: &[WorkerSnapshot], role: Role, code: u32) -> usize {
    workers
        .iter()
        .filter(|w| {
            w.role == role && matches!(w.status, Status::Alive { paused: false }) && w.wait == code
        })
        .count()
}

impl QueueState {
    pub fn sample(&mut self, at: Duration, stats: QueueStats) {
        let t = stats.totals;
        self.window.push(at, [t.tail, t.head]);
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(t.depth());
        self.stats = Some(stats);
    }

    pub fn view(&self, workers: &[WorkerSnapshot]) -> QueueView {
        let [put_per_s, get_per_s] = self.window.rates();
        let s = self.stats;
        let t = s.map(|s| s.totals).unwrap_or_default();
        let capacity = if s.is_some() {
            t.capacity.max(1)
        } else {
            crate::lab::queue::DEFAULT_CAPACITY
        };
        QueueView {
            capacity,
            depth: t.depth(),
            history: self
                .history
                .iter()
                .map(|&d| (d as f32 / capacity as f32 * 100.0).min(100.0))
                .collect(),
            put_per_s,
            get_per_s,
            producers: count_alive(workers, &[Role::Producer]),
            consumers: count_alive(workers, &[Role::Consumer]),
            producer_rate: s.map_or(self.producer_rate, |s| s.producer_rate),
            consumer_rate: s.map_or(self.consumer_rate, |s| s.consumer_rate),
            blocked_put: waiting(workers, Role::Producer, wait::PUT),
            waiting_get: waiting(workers, Role::Consumer, wait::GET),
            put_total: t.tail,
            done_total: t.done,
            unfinished: t.unfinished(),
            held: t.held,
            lost: t.lost,
            corrupt: t.corrupt,
            repaired: t.repaired,
            queued_ms: (t.queued_count > 0)
                .then(|| t.queued_ns as f64 / t.queued_count as f64 / 1e6),
            balanced: t.consistent.then(|| t.balanced()),
            sentinels_pending: s.map_or(0, |s| s.sentinels_pending),
            join_pending: s.is_some_and(|s| s.join_pending),
            stopping: s.and_then(|s| s.stopping),
        }
    }
}
