//! Building the [`ClusterView`] from the controller's state.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::controller::ClusterLab;
use super::node::LocalNode;
use super::tasks::{TaskRecord, TaskState};
use super::view::{
    BrokerView, ClusterView, FATES_SHOWN, Fate, NodeView, PathStep, RECENT_SHOWN, SpeedupView,
    TaskPath, UnackedView,
};

fn path_of(t: &TaskRecord) -> TaskPath {
    let first = t.steps.first().map(|s| s.at);
    TaskPath {
        id: t.id.clone(),
        name: t.name.clone(),
        args: t.args.clone(),
        state: t.state,
        holder: t.holder.clone(),
        steps: t
            .steps
            .iter()
            .map(|s| PathStep {
                kind: s.kind,
                after: first
                    .map(|f| s.at.saturating_duration_since(f))
                    .unwrap_or_default(),
                node: s.node.clone(),
            })
            .collect(),
        result: t.result.clone(),
        redeliveries: t.redeliveries,
    }
}

/// The node a dead node's task was held by: the node named in its last
/// "node died" step.
fn fate(t: &TaskRecord) -> Fate {
    let node = t
        .steps
        .iter()
        .rev()
        .find(|s| s.kind == super::tasks::StepKind::NodeDied)
        .and_then(|s| s.node.clone())
        .or_else(|| t.holder.clone())
        .unwrap_or_default();
    Fate {
        id: t.id.clone(),
        node,
    }
}

/// The latest `n` tasks matching `keep`, by their last change.
fn latest<'a>(
    tasks: impl Iterator<Item = &'a TaskRecord>,
    keep: impl Fn(&TaskRecord) -> bool,
    n: usize,
) -> Vec<&'a TaskRecord> {
    let mut picked: Vec<&TaskRecord> = tasks.filter(|t| keep(t)).collect();
    picked.sort_by_key(|t| std::cmp::Reverse(t.last_change));
    picked.truncate(n);
    picked
}

impl ClusterLab {
    /// A plain copy of everything shown.
    pub fn view(&self) -> ClusterView {
        let now = Instant::now();
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let nodes = self
            .node_book
            .all()
            .iter()
            .map(|r| {
                let local = self.nodes.iter().find(|n| n.name == r.name);
                let held: Vec<String> = {
                    let mut ids: Vec<&TaskRecord> = self
                        .book
                        .all()
                        .filter(|t| {
                            matches!(t.state, TaskState::Received | TaskState::Running)
                                && t.holder.as_deref() == Some(r.name.as_str())
                        })
                        .collect();
                    ids.sort_by_key(|t| t.last_change);
                    ids.into_iter().map(|t| t.id.clone()).collect()
                };
                NodeView {
                    name: r.name.clone(),
                    id: local.map(|n| n.id),
                    local: r.local,
                    pid: r.pid,
                    life: r.life,
                    stop: local.and_then(|n| n.stop),
                    exitcode: local.and_then(|n| n.process.exitcode()),
                    concurrency: r
                        .stats
                        .as_ref()
                        .and_then(|s| s.concurrency)
                        .or(local.map(|n| n.concurrency)),
                    pool: local
                        .and_then(|n| self.pool_loads.get(&n.id).cloned())
                        .unwrap_or_default(),
                    active: r.active,
                    processed: r.processed,
                    succeeded: r.succeeded,
                    failed: r.failed,
                    prefetch: r.stats.as_ref().and_then(|s| s.prefetch_count),
                    heartbeat_age: r.last_heartbeat.map(|b| now.saturating_duration_since(b)),
                    rate: r.rate(now),
                    held,
                    shell_line: local.map(|n| LocalNode::shell_line(&n.stem, n.concurrency)),
                }
            })
            .collect();
        let unacked_tasks = self
            .gauges
            .as_ref()
            .map(|g| {
                g.held
                    .iter()
                    .map(|u| UnackedView {
                        id: u.id.clone(),
                        holder: self.book.get(&u.id).and_then(|t| t.holder.clone()),
                        redelivery_in: u.since_epoch.map(|s| {
                            let due = s + self.settings.visibility_timeout.as_secs_f64();
                            Duration::from_secs_f64((due - epoch).max(0.0))
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let fates = |keep: &dyn Fn(&TaskRecord) -> bool| -> Vec<Fate> {
            latest(self.book.all(), keep, FATES_SHOWN)
                .into_iter()
                .map(fate)
                .collect()
        };
        ClusterView {
            broker: BrokerView {
                url: self.url.to_string(),
                own: self.broker.is_some(),
                pid: self.broker_pid(),
                state: self.broker_state.clone(),
                shell_line: self.broker_shell_line(),
            },
            depth: self.gauges.as_ref().map(|g| g.depth),
            unacked: self.gauges.as_ref().map(|g| g.unacked),
            unacked_tasks,
            nodes,
            rate: self.node_book.rate(now),
            running: self
                .book
                .all()
                .filter(|t| t.state == TaskState::Running)
                .count(),
            recent: latest(self.book.all(), |_| true, RECENT_SHOWN)
                .into_iter()
                .map(path_of)
                .collect(),
            lost: fates(&|t| t.state == TaskState::Lost),
            awaiting: fates(&|t| {
                matches!(t.state, TaskState::AwaitingRedelivery | TaskState::Orphaned)
            }),
            redelivered: fates(&|t| t.redeliveries > 0),
            acks_late: self.settings.acks_late,
            concurrency: self.settings.concurrency,
            batch: self.settings.batch,
            task: self.settings.task,
            batch_line: self
                .settings
                .task
                .batch_line(self.settings.acks_late, self.settings.batch),
            visibility_timeout: self.settings.visibility_timeout,
            tasks_module: self.dir.tasks_module(),
            speedup: SpeedupView {
                running: self.speedup.doing(),
                rows: self.speedup.rows.clone(),
                overhead: self.speedup.overhead.clone(),
                pool: self.speedup.pool.clone(),
            },
            garbled: self.garbled,
        }
    }
}
