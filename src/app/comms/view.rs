//! The labs' state on the UI side, and the plain view models the panels
//! draw from: figures from the engine, rates worked out over the last
//! second, the depth's history, and who is blocked on what.

use std::collections::VecDeque;
use std::time::Duration;

use crate::lab::pipe::{EndState, PipeMode, PipeStats};
use crate::lab::pipeline::{PipelineStats, StageEnd};
use crate::lab::queue::{QueueStats, Stopping, wait};
use crate::lab::{Role, Status, WorkerId, WorkerSnapshot, pipe, pipeline};

/// Samples of depth kept for the history line.
pub const HISTORY: usize = 240;
/// The window over which rates are worked out.
pub const RATE_WINDOW: Duration = Duration::from_secs(1);

pub use crate::lab::queue::step_rate as step;

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
            producers: super::count_alive(workers, &[Role::Producer]),
            consumers: super::count_alive(workers, &[Role::Consumer]),
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

/// The pipeline lab's settings and what was last read.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineState {
    pub stage_ms: [u32; 3],
    /// The stage the speed keys change.
    pub selected: usize,
    pub stats: Option<PipelineStats>,
    /// Items done by each stage over time.
    pub window: RateWindow<3>,
}

impl Default for PipelineState {
    fn default() -> Self {
        PipelineState {
            stage_ms: pipeline::DEFAULT_MS,
            selected: 1,
            stats: None,
            window: RateWindow::default(),
        }
    }
}

/// One stage as the pipeline panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageView {
    pub role: Role,
    pub id: Option<WorkerId>,
    pub alive: bool,
    pub exitcode: Option<i32>,
    pub ms: u32,
    pub per_s: f64,
    pub done: u64,
    /// What it waits on, in words, while alive.
    pub state: Option<String>,
    pub end: StageEnd,
}

/// What the pipeline panel draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineView {
    pub stages: [StageView; 3],
    pub selected: usize,
    pub pipe_items: u64,
    pub pipe_bytes: u64,
    pub pipe_capacity: u64,
    pub queue_depth: u64,
    pub queue_capacity: u64,
    /// The stage that takes longest per item: the backlog grows before it.
    pub slowest: usize,
    pub running: bool,
    pub stopping: bool,
}

impl PipelineState {
    pub fn sample(&mut self, at: Duration, stats: PipelineStats, workers: &[WorkerSnapshot]) {
        let done = stage_done(&stats, workers);
        self.window.push(at, done);
        self.stats = Some(stats);
    }

    pub fn view(&self, workers: &[WorkerSnapshot]) -> PipelineView {
        let s = self.stats;
        let rates = self.window.rates();
        let done = s.map_or([0; 3], |s| stage_done(&s, workers));
        let stage_ms = s.map_or(self.stage_ms, |s| s.stage_ms);
        let stages = [0, 1, 2].map(|i| {
            let id = s.and_then(|s| s.ids).map(|ids| ids[i]);
            let w = id.and_then(|id| workers.iter().find(|w| w.id == id));
            StageView {
                role: pipeline::STAGES[i],
                id,
                alive: w.is_some_and(|w| w.status.is_alive()),
                exitcode: w.and_then(|w| w.status.exitcode()),
                ms: stage_ms[i],
                per_s: rates[i],
                done: done[i],
                state: w
                    .filter(|w| w.status.is_alive())
                    .and_then(super::narrate::wait_words),
                end: s.map_or(StageEnd::Running, |s| s.ended[i]),
            }
        });
        let pipe_full = s.is_some_and(|s| s.pipe_bytes * 2 >= s.pipe_capacity.max(1));
        let queue_full = s.is_some_and(|s| s.queue.depth() * 2 >= s.queue.capacity.max(1));
        let slowest = slowest_stage(stage_ms, pipe_full, queue_full);
        let running = stages.iter().any(|st| st.alive);
        PipelineView {
            stages,
            selected: self.selected,
            pipe_items: s.map_or(0, |s| s.pipe_items),
            pipe_bytes: s.map_or(0, |s| s.pipe_bytes),
            pipe_capacity: s.map_or(pipeline::PIPE_BYTES as u64, |s| s.pipe_capacity),
            queue_depth: s.map_or(0, |s| s.queue.depth()),
            queue_capacity: s.map_or(pipeline::QUEUE_CAPACITY, |s| s.queue.capacity),
            slowest,
            running,
            stopping: s.is_some_and(|s| s.stopping),
        }
    }
}

/// The stage that sets the pipeline's pace. The one with the longest work
/// per item, if only one has it; among stages tied for it (all flat out,
/// say), the one whose input has filled at least half way, and if none
/// has, the first: equal stages keep pace with the one that feeds them.
fn slowest_stage(stage_ms: [u32; 3], pipe_full: bool, queue_full: bool) -> usize {
    let top = stage_ms.iter().copied().max().unwrap_or(0);
    let tied = |i: usize| stage_ms[i] == top;
    if tied(2) && queue_full {
        2
    } else if tied(1) && pipe_full {
        1
    } else {
        (0..3).find(|&i| tied(i)).unwrap_or(0)
    }
}

fn stage_done(stats: &PipelineStats, workers: &[WorkerSnapshot]) -> [u64; 3] {
    let Some(ids) = stats.ids else {
        return [0; 3];
    };
    ids.map(|id| {
        workers
            .iter()
            .find(|w| w.id == id)
            .map_or(0, |w| w.tasks_done)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_stage_is_the_longest_then_the_one_backed_up() {
        assert_eq!(slowest_stage([100, 200, 50], false, false), 1);
        assert_eq!(
            slowest_stage([100, 200, 50], false, true),
            1,
            "cost decides first"
        );
        assert_eq!(
            slowest_stage([100, 100, 100], false, false),
            0,
            "equal stages keep pace"
        );
        assert_eq!(
            slowest_stage([0, 0, 0], true, false),
            1,
            "flat out, the pipe is full"
        );
        assert_eq!(
            slowest_stage([0, 0, 0], true, true),
            2,
            "the later backlog is the cause"
        );
        assert_eq!(slowest_stage([50, 0, 50], true, true), 2);
        assert_eq!(slowest_stage([50, 0, 50], true, false), 0);
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
