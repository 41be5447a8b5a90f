//! The pool lab's view model: what the grid, the lanes, the result order
//! and the run table show, built at each look from the engine's account of
//! the run ([`RunNow`]), or by hand in tests.

use std::ops::Range;
use std::time::Duration;

use crate::lab::pool::lanes::{Lanes, Life};
use crate::lab::pool::{
    ChunkState, InFlight, JobSpec, Method, Outcome, PoolInfo, PoolLab, Run, RunNow, RunRecord,
    RunStats,
};
use crate::lab::Lab;

/// The most cells the item grid is reduced to; a job with more items shows
/// several items per cell.
pub const MAX_CELLS: usize = 4096;
/// Columns of time in each lane.
pub const LANE_COLUMNS: usize = 160;
/// Arrivals kept for the result-order line.
pub const ARRIVALS_SHOWN: usize = 24;

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

/// Everything the pool panel shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolView {
    pub pool: Option<PoolInfo>,
    pub run: Option<RunView>,
    /// Finished runs, oldest first.
    pub history: Vec<RunRecord>,
}

impl PoolView {
    /// What the panel shows of the pool now.
    pub fn of(pool: &PoolLab, lab: &Lab) -> PoolView {
        PoolView {
            pool: pool.info(),
            run: pool.run_now(lab).map(|now| RunView::of(&now)),
            history: pool.history().to_vec(),
        }
    }
}

/// Whether an item of a completed chunk is at the caller yet: `map` gives
/// every result at once, `imap` in order, the others as they come.
fn delivered_chunk(run: &Run, chunk: u32) -> bool {
    match run.spec.method {
        Method::Map => run.delivered_items() >= run.spec.items,
        Method::Imap => chunk < run.next_ordered(),
        _ => true,
    }
}

fn item_cell(run: &Run, item: u32, in_flight: &[InFlight]) -> Cell {
    let c = run.chunk_of(item);
    let serial = run.owner(c);
    let state = match run.chunk_state(c) {
        ChunkState::Complete if delivered_chunk(run, c) => CellState::Delivered,
        ChunkState::Complete => CellState::Held,
        ChunkState::Lost => CellState::Lost,
        ChunkState::Failed => CellState::Failed,
        ChunkState::Pending => {
            return match in_flight.iter().find(|f| f.chunk == c) {
                Some(f) => {
                    let k = item - run.items_of(c).start;
                    let state = if k < f.progress {
                        CellState::Held
                    } else if k == f.progress {
                        CellState::Running
                    } else {
                        CellState::Taken
                    };
                    Cell {
                        state,
                        serial: f.serial,
                    }
                }
                None => Cell {
                    state: CellState::Queued,
                    serial: 0,
                },
            };
        }
    };
    Cell { state, serial }
}

/// The item an ordered method's caller is blocked on, while it runs.
fn awaited(run: &Run, in_flight: &[InFlight]) -> Option<Awaited> {
    if !run.spec.method.ordered() || run.outcome == Outcome::Done {
        return None;
    }
    let chunk = (run.next_ordered()..run.n_chunks)
        .find(|&c| run.chunk_state(c) != ChunkState::Complete)?;
    let start = run.items_of(chunk).start;
    let (item, serial) = match in_flight.iter().find(|f| f.chunk == chunk) {
        Some(f) => (start + f.progress, f.serial),
        None => (start, run.owner(chunk)),
    };
    Some(Awaited {
        item: item.min(run.spec.items.saturating_sub(1)),
        serial,
        behind: run.done_items - run.delivered_items(),
    })
}

impl RunView {
    /// What the panel shows of a run now.
    pub fn of(now: &RunNow<'_>) -> RunView {
        let run = now.run;
        let in_flight = &now.in_flight;
        let now_us = run.until_us(now.now_ns);
        let items = run.spec.items;
        let per_cell = items.div_ceil(MAX_CELLS as u32).max(1);
        let mut cells: Vec<Cell> = (0..items.div_ceil(per_cell))
            .map(|k| item_cell(run, k * per_cell, in_flight))
            .collect();
        // A loss is never hidden by a cell's first item.
        for &c in run.lost_chunks() {
            let r = run.items_of(c);
            for k in r.start / per_cell..r.end.div_ceil(per_cell) {
                if let Some(cell) = cells.get_mut(k as usize) {
                    cell.state = CellState::Lost;
                    cell.serial = run.owner(c);
                }
            }
        }
        let queued = if run.is_running() {
            run.n_chunks - now.claimed
        } else {
            0
        };
        let running: Vec<(usize, u64)> = in_flight.iter().map(|f| (f.place, f.start_us)).collect();
        let span = now_us.max(1);
        let lanes = draw(&run.lanes, span, LANE_COLUMNS, now_us, &running, &now.current);
        let mut arrivals: Vec<Arrival> = Vec::new();
        let delivered = run.delivered();
        let from = delivered.len().saturating_sub(ARRIVALS_SHOWN * 4);
        for &c in &delivered[from..] {
            let r = run.items_of(c);
            let serial = run.owner(c);
            match arrivals.last_mut() {
                Some(last) if last.items.end == r.start && last.serial == serial => {
                    last.items.end = r.end
                }
                _ => arrivals.push(Arrival { items: r, serial }),
            }
        }
        let skip = arrivals.len().saturating_sub(ARRIVALS_SHOWN);
        arrivals.drain(..skip);
        RunView {
            number: run.number,
            spec: run.spec,
            chunksize: run.chunksize,
            n_chunks: run.n_chunks,
            outcome: run.outcome,
            cells,
            items_per_cell: per_cell,
            queued_chunks: queued,
            lanes,
            lane_span: Duration::from_micros(span),
            done_items: run.done_items,
            delivered_items: run.delivered_items(),
            lost_items: run.lost_items(),
            failed_items: run.failed_items(),
            awaited: awaited(run, in_flight),
            arrivals,
            lost: run.lost_ranges(),
            stats: run.stats(now_us, if run.is_running() { in_flight } else { &[] }),
        }
    }
}

fn overlap(a: &Range<u64>, b: &Range<u64>) -> u64 {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// Draws every place of `lanes` over `0..span_us` in `columns` columns.
/// `running` lists chunks in progress now: `(place, start_us)`; `current`
/// the process in each place now.
pub fn draw(
lanes: &Lanes,
    span_us: u64,
    columns: usize,
    now_us: u64,
    running: &[(usize, u64)],
    current: &[u32],
) -> Vec<Lane> {
    let span_us = span_us.max(1);
    let col = |c: usize| {
        (c as u64 * span_us / columns as u64)..((c as u64 + 1) * span_us / columns as u64)
    };
    (0..lanes.places())
        .map(|place| {
            let mut lives: Vec<&Life> =
                lanes.lives.iter().filter(|l| l.place == place).collect();
            lives.sort_by_key(|l| l.from_us);
            let owners = lives
                .iter()
                .map(|l| Owner {
                    column: (((l.from_us * columns as u64) / span_us) as usize)
                        .min(columns.saturating_sub(1)),
                    serial: l.serial,
                    fresh: l.from_us > 0,
                })
                .collect();
            let marks = (0..columns)
                .map(|c| {
                    let r = col(c);
                    let width = (r.end - r.start).max(1);
                    let mut alive = 0;
                    let mut init = 0;
                    for l in &lives {
                        let life = l.from_us..l.to_us.unwrap_or(now_us);
                        alive += overlap(&life, &r);
                        if let Some(i) = &l.init {
                            init += overlap(i, &r);
                        }
                    }
                    let mut busy = lanes.busy_within(place, &r);
                    for (p, start) in running {
                        if *p == place {
                            busy += overlap(&(*start..now_us), &r);
                        }
                    }
                    if alive * 2 < width && busy == 0 {
                        Mark::Absent
                    } else if init * 2 >= width {
                        Mark::Init
                    } else if busy * 16 < width {
                        Mark::Idle
                    } else {
                        Mark::Busy(((busy * 8).div_ceil(width)).clamp(1, 8) as u8)
                    }
                })
                .collect();
            Lane {
                place,
                serial: current.get(place).copied().unwrap_or(0),
                marks,
                owners,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_time_lands_in_its_columns() {
        let mut lanes = Lanes::new(2);
        lanes.begin_life(0, 1, 0);
        lanes.begin_life(1, 2, 0);
        lanes.add_busy(0, 0..50_000);
        lanes.add_busy(1, 50_000..100_000);
        let drawn = draw(&lanes, 100_000, 4, 100_000, &[], &[1, 2]);
        assert_eq!(
            drawn[0].marks,
            vec![Mark::Busy(8), Mark::Busy(8), Mark::Idle, Mark::Idle]
        );
        assert_eq!(
            drawn[1].marks,
            vec![Mark::Idle, Mark::Idle, Mark::Busy(8), Mark::Busy(8)]
        );
        assert_eq!(lanes.busy_us, vec![50_000, 50_000]);
    }

    #[test]
    fn a_long_run_keeps_its_totals_in_the_columns() {
        let mut lanes = Lanes::new(1);
        lanes.begin_life(0, 1, 0);
        lanes.add_busy(0, 0..1_000);
        lanes.add_busy(0, 9_000_000..10_000_000);
        assert_eq!(lanes.busy_us[0], 1_001_000);
        let drawn = draw(&lanes, 10_000_000, 10, 10_000_000, &[], &[1]);
        assert_eq!(drawn[0].marks[9], Mark::Busy(8));
        assert_eq!(drawn[0].marks[5], Mark::Idle);
    }

    #[test]
    fn a_replacement_shows_where_it_came_in() {
        let mut lanes = Lanes::new(1);
        lanes.begin_life(0, 1, 0);
        lanes.end_life(1, 40_000);
        lanes.begin_life(0, 3, 60_000);
        lanes.set_init(3, 60_000..80_000);
        let drawn = draw(&lanes, 100_000, 10, 100_000, &[(0, 90_000)], &[3]);
        let m = &drawn[0].marks;
        assert_eq!(m[0], Mark::Idle);
        assert_eq!(m[4], Mark::Absent);
        assert_eq!(m[6], Mark::Init);
        assert_eq!(m[9], Mark::Busy(8));
        assert_eq!(
            drawn[0].owners,
            vec![
                Owner {
                    column: 0,
                    serial: 1,
                    fresh: false
                },
                Owner {
                    column: 6,
                    serial: 3,
                    fresh: true
                }
            ]
        );
        assert_eq!(drawn[0].owner_at(3), 1);
        assert_eq!(drawn[0].owner_at(8), 3);
    }
}
