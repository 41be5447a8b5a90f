//! The race as the screen shows it: one row per run (mode, workers), filled
//! in as the engine reports each run, with the speedup against one worker
//! of the same mode and the efficiency against the ideal: min(workers,
//! cores) for CPU-bound work, every worker for sleeps.

use std::time::Duration;

use crate::lab::WorkerId;
use crate::lab::Workload;
use crate::lab::gil::Mode;
use crate::lab::gil::race::{RaceEvent, RacePlan, RunResult, ideal};

/// Where one run is.
#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    Pending,
    /// Started at this time since proclab started, by these workers.
    Running {
        since: Duration,
        ids: Vec<WorkerId>,
    },
    Done(RunResult),
    /// Cancelled, or failed, before it finished.
    Stopped,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RaceRow {
    pub mode: Mode,
    pub workers: usize,
    pub state: RowState,
}

/// Where the whole race is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaceStatus {
    Running,
    Done,
    Cancelled,
    Failed(String),
}

/// How much longer than its CPU time allows a run may take before it is
/// marked as slowed by other programs. Uneven shares (3 workers, 4 tasks,
/// 2 cores) alone cost up to a quarter more; beyond half, something else
/// held the cores.
const NOISY: f64 = 1.5;

#[derive(Debug, Clone, PartialEq)]
pub struct RaceView {
    pub tasks: u64,
    pub task_ms: u64,
    pub workload: Workload,
    pub interval_us: u32,
    pub cores: usize,
    pub rows: Vec<RaceRow>,
    pub status: RaceStatus,
}

impl RaceView {
    pub fn new(plan: &RacePlan, cores: usize) -> RaceView {
        RaceView {
            tasks: plan.tasks,
            task_ms: plan.task_ms,
            workload: plan.workload,
            interval_us: plan.interval_us,
            cores: cores.max(1),
            rows: plan
                .runs
                .iter()
                .map(|&(mode, workers)| RaceRow {
                    mode,
                    workers,
                    state: RowState::Pending,
                })
                .collect(),
            status: RaceStatus::Running,
        }
    }

    /// The modes raced, in order.
    pub fn modes(&self) -> Vec<Mode> {
        let mut modes = Vec::new();
        for r in &self.rows {
            if !modes.contains(&r.mode) {
                modes.push(r.mode);
            }
        }
        modes
    }

    /// The most workers any run has.
    pub fn max_workers(&self) -> usize {
        self.rows.iter().map(|r| r.workers).max().unwrap_or(1)
    }

    pub fn row(&self, mode: Mode, workers: usize) -> Option<&RaceRow> {
        self.rows
            .iter()
            .find(|r| r.mode == mode && r.workers == workers)
    }

    pub fn result(&self, mode: Mode, workers: usize) -> Option<&RunResult> {
        match &self.row(mode, workers)?.state {
            RowState::Done(r) => Some(r),
            _ => None,
        }
    }

    /// The best speedup possible: every worker on a core of its own for
    /// CPU-bound work; every worker for sleeps, which need no core.
    pub fn ideal(&self, workers: usize) -> f64 {
        ideal(self.workload, workers, self.cores)
    }

    /// Wall time with one worker over wall time with `workers`, same mode.
    pub fn speedup(&self, mode: Mode, workers: usize) -> Option<f64> {
        let one = self.result(mode, 1)?.wall.as_secs_f64();
        let this = self.result(mode, workers)?.wall.as_secs_f64();
        (this > 0.0).then(|| one / this)
    }

    /// The speedup as a share of the ideal.
    pub fn efficiency(&self, mode: Mode, workers: usize) -> Option<f64> {
        Some(self.speedup(mode, workers)? / self.ideal(workers))
    }

    /// Whether a CPU-bound run took much longer than its CPU time allows
    /// (its CPU time over the cores it could keep busy): its workers
    /// waited for cores other programs held, and its speedups mislead.
    pub fn noisy(&self, mode: Mode, workers: usize) -> bool {
        if self.workload != Workload::Cpu {
            return false;
        }
        let Some(r) = self.result(mode, workers) else {
            return false;
        };
        let Some(cpu) = r.cpu else {
            return false;
        };
        let parallel = if mode.has_gil() {
            1
        } else {
            workers.min(self.cores)
        };
        r.wall.as_secs_f64() > NOISY * cpu.as_secs_f64() / parallel as f64
    }

    /// The runs [`RaceView::noisy`] marks, in order.
    pub fn noisy_runs(&self) -> Vec<(Mode, usize)> {
        self.rows
            .iter()
            .filter(|r| self.noisy(r.mode, r.workers))
            .map(|r| (r.mode, r.workers))
            .collect()
    }

    /// Finished runs whose CPU time could not be read (shown `?`): whether
    /// other programs slowed them cannot be told.
    pub fn unknown_cpu_runs(&self) -> Vec<(Mode, usize)> {
        self.rows
            .iter()
            .filter(|r| matches!(&r.state, RowState::Done(res) if res.cpu.is_none()))
            .map(|r| (r.mode, r.workers))
            .collect()
    }

    /// Whether a run's efficiency, as shown (a whole percent), is above
    /// 100%: faster than the ideal allows, so its mode's run with one
    /// worker, which every speedup of the mode is measured against, was
    /// slower than it should have been.
    pub fn over_ideal(&self, mode: Mode, workers: usize) -> bool {
        self.efficiency(mode, workers)
            .is_some_and(|e| (e * 100.0).round() > 100.0)
    }

    /// The runs [`RaceView::over_ideal`] marks, in order.
    pub fn over_ideal_runs(&self) -> Vec<(Mode, usize)> {
        self.rows
            .iter()
            .filter(|r| self.over_ideal(r.mode, r.workers))
            .map(|r| (r.mode, r.workers))
            .collect()
    }

    /// The run going on now.
    pub fn running(&self) -> Option<&RaceRow> {
        self.rows
            .iter()
            .find(|r| matches!(r.state, RowState::Running { .. }))
    }

    /// Runs finished so far.
    pub fn done(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.state, RowState::Done(_)))
            .count()
    }

    /// Takes in what the engine reported; `now` is time since start.
    pub fn apply(&mut self, event: &RaceEvent, now: Duration) {
        match event {
            RaceEvent::Paused(_) => {}
            RaceEvent::RunStarted { index, ids, .. } => {
                if let Some(row) = self.rows.get_mut(*index) {
                    row.state = RowState::Running {
                        since: now,
                        ids: ids.clone(),
                    };
                }
            }
            RaceEvent::RunFinished { index, result } => {
                if let Some(row) = self.rows.get_mut(*index) {
                    row.state = RowState::Done(*result);
                }
            }
            RaceEvent::Finished { .. } => self.status = RaceStatus::Done,
            RaceEvent::Failed { reason, .. } => {
                self.stop_running();
                self.status = RaceStatus::Failed(reason.clone());
            }
            RaceEvent::Cancelled { .. } => {
                self.stop_running();
                self.status = RaceStatus::Cancelled;
            }
        }
    }

    fn stop_running(&mut self) {
        for row in &mut self.rows {
            if matches!(row.state, RowState::Running { .. }) {
                row.state = RowState::Stopped;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(mode: Mode, workers: usize, wall_ms: u64) -> RunResult {
        RunResult {
            mode,
            workers,
            wall: Duration::from_millis(wall_ms),
            cpu: Some(Duration::from_millis(wall_ms)),
            tasks_done: 4,
        }
    }

    #[test]
    fn speedup_and_efficiency_are_against_one_worker_and_the_ideal() {
        let plan = RacePlan::sweep(&[Mode::Processes], 4, 4, 1000, Workload::Cpu, 5000);
        let mut race = RaceView::new(&plan, 2);
        for (i, wall) in [4000, 2000, 2100, 2000].into_iter().enumerate() {
            race.apply(
                &RaceEvent::RunFinished {
                    index: i,
                    result: done(Mode::Processes, i + 1, wall),
                },
                Duration::ZERO,
            );
        }
        assert_eq!(race.speedup(Mode::Processes, 2), Some(2.0));
        assert_eq!(race.ideal(4), 2.0, "never more than the cores");
        assert_eq!(race.efficiency(Mode::Processes, 4), Some(1.0));
        assert_eq!(race.speedup(Mode::Threads, 2), None);
        assert_eq!(race.done(), 4);
    }

    #[test]
    fn a_run_far_slower_than_its_cpu_time_allows_is_marked() {
        let plan = RacePlan::sweep(
            &[Mode::Processes, Mode::Threads],
            2,
            2,
            1000,
            Workload::Cpu,
            5000,
        );
        let mut race = RaceView::new(&plan, 2);
        // wall, CPU: a lone process that waited for a core; two processes
        // on two cores; two threads taking turns under the GIL.
        let runs = [
            (Mode::Processes, 1, 2000, 1000),
            (Mode::Processes, 2, 1000, 2000),
            (Mode::Threads, 1, 1000, 1000),
            (Mode::Threads, 2, 2000, 2000),
        ];
        for (i, (mode, workers, wall, cpu)) in runs.into_iter().enumerate() {
            race.apply(
                &RaceEvent::RunFinished {
                    index: i,
                    result: RunResult {
                        mode,
                        workers,
                        wall: Duration::from_millis(wall),
                        cpu: Some(Duration::from_millis(cpu)),
                        tasks_done: 2,
                    },
                },
                Duration::ZERO,
            );
        }
        assert_eq!(race.noisy_runs(), [(Mode::Processes, 1)]);
    }

    #[test]
    fn unknown_cpu_and_efficiency_over_the_ideal_are_found() {
        let plan = RacePlan::sweep(&[Mode::Processes], 2, 2, 1000, Workload::Cpu, 5000);
        let mut race = RaceView::new(&plan, 2);
        // One worker slowed (2.5 s for 2 s of work); two on two cores.
        let runs = [(1, 2500, None), (2, 1000, Some(2000))];
        for (i, (workers, wall, cpu)) in runs.into_iter().enumerate() {
            race.apply(
                &RaceEvent::RunFinished {
                    index: i,
                    result: RunResult {
                        mode: Mode::Processes,
                        workers,
                        wall: Duration::from_millis(wall),
                        cpu: cpu.map(Duration::from_millis),
                        tasks_done: 2,
                    },
                },
                Duration::ZERO,
            );
        }
        assert_eq!(race.unknown_cpu_runs(), [(Mode::Processes, 1)]);
        assert!(!race.noisy(Mode::Processes, 1), "no CPU time: not judged");
        assert_eq!(race.over_ideal_runs(), [(Mode::Processes, 2)], "125%");
    }

    #[test]
    fn sleeps_need_no_core_so_their_ideal_is_every_worker() {
        assert_eq!(ideal(Workload::Io, 4, 2), 4.0);
        assert_eq!(ideal(Workload::Cpu, 4, 2), 2.0);
    }

    #[test]
    fn a_cancelled_race_stops_its_running_row() {
        let plan = RacePlan::sweep(&[Mode::Threads], 2, 2, 100, Workload::Cpu, 5000);
        let mut race = RaceView::new(&plan, 2);
        race.apply(
            &RaceEvent::RunStarted {
                index: 0,
                mode: Mode::Threads,
                workers: 1,
                ids: vec![7],
            },
            Duration::from_secs(1),
        );
        assert!(race.running().is_some());
        race.apply(
            &RaceEvent::Cancelled {
                killed: 1,
                resumed: vec![],
            },
            Duration::from_secs(2),
        );
        assert_eq!(race.rows[0].state, RowState::Stopped);
        assert_eq!(race.status, RaceStatus::Cancelled);
    }
}
