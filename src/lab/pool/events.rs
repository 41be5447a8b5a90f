//! What the pool reports: its errors, and the events the log tells.

use std::ops::Range;

use super::spec::{JobSpec, MAX_POOL_WORKERS, PoolConfig};
use super::record::RunRecord;
use crate::lab::locks::LockError;
use crate::lab::{LabError, WorkerId};

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("run {0} is still going: wait for it to finish before starting another")]
    Busy(u32),
    #[error(
        "{items} items do not fit: the pool's shared memory was sized for {capacity} (start proclab with --items {items})"
    )]
    TooManyItems { items: u32, capacity: usize },
    #[error("a pool needs 1 to {MAX_POOL_WORKERS} workers, not {0}")]
    Workers(u32),
    #[error("a job needs at least one item")]
    NoItems,
    #[error("no pool worker could be started: {0}")]
    Start(LabError),
    #[error("the pool's shared lock could not be set up: {0}")]
    Lock(#[from] LockError),
}

/// Something the pool did that the log should tell.
#[derive(Debug, Clone, PartialEq)]
pub enum PoolEvent {
    /// `Pool(W, ...)` or `ProcessPoolExecutor(W, ...)`: these workers started.
    PoolStarted {
        config: PoolConfig,
        workers: Vec<(WorkerId, u32)>,
    },
    /// `pool.close(); pool.join()`: these workers exited and were joined.
    PoolClosed {
        config: PoolConfig,
        joined: Vec<(WorkerId, i32)>,
    },
    /// `pool.terminate(); pool.join()`: every worker got SIGTERM at once
    /// and was joined; `run`, if one was going, stopped where it was.
    Terminated {
        config: PoolConfig,
        joined: Vec<(WorkerId, i32)>,
        run: Option<u32>,
    },
    RunStarted {
        number: u32,
        spec: JobSpec,
        chunksize: u32,
    },
    /// A worker did `maxtasksperchild` tasks, returned (exitcode 0) and was joined.
    Retired {
        id: WorkerId,
        pid: u32,
        serial: u32,
        tasks: u32,
    },
    /// A worker ended without being asked to, and was joined.
    Died {
        id: WorkerId,
        pid: u32,
        serial: u32,
        exitcode: i32,
        /// The items it held, lost with it.
        lost: Vec<Range<u32>>,
        executor: bool,
        /// A run was going when it died.
        during_run: bool,
    },
    /// A fresh worker took the place of one that ended.
    Replaced {
        id: WorkerId,
        pid: u32,
        serial: u32,
        /// The worker that ended, and its serial.
        replaced: WorkerId,
        after: u32,
    },
    /// The executor broke: the other workers were terminated and every
    /// pending future failed.
    Broken {
        terminated: Vec<WorkerId>,
        failed_items: u32,
    },
    /// A worker the pool terminated ended and was joined.
    Joined {
        id: WorkerId,
        exitcode: i32,
    },
    RunFinished(RunRecord),
    Error(String),
}
