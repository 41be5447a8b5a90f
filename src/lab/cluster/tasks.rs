//! The lab's record of tasks: each one's path (sent -> received -> started
//! -> succeeded or failed), its batch, and what became of the tasks a dead
//! node held: lost, or given to another node.
//!
//! When a node dies holding a task, the broker's own state decides: a
//! task still in kombu's `unacked` hash will be put back on the queue once
//! its visibility timeout has passed (the message was never acknowledged:
//! `acks_late`, or taken but not started); one back on the queue already
//! (a warm shutdown restores what it had not started) will be received
//! again soon; one in neither was acknowledged when it started
//! (`acks_late` off) and is lost.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::events::{TaskEvent, TaskEventKind};
use super::link::{BatchId, Gauges};
use super::report::ClusterEvent;
use super::wire::TaskSpec;

/// Ended tasks kept for display; older ones are forgotten.
const ENDED_KEPT: usize = 1000;

/// One step of a task's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Sent,
    Received,
    Started,
    Succeeded,
    Failed,
    /// The node holding it died.
    NodeDied,
    /// The broker still holds it: it will be redelivered.
    Unacked,
    Lost,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub at: Instant,
    pub node: Option<String>,
}

/// Where a task is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Handed to the broker thread, not yet on the queue.
    Sending,
    Queued,
    /// Taken by a node (prefetched), not running.
    Received,
    Running,
    Succeeded,
    Failed,
    /// Its node died; what the broker holds is not read yet.
    Orphaned,
    /// Its node died; the broker holds it unacknowledged or queued again.
    AwaitingRedelivery,
    Lost,
}

impl TaskState {
    pub fn ended(self) -> bool {
        matches!(
            self,
            TaskState::Succeeded | TaskState::Failed | TaskState::Lost
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub id: String,
    pub name: String,
    /// `repr(args)`.
    pub args: String,
    /// Sent by this lab (else seen only from its events).
    pub ours: bool,
    pub batch: Option<BatchId>,
    pub state: TaskState,
    /// The node that last received it.
    pub holder: Option<String>,
    pub steps: Vec<Step>,
    pub result: Option<String>,
    pub runtime: Option<f64>,
    /// Times it was received again after its node died or let it go.
    pub redeliveries: u32,
    pub last_change: Instant,
    delivery_tag: Option<String>,
    died_at: Option<Instant>,
    taken_epoch: Option<f64>,
}

struct Batch {
    count: usize,
    started: Option<Instant>,
    open: HashSet<String>,
    succeeded: usize,
    failed: usize,
    lost: usize,
}

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

pub struct TaskBook {
    tasks: HashMap<String, TaskRecord>,
    batches: HashMap<BatchId, Batch>,
    visibility_timeout: Duration,
    /// Ended tasks, oldest first, for forgetting.
    ended: Vec<String>,
}

impl TaskBook {
    pub fn new(visibility_timeout: Duration) -> TaskBook {
        TaskBook {
            tasks: HashMap::new(),
            batches: HashMap::new(),
            visibility_timeout,
            ended: Vec::new(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&TaskRecord> {
        self.tasks.get(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &TaskRecord> {
        self.tasks.values()
    }

    /// A batch handed to the broker thread.
    pub fn sending(&mut self, batch: BatchId, specs: &[TaskSpec], now: Instant) {
        let mut open = HashSet::new();
        for s in specs {
            open.insert(s.id.clone());
            self.tasks.insert(
                s.id.clone(),
                TaskRecord {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    args: s.args_repr.clone(),
                    ours: true,
                    batch: Some(batch),
                    state: TaskState::Sending,
                    holder: None,
                    steps: Vec::new(),
                    result: None,
                    runtime: None,
                    redeliveries: 0,
                    last_change: now,
                    delivery_tag: Some(s.delivery_tag.clone()),
                    died_at: None,
                    taken_epoch: None,
                },
            );
        }
        self.batches.insert(
            batch,
            Batch {
                count: specs.len(),
                started: None,
                open,
                succeeded: 0,
                failed: 0,
                lost: 0,
            },
        );
    }

    /// The batch is on the queue since `started` (when its LPUSH was sent).
    pub fn sent(&mut self, batch: BatchId, started: Instant) {
        let Some(b) = self.batches.get_mut(&batch) else {
            return;
        };
        b.started = Some(started);
        for id in &b.open {
            if let Some(t) = self.tasks.get_mut(id) {
                t.steps.insert(
                    0,
                    Step {
                        kind: StepKind::Sent,
                        at: started,
                        node: None,
                    },
                );
                if t.state == TaskState::Sending {
                    t.state = TaskState::Queued;
                }
            }
        }
    }

    /// The batch never reached the broker: its tasks are forgotten.
    pub fn not_sent(&mut self, batch: BatchId) {
        if let Some(b) = self.batches.remove(&batch) {
            for id in b.open {
                self.tasks.remove(&id);
            }
        }
    }

    pub fn on_task_event(&mut self, e: &TaskEvent, now: Instant) -> Vec<ClusterEvent> {
        let mut out = Vec::new();
        let t = self
            .tasks
            .entry(e.id.clone())
            .or_insert_with(|| TaskRecord {
                id: e.id.clone(),
                name: String::new(),
                args: String::new(),
                ours: false,
                batch: None,
                state: TaskState::Queued,
                holder: None,
                steps: Vec::new(),
                result: None,
                runtime: None,
                redeliveries: 0,
                last_change: now,
                delivery_tag: None,
                died_at: None,
                taken_epoch: None,
            });
        let node = Some(e.hostname.clone());
        let (kind, state) = match &e.kind {
            TaskEventKind::Received { name, args } => {
                if t.name.is_empty() {
                    t.name = name.clone();
                    t.args = args.clone();
                }
                // Received before, by this node or another: the broker gave it again.
                if let Some(from) = t.holder.clone() {
                    t.redeliveries += 1;
                    out.push(ClusterEvent::TaskRedelivered {
                        id: t.id.clone(),
                        from,
                        to: e.hostname.clone(),
                        after_death: t.died_at.map(|d| now.saturating_duration_since(d)),
                        after_delivery: t
                            .taken_epoch
                            .map(|s| Duration::from_secs_f64((epoch_now() - s).max(0.0))),
                    });
                }
                t.holder = node.clone();
                t.died_at = None;
                t.taken_epoch = None;
                (StepKind::Received, TaskState::Received)
            }
            TaskEventKind::Started => {
                t.holder = node.clone();
                (StepKind::Started, TaskState::Running)
            }
            TaskEventKind::Succeeded { result, runtime } => {
                t.result = Some(result.clone());
                t.runtime = Some(*runtime);
                (StepKind::Succeeded, TaskState::Succeeded)
            }
            TaskEventKind::Failed { exception } => {
                out.push(ClusterEvent::TaskFailed {
                    id: t.id.clone(),
                    node: e.hostname.clone(),
                    exception: exception.clone(),
                });
                (StepKind::Failed, TaskState::Failed)
            }
            TaskEventKind::Other(_) => return out,
        };
        let was = t.state;
        t.steps.push(Step {
            kind,
            at: now,
            node,
        });
        t.state = state;
        t.last_change = now;
        self.state_changed(&e.id, was, now, &mut out);
        out
    }

    /// A node's process ended or its heartbeats stopped: the tasks it held
    /// are orphaned until the broker's state is read. Returns their ids.
    pub fn node_died(&mut self, node: &str, now: Instant) -> Vec<String> {
        let mut held = Vec::new();
        for t in self.tasks.values_mut() {
            let holding = matches!(t.state, TaskState::Received | TaskState::Running);
            if holding && t.holder.as_deref() == Some(node) {
                t.state = TaskState::Orphaned;
                t.died_at = Some(now);
                t.last_change = now;
                t.steps.push(Step {
                    kind: StepKind::NodeDied,
                    at: now,
                    node: Some(node.to_string()),
                });
                held.push(t.id.clone());
            }
        }
        held.sort();
        held
    }

    pub fn has_orphans(&self) -> bool {
        self.tasks.values().any(|t| t.state == TaskState::Orphaned)
    }

    /// Decides each orphan from a reading of the broker taken after its
    /// node died: still unacknowledged or queued again, or lost.
    pub fn resolve_orphans(&mut self, g: &Gauges) -> Vec<ClusterEvent> {
        let mut out = Vec::new();
        if !g.tail_read {
            return out;
        }
        let ids: Vec<String> = self
            .tasks
            .values()
            .filter(|t| t.state == TaskState::Orphaned && t.died_at.is_some_and(|d| g.at > d))
            .map(|t| t.id.clone())
            .collect();
        for id in ids {
            let t = self.tasks.get_mut(&id).expect("listed above");
            let node = t.holder.clone().unwrap_or_default();
            let unacked = g.held.iter().find(|u| u.id == id);
            let (kind, state) = if let Some(u) = unacked {
                t.taken_epoch = u.since_epoch;
                let due_in = u.since_epoch.map(|s| {
                    let due = s + self.visibility_timeout.as_secs_f64();
                    Duration::from_secs_f64((due - epoch_now()).max(0.0))
                });
                out.push(ClusterEvent::TaskAwaitingRedelivery {
                    id: id.clone(),
                    node,
                    due_in,
                });
                (StepKind::Unacked, TaskState::AwaitingRedelivery)
            } else if g.tail.contains(&id) {
                // Put back on the queue (a warm shutdown restores what it
                // had not started): the next free node takes it.
                out.push(ClusterEvent::TaskAwaitingRedelivery {
                    id: id.clone(),
                    node,
                    due_in: Some(Duration::ZERO),
                });
                (StepKind::Unacked, TaskState::AwaitingRedelivery)
            } else {
                out.push(ClusterEvent::TaskLost {
                    id: id.clone(),
                    node,
                });
                (StepKind::Lost, TaskState::Lost)
            };
            t.steps.push(Step {
                kind,
                at: g.at,
                node: None,
            });
            let was = t.state;
            t.state = state;
            t.last_change = g.at;
            self.state_changed(&id, was, g.at, &mut out);
        }
        out
    }

    /// The lab's own broker ended: what waited in its queue is gone.
    pub fn queue_lost(&mut self, now: Instant) -> Vec<String> {
        let ids: Vec<String> = self
            .tasks
            .values()
            .filter(|t| matches!(t.state, TaskState::Queued | TaskState::AwaitingRedelivery))
            .map(|t| t.id.clone())
            .collect();
        let mut sink = Vec::new();
        for id in &ids {
            let t = self.tasks.get_mut(id).expect("listed above");
            let was = t.state;
            t.state = TaskState::Lost;
            t.last_change = now;
            t.steps.push(Step {
                kind: StepKind::Lost,
                at: now,
                node: None,
            });
            self.state_changed(id, was, now, &mut sink);
        }
        let mut ids = ids;
        ids.sort();
        ids
    }

    /// Keeps batch counts and the list of ended tasks in step with a
    /// change of state, reporting a batch that is now done.
    fn state_changed(
        &mut self,
        id: &str,
        was: TaskState,
        now: Instant,
        out: &mut Vec<ClusterEvent>,
    ) {
        let Some(t) = self.tasks.get(id) else {
            return;
        };
        let (state, batch) = (t.state, t.batch);
        if was == state {
            return;
        }
        if state.ended() && !was.ended() {
            self.ended.push(id.to_string());
        }
        if let Some(b) = batch.and_then(|bid| self.batches.get_mut(&bid)) {
            let count = |s: TaskState, b: &mut Batch, by: isize| match s {
                TaskState::Succeeded => b.succeeded = b.succeeded.saturating_add_signed(by),
                TaskState::Failed => b.failed = b.failed.saturating_add_signed(by),
                TaskState::Lost => b.lost = b.lost.saturating_add_signed(by),
                _ => {}
            };
            count(was, b, -1);
            count(state, b, 1);
            // A batch is done once each of its tasks has ended once; a lost
            // task heard of again later does not open it again.
            if state.ended() && b.open.remove(id) && b.open.is_empty() {
                let bid = batch.expect("found by it");
                out.push(ClusterEvent::BatchDone {
                    batch: bid,
                    count: b.count,
                    wall: b
                        .started
                        .map(|s| now.saturating_duration_since(s))
                        .unwrap_or_default(),
                    succeeded: b.succeeded,
                    failed: b.failed,
                    lost: b.lost,
                });
                self.batches.remove(&bid);
            }
        }
        self.forget_old();
    }

    fn forget_old(&mut self) {
        if self.ended.len() <= ENDED_KEPT * 2 {
            return;
        }
        let drop: Vec<String> = self.ended.drain(..self.ended.len() - ENDED_KEPT).collect();
        for id in drop {
            if self.tasks.get(&id).is_some_and(|t| t.state.ended()) {
                self.tasks.remove(&id);
            }
        }
    }
}

#[cfg(test)]
#[path = "tasks_tests.rs"]
mod tests;
