//! The pipeline lab's state on the UI side, and the view model its panel
//! draws from: the figures last read, each stage's rate over the last
//! second, the stage that sets the pace, the stage marked ▶ (the one the
//! keys act on), and a stage that waits for ever with who holds the pipe
//! open.

use std::time::Duration;

use crate::app::comms::{HeldOpen, RateWindow};
use crate::lab::comms::Ends;
use crate::lab::pipeline::{self, PipelineStats, StageEnd};
use crate::lab::{Role, WorkerId, WorkerSnapshot};

/// The pipeline lab's settings and what was last read.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineState {
    pub stage_ms: [u32; 3],
    /// The stage ← → last marked; see [`marked`](Self::marked).
    pub selected: usize,
    /// Whether the next run's stages close the ends they do not use.
    pub ends: Ends,
    pub stats: Option<PipelineStats>,
    /// Items done by each stage over time.
    pub window: RateWindow<3>,
    /// The stage of the run shown that waits for ever, as the engine said.
    pub held: Option<HeldOpen>,
}

impl Default for PipelineState {
    fn default() -> Self {
        PipelineState {
            stage_ms: pipeline::DEFAULT_MS,
            selected: 1,
            ends: Ends::default(),
            stats: None,
            window: RateWindow::default(),
            held: None,
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
    /// The stage marked ▶: the one the keys act on.
    pub selected: usize,
    /// Whether the run shown, and the next, close their unused ends.
    pub run_ends: Option<Ends>,
    pub ends_next: Ends,
    /// A stage of the run shown that is alive and waits for ever.
    pub held: Option<HeldOpen>,
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

    /// The current run's stage workers.
    pub fn ids(&self) -> Option<[WorkerId; 3]> {
        self.stats.and_then(|s| s.ids)
    }

    /// The stage the keys act on, marked ▶: the worker table's selection
    /// if it is a stage of the current run (so that both say the same),
    /// else the stage ← → last marked.
    pub fn marked(&self, selected: Option<WorkerId>) -> usize {
        self.ids()
            .zip(selected)
            .and_then(|(ids, sel)| ids.iter().position(|&id| id == sel))
            .unwrap_or(self.selected)
    }

    pub fn view(&self, workers: &[WorkerSnapshot], selected: Option<WorkerId>) -> PipelineView {
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
                state: w.filter(|w| w.status.is_alive()).and_then(super::stage_words),
                end: s.map_or(StageEnd::Running, |s| s.ended[i]),
            }
        });
        let pipe_full = s.is_some_and(|s| s.pipe_bytes * 2 >= s.pipe_capacity.max(1));
        let queue_full = s.is_some_and(|s| s.queue.depth() * 2 >= s.queue.capacity.max(1));
        let slowest = slowest_stage(stage_ms, pipe_full, queue_full);
        let running = stages.iter().any(|st| st.alive);
        let held = self.held.clone().filter(|h| {
            workers
                .iter()
                .any(|w| w.id == h.id && w.status.is_alive())
        });
        PipelineView {
            stages,
            selected: self.marked(selected),
            run_ends: s.and_then(|s| s.run_ends),
            ends_next: self.ends,
            held,
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
}
