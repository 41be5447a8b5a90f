//! What the cluster lab reports as it happens ([`ClusterEvent`]), each one
//! a plain value the app turns into a log line.

use std::time::Duration;

use super::link::BatchId;
use super::node::NodeId;
use super::settings::TaskKind;

/// How a local node came to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeEnd {
    /// After proclab's SIGTERM (`N`): a warm shutdown.
    Stopped,
    /// By proclab's SIGKILL (`k`).
    Killed,
    /// By something else: a signal from outside, or its own failure.
    FromOutside,
}

/// Something that happened in the cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterEvent {
    /// The lab's own redis-server was started (again).
    BrokerStarted {
        port: u16,
        pid: u32,
    },
    /// The broker answers.
    BrokerUp,
    /// The broker does not answer (it is retried every half second).
    BrokerDown {
        reason: String,
    },
    /// The lab's own redis-server ended; `R` starts it again. What was
    /// queued in it is gone with it (it keeps nothing on disk).
    BrokerExited {
        code: i32,
        /// Tasks that were waiting in its queue, now lost.
        lost: Vec<String>,
        log: String,
    },
    /// A local node was started (its process; it is online when it says so).
    NodeStarted {
        id: NodeId,
        name: String,
        pid: u32,
    },
    /// A node said `worker-online` (or was heard again after silence).
    NodeOnline {
        name: String,
        pid: Option<u32>,
        local: bool,
    },
    /// A node said `worker-offline`: a warm shutdown under way or done.
    NodeOffline {
        name: String,
    },
    /// A node of another machine stopped sending heartbeats (none for
    /// twice its heartbeat interval, Celery's own rule).
    NodeSilent {
        name: String,
        held: Vec<String>,
    },
    /// A local node's process ended.
    NodeExited {
        id: NodeId,
        name: String,
        pid: u32,
        exitcode: i32,
        how: NodeEnd,
        /// Tasks it had received and not finished.
        held: Vec<String>,
        /// The end of its log, when it ended by itself.
        log: String,
    },
    /// A batch is on the broker's queue.
    BatchSent {
        batch: BatchId,
        count: usize,
        /// How long the LPUSH took.
        took: Duration,
        python: String,
    },
    BatchNotSent {
        batch: BatchId,
        reason: String,
    },
    /// Every task of a batch has ended (or is lost).
    BatchDone {
        batch: BatchId,
        count: usize,
        /// From the first LPUSH to the last task's end.
        wall: Duration,
        succeeded: usize,
        failed: usize,
        lost: usize,
    },
    TaskFailed {
        id: String,
        node: String,
        exception: String,
    },
    /// A dead node held this task and the broker no longer has it: it was
    /// acknowledged before it ran (`acks_late` off) and will never run.
    TaskLost {
        id: String,
        node: String,
    },
    /// A dead node held this task unacknowledged: the broker gives it to
    /// another node once its visibility timeout has passed.
    TaskAwaitingRedelivery {
        id: String,
        node: String,
        /// Until the timeout passes, counted from when the node took it.
        due_in: Option<Duration>,
    },
    /// A task another node had received was received again.
    TaskRedelivered {
        id: String,
        from: String,
        to: String,
        /// Since the first node was found dead.
        after_death: Option<Duration>,
        /// Since the first node took it (what the visibility timeout counts).
        after_delivery: Option<Duration>,
    },
    /// A speedup run's no-op batch ended: what each task costs the broker
    /// and Celery before any work is done.
    OverheadMeasured {
        tasks: usize,
        wall: Duration,
        per_task: Duration,
    },
    /// A speedup run's batch ended on `nodes` nodes.
    SpeedupMeasured {
        nodes: usize,
        tasks: usize,
        wall: Duration,
        /// Over the run's first row.
        speedup: Option<f64>,
    },
    /// A speedup run's Pool peer ended: the same batch with
    /// `multiprocessing.Pool(processes)` on this machine.
    PoolMeasured {
        processes: usize,
        tasks: usize,
        wall: Duration,
        /// The task it ran, for its Python line.
        task: TaskKind,
    },
    /// A speedup run gave up (its nodes would not stay up).
    SpeedupStopped {
        reason: String,
    },
    /// A message on the events channel could not be read.
    Garbled {
        why: String,
    },
}
