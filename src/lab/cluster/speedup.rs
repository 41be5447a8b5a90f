//! The speedup: the same batch timed with 1, 2, ... local nodes, after the
//! cost of the broker and Celery themselves is measured with a batch of
//! no-op tasks on one node (its wall time over its tasks: what each task
//! costs before any work is done); after each, if asked, the same batch on
//! this machine with Python's `multiprocessing.Pool` of as many processes
//! as the nodes had ([`super::pool_run`]), its one-machine peer, run at
//! once so that both meet the machine as busy.
//!
//! A run is driven from [`ClusterLab::poll`]: before each step the lab
//! starts or warmly stops nodes until exactly the step's number are online
//! and the queue is empty, then sends the batch and waits for it to end.

use std::time::{Duration, Instant};

use super::controller::ClusterLab;
use super::error::ClusterError;
use super::link::BatchId;
use super::nodes::NodeLife;
use super::pool_run::{PoolRow, PoolRun};
use super::report::ClusterEvent;
use super::settings::{MAX_NODES, TaskKind};

/// One batch timed with some nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedupRow {
    pub nodes: usize,
    /// Pool processes per node.
    pub concurrency: usize,
    pub tasks: usize,
    /// From the first LPUSH to the last task's end.
    pub wall: Duration,
    /// Tasks lost on the way (a node killed during the run).
    pub lost: usize,
}

impl SpeedupRow {
    /// This row's speedup over `base` (the same batch on fewer nodes).
    pub fn speedup_over(&self, base: &SpeedupRow) -> f64 {
        base.wall.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

/// What the broker and Celery cost per task.
#[derive(Debug, Clone, PartialEq)]
pub struct Overhead {
    pub tasks: usize,
    pub wall: Duration,
    pub per_task: Duration,
}

/// What a run times.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedupPlan {
    /// Numbers of nodes, in order: `[1, 2]`.
    pub nodes: Vec<usize>,
    pub task: TaskKind,
    pub batch: usize,
    /// No-op tasks for the overhead (0: not measured).
    pub noop_tasks: usize,
    /// Also time the batch with a `multiprocessing.Pool` on this machine,
    /// with as many processes as each step's nodes have pool processes.
    pub pool: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Overhead,
    Nodes(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Settle(Step),
    Run(Step, BatchId),
    /// The Pool peer of step `i`'s nodes is running.
    Pool(usize),
}

/// A run under way, and the figures measured so far.
#[derive(Default)]
pub struct Speedup {
    plan: Option<SpeedupPlan>,
    phase: Option<Phase>,
    settle_since: Option<Instant>,
    /// Nodes the run has started: a node that keeps dying is not
    /// replaced for ever.
    started: usize,
    /// Pool processes per node, for the Pool peer.
    concurrency: usize,
    pool_run: Option<PoolRun>,
    pub rows: Vec<SpeedupRow>,
    pub overhead: Option<Overhead>,
    /// The Pool peer of each row.
    pub pool: Vec<PoolRow>,
}

impl Speedup {
    pub fn running(&self) -> bool {
        self.phase.is_some()
    }

    /// What the run is doing, in words.
    pub fn doing(&self) -> Option<String> {
        let plan = self.plan.as_ref()?;
        Some(match self.phase? {
            Phase::Settle(Step::Overhead) => "making ready 1 node for the overhead".into(),
            Phase::Run(Step::Overhead, _) => {
                format!("timing {} no-op tasks on 1 node", plan.noop_tasks)
            }
            Phase::Settle(Step::Nodes(i)) => format!("making ready {} node(s)", plan.nodes[i]),
            Phase::Run(Step::Nodes(i), _) => {
                format!("timing {} tasks on {} node(s)", plan.batch, plan.nodes[i])
            }
            Phase::Pool(i) => format!(
                "timing {} tasks with a Pool of {} processes on this machine",
                plan.batch,
                plan.nodes[i] * self.concurrency
            ),
        })
    }

    /// Stops a Pool run under way.
    pub fn stop(&mut self) {
        self.phase = None;
        if let Some(mut run) = self.pool_run.take() {
            run.stop();
        }
    }
}

impl ClusterLab {
    /// Starts a speedup run; its figures arrive as events and in the view.
    pub fn start_speedup(&mut self, plan: SpeedupPlan) -> Result<(), ClusterError> {
        if self.speedup.running() {
            return Err(ClusterError::SpeedupRunning);
        }
        if plan.nodes.is_empty() || plan.nodes.iter().any(|&n| !(1..=MAX_NODES).contains(&n)) {
            return Err(ClusterError::Invalid(format!(
                "speedup nodes {:?}: each from 1 to {MAX_NODES}",
                plan.nodes
            )));
        }
        if plan.batch == 0 {
            return Err(ClusterError::Invalid("a speedup batch needs tasks".into()));
        }
        let first = if plan.noop_tasks > 0 {
            Step::Overhead
        } else {
            Step::Nodes(0)
        };
        self.speedup.stop();
        self.speedup = Speedup {
            plan: Some(plan),
            phase: Some(Phase::Settle(first)),
            settle_since: Some(Instant::now()),
            concurrency: self.settings.concurrency,
            ..Speedup::default()
        };
        Ok(())
    }

    pub fn cancel_speedup(&mut self) {
        self.speedup.stop();
    }

    pub fn speedup_running(&self) -> bool {
        self.speedup.running()
    }

    /// One look at the run: called by `poll` with what it found.
    pub(super) fn advance_speedup(&mut self, found: &[ClusterEvent]) {
        let (Some(phase), Some(plan)) = (self.speedup.phase, self.speedup.plan.clone()) else {
            return;
        };
        match phase {
            Phase::Settle(step) => {
                let target = match step {
                    Step::Overhead => 1,
                    Step::Nodes(i) => plan.nodes[i],
                };
                if self.settle(target) {
                    let batch = match step {
                        Step::Overhead => self.send(TaskKind::Noop, plan.noop_tasks, false),
                        Step::Nodes(_) => self.send(plan.task, plan.batch, false),
                    };
                    self.speedup.phase = Some(Phase::Run(step, batch));
                }
            }
            Phase::Pool(i) => self.advance_pool(&plan, i),
            Phase::Run(step, batch) => {
                let done = found.iter().find_map(|e| match e {
                    ClusterEvent::BatchDone {
                        batch: b,
                        count,
                        wall,
                        lost,
                        ..
                    } if *b == batch => Some((*count, *wall, *lost)),
                    _ => None,
                });
                let Some((count, wall, lost)) = done else {
                    return;
                };
                let next = match step {
                    Step::Overhead => {
                        let per_task = wall / count.max(1) as u32;
                        self.speedup.overhead = Some(Overhead {
                            tasks: count,
                            wall,
                            per_task,
                        });
                        self.pending.push(ClusterEvent::OverheadMeasured {
                            tasks: count,
                            wall,
                            per_task,
                        });
                        Some(0)
                    }
                    Step::Nodes(i) => {
                        let row = SpeedupRow {
                            nodes: plan.nodes[i],
                            concurrency: self.settings.concurrency,
                            tasks: count,
                            wall,
                            lost,
                        };
                        let speedup = self.speedup.rows.first().map(|b| row.speedup_over(b));
                        self.pending.push(ClusterEvent::SpeedupMeasured {
                            nodes: row.nodes,
                            tasks: count,
                            wall,
                            speedup,
                        });
                        self.speedup.rows.push(row);
                        // Its Pool peer runs at once, so that both see the
                        // machine as busy as it was.
                        if plan.pool {
                            self.start_pool(&plan, i);
                            return;
                        }
                        (i + 1 < plan.nodes.len()).then_some(i + 1)
                    }
                };
                self.speedup.phase = next.map(|i| Phase::Settle(Step::Nodes(i)));
                self.speedup.settle_since = Some(Instant::now());
            }
        }
    }

    /// Starts the Pool peer of step `i`; without one (no-op tasks), goes on
    /// to the next step.
    fn start_pool(&mut self, plan: &SpeedupPlan, i: usize) {
        let processes = plan.nodes[i] * self.speedup.concurrency;
        let started = PoolRun::start(
            &self.spawner,
            &self.python,
            &self.dir,
            plan.task,
            processes,
            plan.batch,
        );
        match started {
            None => {
                self.speedup.phase =
                    (i + 1 < plan.nodes.len()).then_some(Phase::Settle(Step::Nodes(i + 1)));
                self.speedup.settle_since = Some(Instant::now());
            }
            Some(Ok(run)) => {
                self.speedup.pool_run = Some(run);
                self.speedup.phase = Some(Phase::Pool(i));
            }
            Some(Err(e)) => {
                self.speedup.phase = None;
                self.pending.push(ClusterEvent::SpeedupStopped {
                    reason: format!("cannot start the Pool run: {e}"),
                });
            }
        }
    }

    fn advance_pool(&mut self, plan: &SpeedupPlan, i: usize) {
        let Some(run) = self.speedup.pool_run.as_mut() else {
            self.speedup.phase = None;
            return;
        };
        let Some(result) = run.poll(&self.dir) else {
            return;
        };
        self.speedup.pool_run = None;
        match result {
            Ok(row) => {
                self.pending.push(ClusterEvent::PoolMeasured {
                    processes: row.processes,
                    tasks: row.tasks,
                    wall: row.wall,
                    task: plan.task,
                });
                self.speedup.pool.push(row);
                self.speedup.phase = (i + 1 < plan.nodes.len()).then_some(Phase::Settle(Step::Nodes(i + 1)));
                self.speedup.settle_since = Some(Instant::now());
            }
            Err(reason) => {
                self.speedup.phase = None;
                self.pending.push(ClusterEvent::SpeedupStopped { reason });
            }
        }
    }

    /// Starts or stops nodes towards `target`; true once exactly `target`
    /// local nodes are online, none is still stopping, and the broker's
    /// queue is empty with nothing unacknowledged.
    fn settle(&mut self, target: usize) -> bool {
        let serving = self
            .nodes
            .iter_mut()
            .filter_map(|n| (!n.end_told && n.stop.is_none() && n.is_running()).then_some(()))
            .count();
        if serving < target {
            let most = self
                .speedup
                .plan
                .as_ref()
                .map_or(0, |p| p.nodes.iter().sum::<usize>() + 2);
            for _ in serving..target {
                if self.speedup.started >= most {
                    self.speedup.phase = None;
                    self.pending.push(ClusterEvent::SpeedupStopped {
                        reason: format!("{most} nodes started and still not {target} running"),
                    });
                    return false;
                }
                self.speedup.started += 1;
                if let Err(e) = self.add_node() {
                    self.speedup.phase = None;
                    self.pending.push(ClusterEvent::SpeedupStopped {
                        reason: e.to_string(),
                    });
                    return false;
                }
            }
            return false;
        }
        if serving > target {
            for _ in target..serving {
                let _ = self.stop_newest();
            }
            return false;
        }
        let stopping = self.nodes.iter().any(|n| !n.end_told && n.stop.is_some());
        let online = self
            .nodes
            .iter()
            .filter(|n| !n.end_told && n.stop.is_none())
            .all(|n| {
                self.node_book
                    .get(&n.name)
                    .is_some_and(|r| r.life == NodeLife::Online)
            });
        let since = self.speedup.settle_since.unwrap_or_else(Instant::now);
        let quiet = self
            .gauges
            .as_ref()
            .is_some_and(|g| g.at > since && g.depth == 0 && g.unacked == 0);
        let open = self.book.all().any(|t| !t.state.ended());
        !stopping && online && quiet && !open
    }
}
