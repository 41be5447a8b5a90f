//! Plain copies of the pool's state for display: what the grid, the lanes,
//! the result order and the run table show. Built by the controller at each
//! look, or by hand in tests.

use std::ops::Range;
use std::time::Duration;

use super::spec::{JobSpec, PoolConfig};

/// The most cells the item grid is reduced to; a job with more items shows
/// several items per cell.
pub const MAX_CELLS: usize = 4096;
/// Columns of time in each lane.
pub const LANE_COLUMNS: usize = 160;
/// Arrivals kept for the result-order line.
pub const ARRIVALS_SHOWN: usize = 24;
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
}

/// Where one item (or the first item of a cell) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellState {
    /// In the task queue.
    Queued,
    /// In a worker's chunk, not started.
    Taken,
    /// Being computed now.
    Running,
    /// Computed, but not at the caller yet (its chunk is still running, or
    /// an ordered method waits for an earlier item, or `map` waits for all).
    Held,
    /// Its result reached the caller.
    Delivered,
    /// Lost with the worker that held it.
    Lost,
    /// Its future raised `BrokenProcessPool`.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub state: CellState,
    /// The worker that took it (0: none).
    pub serial: u32,
}

/// One column of a worker lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// No process in this place.
    Absent,
    /// Alive with nothing to do.
    Idle,
    /// Running the initializer.
    Init,
    /// Busy for this many eighths of the column (1..=8).
    Busy(u8),
}

/// A process that held a lane's place from a column on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub column: usize,
    pub serial: u32,
    /// It started after the run did (a replacement, or a fresh pool).
    pub fresh: bool,
}

/// One place of the pool over the run's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub place: usize,
    /// The process in the place now (0: none).
    pub serial: u32,
    pub marks: Vec<Mark>,
    /// Who held the place, in time order.
    pub owners: Vec<Owner>,
}

impl Lane {
    /// The process that held the place at column `c`.
    pub fn owner_at(&self, c: usize) -> u32 {
        self.owners
            .iter()
            .rev()
            .find(|o| o.column <= c)
            .or(self.owners.first())
            .map_or(self.serial, |o| o.serial)
    }
}

/// A chunk's results reaching the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub items: Range<u32>,
    pub serial: u32,
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

/// The item an ordered method's caller waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Awaited {
    pub item: u32,
    /// The worker holding it (0: still queued).
    pub serial: u32,
    /// Results already computed that wait behind it.
    pub behind: u32,
}

/// The current (or last) run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub number: u32,
    pub spec: JobSpec,
    pub chunksize: u32,
    pub n_chunks: u32,
    pub outcome: Outcome,
    pub cells: Vec<Cell>,
    pub items_per_cell: u32,
    pub queued_chunks: u32,
    pub lanes: Vec<Lane>,
    /// Time the lanes' columns cover.
    pub lane_span: Duration,
    pub done_items: u32,
    pub delivered_items: u32,
    pub lost_items: u32,
    pub failed_items: u32,
    pub awaited: Option<Awaited>,
    /// The latest arrivals at the caller, oldest first.
    pub arrivals: Vec<Arrival>,
    pub lost: Vec<Range<u32>>,
    pub stats: RunStats,
}

/// The pool as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolInfo {
    pub config: PoolConfig,
    pub alive: u32,
    pub broken: bool,
}

/// Everything the pool panel shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolView {
    pub pool: Option<PoolInfo>,
    pub run: Option<RunView>,
    /// Finished runs, oldest first.
    pub history: Vec<RunRecord>,
}
