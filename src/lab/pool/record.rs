//! What a pool run did, as the engine accounts for it: how it ended, where
//! its time went, and the record of a finished run; and the pool as it
//! stands. The panel's view of a run is built from these, and from the
//! run's own account, on the UI side (`app::pool::view`).

use std::time::Duration;

use super::spec::{JobSpec, PoolConfig};

/// Past runs kept for the run table.
pub const RUNS_KEPT: usize = 12;

/// How a run ended, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Running,
    /// Every result reached the caller.
    Done,
    /// A `Pool` lost a task with its worker: in Python the call waits forever.
    Hung,
    /// A `ProcessPoolExecutor` lost a worker: every pending future raised
    /// `BrokenProcessPool`.
    Broken,
    /// `pool.terminate()` stopped it: the results never come.
    Terminated,
}

/// Time accounts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunStats {
    /// From submitting to the last result (or to now, while running).
    pub wall: Duration,
    pub items_per_s: f64,
    /// Workers' time inside chunks, summed.
    pub busy: Duration,
    /// Workers' idle time while tasks were still queued: dispatch, waking
    /// up, a retired worker's replacement starting.
    pub waited: Duration,
    /// Workers' idle time after the queue ran dry: the tail a big chunk or a
    /// heavy item leaves.
    pub starved: Duration,
    /// Time in the initializer within the run.
    pub init: Duration,
}

/// One finished run, for the run table.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub number: u32,
    pub spec: JobSpec,
    pub chunksize: u32,
    pub outcome: Outcome,
    pub stats: RunStats,
    pub lost_items: u32,
    pub failed_items: u32,
    /// Processes that served the run (replacements included).
    pub processes: u32,
}

/// The pool as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolInfo {
    pub config: PoolConfig,
    pub alive: u32,
    pub broken: bool,
}
