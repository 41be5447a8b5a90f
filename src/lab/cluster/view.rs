//! Plain copies of the cluster's state for display, built by
//! [`super::ClusterLab::view`] at each look (or by hand in tests).

use std::path::PathBuf;
use std::time::Duration;

use super::node::{NodeId, Stop};
use super::nodes::NodeLife;
use super::settings::TaskKind;
use super::pool_run::PoolRow;
use super::speedup::{Overhead, SpeedupRow};
use super::tasks::{StepKind, TaskState};
use crate::metrics::ProcLoad;

/// Tasks whose path is shown.
pub const RECENT_SHOWN: usize = 8;
/// Lost or redelivered tasks listed, the latest.
pub const FATES_SHOWN: usize = 20;

/// Where the broker is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerState {
    /// Not answered yet.
    Starting,
    Up,
    /// Does not answer; looked for again every half second.
    Down {
        reason: String,
    },
    /// The lab's own redis-server ended (`R` starts it again).
    Exited {
        code: i32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerView {
    /// `redis://127.0.0.1:PORT/0`.
    pub url: String,
    /// Started by the lab (else given with `--broker`, and never stopped).
    pub own: bool,
    pub pid: Option<u32>,
    pub state: BrokerState,
    /// The command line of the lab's own server.
    pub shell_line: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    /// `node2@host`.
    pub name: String,
    /// The lab's number for a node it started.
    pub id: Option<NodeId>,
    pub local: bool,
    /// Its main process (on its own machine, for a node of another).
    pub pid: Option<u32>,
    pub life: NodeLife,
    /// How proclab stopped it, if it did.
    pub stop: Option<Stop>,
    pub exitcode: Option<i32>,
    /// Pool processes (from `stats`, or the lab's own setting).
    pub concurrency: Option<usize>,
    /// Its pool processes as `/proc` shows them (local nodes only).
    pub pool: Vec<ProcLoad>,
    pub active: u32,
    pub processed: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub prefetch: Option<u64>,
    pub heartbeat_age: Option<Duration>,
    /// Tasks ended per second, recently.
    pub rate: f64,
    /// Tasks it has received and not finished.
    pub held: Vec<String>,
    /// The command that starts it (local nodes).
    pub shell_line: Option<String>,
}

/// One step of a task's path, timed from when it was sent (or first seen).
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    pub kind: StepKind,
    pub after: Duration,
    pub node: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskPath {
    pub id: String,
    pub name: String,
    pub args: String,
    pub state: TaskState,
    pub holder: Option<String>,
    pub steps: Vec<PathStep>,
    pub result: Option<String>,
    pub redeliveries: u32,
}

/// A task a dead node held, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fate {
    pub id: String,
    /// The node that held it when it died.
    pub node: String,
}

/// A message the broker holds unacknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct UnackedView {
    pub id: String,
    /// The node that received it, from events.
    pub holder: Option<String>,
    /// Until the broker's sweep may put it back on the queue.
    pub redelivery_in: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpeedupView {
    /// What the run under way is doing, in words.
    pub running: Option<String>,
    pub rows: Vec<SpeedupRow>,
    pub overhead: Option<Overhead>,
    /// The same batch with a `multiprocessing.Pool` on this machine, by
    /// row.
    pub pool: Vec<PoolRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterView {
    pub broker: BrokerView,
    /// LLEN of the queue, once read.
    pub depth: Option<u64>,
    pub unacked: Option<u64>,
    pub unacked_tasks: Vec<UnackedView>,
    pub nodes: Vec<NodeView>,
    /// Tasks ended per second, all nodes.
    pub rate: f64,
    /// Tasks running on a node now (started, not ended), from events.
    pub running: usize,
    pub recent: Vec<TaskPath>,
    pub lost: Vec<Fate>,
    pub awaiting: Vec<Fate>,
    pub redelivered: Vec<Fate>,
    pub acks_late: bool,
    /// Of new nodes.
    pub concurrency: usize,
    pub batch: usize,
    pub task: TaskKind,
    /// The Python line of a batch: `[count_primes.delay(300000) for _ in range(20)]`.
    pub batch_line: String,
    pub visibility_timeout: Duration,
    /// The tasks module, to copy to another machine.
    pub tasks_module: PathBuf,
    pub speedup: SpeedupView,
    /// Messages on the events channel that could not be read.
    pub garbled: u64,
}
