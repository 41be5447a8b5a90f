//! The parent's account of one run: which chunks completed, in what order
//! their results reached the caller (as the method decides), which were
//! lost, and where the time went.
//!
//! It learns everything from the shared section without a lock: the
//! completion log says which chunks completed and in what order; chunk
//! records say who did them and when; pool places say who works on what now.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::lanes::Lanes;
use super::shared::{DONE, PoolShared, TAKEN, split_chunk_word};
use super::spec::{JobSpec, Method};
use super::record::{Outcome, RunRecord, RunStats};

const PENDING: u8 = 0;
const COMPLETE: u8 = 1;
const LOST: u8 = 2;
const FAILED: u8 = 3;

/// Where a chunk is, as far as the parent knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkState {
    /// Queued, or taken and not finished.
    Pending,
    /// Its results are in.
    Complete,
    /// Lost with the worker that held it.
    Lost,
    /// Failed with a broken executor.
    Failed,
}

/// A chunk in progress now.
#[derive(Debug, Clone, Copy)]
pub struct InFlight {
    pub place: usize,
    pub serial: u32,
    pub chunk: u32,
    pub progress: u32,
    pub start_us: u64,
}

pub struct Run {
    pub number: u32,
    pub job: u32,
    pub spec: JobSpec,
    pub chunksize: u32,
    pub n_chunks: u32,
    pub t0_ns: u64,
    state: Vec<u8>,
    owner: Vec<u32>,
    /// Completion-log entries read so far.
    read: usize,
    /// Entries passed over unwritten after a death, to look at again.
    holes: Vec<usize>,
    /// Chunks in the order they completed.
    arrivals: Vec<u32>,
    /// Chunks in the order their results reached the caller.
    delivered: Vec<u32>,
    /// Ordered methods: the next chunk the caller is waiting for.
    next_ordered: u32,
    pub done_items: u32,
    delivered_items: u32,
    lost: Vec<u32>,
    failed_items: u32,
    pub outcome: Outcome,
    end_us: Option<u64>,
    /// The latest start of a chunk seen: the queue ran dry no earlier.
    last_start_us: u64,
    last_end_us: u64,
    pub lanes: Lanes,
    /// Delivered chunks handed to a consumer so far.
    consumed: usize,
    /// A worker died during the run: look for chunks it took unseen.
    pub had_death: bool,
    /// Exact time inside chunks, summed over the run's workers; kept up to
    /// date by the controller at each look, and final once the run ends.
    pub busy_ns: u64,
    /// The part of it from workers that ended during the run.
    pub busy_ended_ns: u64,
    orphans_suspected: bool,
    serials: HashSet<u32>,
}

impl Run {
    pub fn new(number: u32, job: u32, spec: JobSpec, t0_ns: u64) -> Run {
        let n = spec.n_chunks();
        Run {
            number,
            job,
            spec,
            chunksize: spec.chunksize(),
            n_chunks: n,
            t0_ns,
            state: vec![PENDING; n as usize],
            owner: vec![0; n as usize],
            read: 0,
            holes: Vec::new(),
            arrivals: Vec::new(),
            delivered: Vec::new(),
            next_ordered: 0,
            done_items: 0,
            delivered_items: 0,
            lost: Vec::new(),
            failed_items: 0,
            outcome: Outcome::Running,
            end_us: None,
            last_start_us: 0,
            last_end_us: 0,
            lanes: Lanes::new(spec.workers as usize),
            consumed: 0,
            had_death: false,
            busy_ns: 0,
            busy_ended_ns: 0,
            orphans_suspected: false,
            serials: HashSet::new(),
        }
    }

    pub fn us(&self, ns: u64) -> u64 {
        ns.saturating_sub(self.t0_ns) / 1_000
    }

    /// Completion-log entries read so far.
    pub fn read(&self) -> usize {
        self.read
    }

    pub fn is_running(&self) -> bool {
        self.outcome == Outcome::Running
    }

    pub fn items_of(&self, chunk: u32) -> Range<u32> {
        self.spec.chunk_items(chunk)
    }

    /// The chunk an item is in.
    pub fn chunk_of(&self, item: u32) -> u32 {
        item / self.chunksize
    }

    /// Where a chunk is, as far as the parent knows.
    pub fn chunk_state(&self, chunk: u32) -> ChunkState {
        match self.state.get(chunk as usize).copied().unwrap_or(PENDING) {
            COMPLETE => ChunkState::Complete,
            LOST => ChunkState::Lost,
            FAILED => ChunkState::Failed,
            _ => ChunkState::Pending,
        }
    }

    /// The worker that did (or holds) a chunk (0: none yet).
    pub fn owner(&self, chunk: u32) -> u32 {
        self.owner.get(chunk as usize).copied().unwrap_or(0)
    }

    /// Chunks in the order their results reached the caller.
    pub fn delivered(&self) -> &[u32] {
        &self.delivered
    }

    /// Items whose results reached the caller.
    pub fn delivered_items(&self) -> u32 {
        self.delivered_items
    }

    /// Ordered methods: the next chunk the caller is waiting for.
    pub fn next_ordered(&self) -> u32 {
        self.next_ordered
    }

    /// Chunks lost with their workers.
    pub fn lost_chunks(&self) -> &[u32] {
        &self.lost
    }

    /// Microseconds since the run started, up to its end.
    pub fn until_us(&self, now_ns: u64) -> u64 {
        self.end_us.unwrap_or(self.us(now_ns))
    }

    /// Reads chunks completed since the last look. Returns whether any were.
    pub fn absorb(&mut self, pool: &PoolShared<'_>) -> bool {
        let available = (pool.header.progress.0.done_chunks.load(Ordering::Acquire) as usize)
            .min(pool.order.len());
        let before = self.arrivals.len();
        let job = self.job;
        let written = |i: usize| {
            let w = pool.order[i].load(Ordering::Acquire);
            ((w >> 32) as u32 == job && w as u32 != 0).then(|| w as u32 - 1)
        };
        while self.read < available {
            match written(self.read) {
                Some(chunk) => self.complete(pool, chunk),
                // Taken but not written yet: a worker is between its two
                // steps. After a death it may never be written (the worker
                // died there), so look past it and come back to it.
                None if self.had_death => self.holes.push(self.read),
                None => break,
            }
            self.read += 1;
        }
        let holes = std::mem::take(&mut self.holes);
        for i in holes {
            match written(i) {
                Some(chunk) => self.complete(pool, chunk),
                None => self.holes.push(i),
            }
        }
        self.arrivals.len() > before
    }

    /// Takes in one completed chunk from its record.
    fn complete(&mut self, pool: &PoolShared<'_>, chunk: u32) {
        if chunk >= self.n_chunks || self.state[chunk as usize] == COMPLETE {
            return;
        }
        let rec = &pool.chunks[chunk as usize];
        let (_, _, serial) = split_chunk_word(rec.state.load(Ordering::Acquire));
        let start = u64::from(rec.start_us.load(Ordering::Relaxed));
        let end = u64::from(rec.end_us.load(Ordering::Relaxed)).max(start);
        let place = rec.place.load(Ordering::Relaxed) as usize;
        self.lanes.add_busy(place, start..end);
        self.serials.insert(serial);
        self.last_start_us = self.last_start_us.max(start);
        self.last_end_us = self.last_end_us.max(end);
        let c = chunk as usize;
        if self.state[c] == LOST {
            // Counted lost too early (a live worker had just claimed it).
            self.lost.retain(|&l| l != chunk);
        }
        self.state[c] = COMPLETE;
        self.owner[c] = serial;
        self.done_items += self.items_of(chunk).len() as u32;
        self.arrivals.push(chunk);
        self.deliver(chunk);
    }

    /// Hands results to the caller as the method does.
    fn deliver(&mut self, chunk: u32) {
        match self.spec.method {
            Method::Map => {
                if self.done_items == self.spec.items {
                    for c in 0..self.n_chunks {
                        self.push_delivered(c);
                    }
                }
            }
            Method::Imap => {
                while self.next_ordered < self.n_chunks
                    && self.state[self.next_ordered as usize] == COMPLETE
                {
                    self.push_delivered(self.next_ordered);
                    self.next_ordered += 1;
                }
            }
            _ => self.push_delivered(chunk),
        }
    }

    fn push_delivered(&mut self, chunk: u32) {
        self.delivered.push(chunk);
        self.delivered_items += self.items_of(chunk).len() as u32;
    }

    /// The chunk `chunk` died with worker `serial`.
    pub fn mark_lost(&mut self, chunk: u32, serial: u32) {
        let c = chunk as usize;
        if c < self.state.len() && self.state[c] == PENDING {
            self.state[c] = LOST;
            self.owner[c] = serial;
            self.lost.push(chunk);
        }
    }

    /// After a death, chunks that were claimed but that no live worker holds
    /// and that never completed were taken by the dead worker before it said
    /// so. Seen twice in a row before they are counted lost, since a live
    /// worker may be between its claim and its record.
    pub fn look_for_orphans(
        &mut self,
        pool: &PoolShared<'_>,
        in_flight: &[InFlight],
        anyone_busy: bool,
    ) {
        if !self.had_death || !self.is_running() {
            return;
        }
        let (job, next) = pool.claim();
        let all_claimed = job == self.job && next >= self.n_chunks;
        if !all_claimed || anyone_busy || !in_flight.is_empty() {
            self.orphans_suspected = false;
            return;
        }
        if !self.orphans_suspected {
            self.orphans_suspected = true;
            return;
        }
        for c in 0..self.n_chunks {
            if self.state[c as usize] != PENDING {
                continue;
            }
            let (j, status, serial) =
                split_chunk_word(pool.chunks[c as usize].state.load(Ordering::Acquire));
            match (j == self.job, status) {
                // Its worker finished it and died before logging it: the
                // results are there.
                (true, DONE) => self.complete(pool, c),
                (true, TAKEN) => self.mark_lost(c, serial),
                _ => self.mark_lost(c, 0),
            }
        }
    }

    /// Ends the run if it is over. Returns true when it just ended.
    pub fn settle(&mut self) -> bool {
        if !self.is_running() {
            return false;
        }
        if self.done_items >= self.spec.items {
            self.outcome = Outcome::Done;
        } else if self.arrivals.len() + self.lost.len() >= self.n_chunks as usize {
            self.outcome = Outcome::Hung;
        } else {
            return false;
        }
        self.end_us = Some(self.last_end_us);
        true
    }

    /// A `ProcessPoolExecutor` broke at `now_us`: every future not done raises.
    pub fn break_all(&mut self, now_us: u64) {
        if !self.is_running() {
            return;
        }
        for c in 0..self.n_chunks {
            if self.state[c as usize] == PENDING {
                self.state[c as usize] = FAILED;
                self.failed_items += self.items_of(c).len() as u32;
            }
        }
        self.outcome = Outcome::Broken;
        self.end_us = Some(now_us.max(self.last_end_us));
    }

    /// `pool.terminate()` at `now_us`: the run stops where it is; what the
    /// caller has is all it gets.
    pub fn terminate(&mut self, now_us: u64) {
        if !self.is_running() {
            return;
        }
        self.outcome = Outcome::Terminated;
        self.end_us = Some(now_us.max(self.last_end_us));
    }

    pub fn failed_items(&self) -> u32 {
        self.failed_items
    }

    pub fn lost_items(&self) -> u32 {
        self.lost
            .iter()
            .map(|&c| self.items_of(c).len() as u32)
            .sum()
    }

    /// Lost items as ranges, in item order, neighbours merged.
    pub fn lost_ranges(&self) -> Vec<Range<u32>> {
        let mut chunks = self.lost.clone();
        chunks.sort_unstable();
        let mut out: Vec<Range<u32>> = Vec::new();
        for c in chunks {
            let r = self.items_of(c);
            match out.last_mut() {
                Some(last) if last.end == r.start => last.end = r.end,
                _ => out.push(r),
            }
        }
        out
    }

    /// Moves results delivered since the last call into `out` as
    /// `(item, result)`, in the order the caller receives them.
    pub fn drain(&mut self, pool: &PoolShared<'_>, out: &mut Vec<(u32, u64)>) -> usize {
        let before = out.len();
        while self.consumed < self.delivered.len() {
            let c = self.delivered[self.consumed];
            self.consumed += 1;
            for i in self.items_of(c) {
                out.push((i, pool.results[i as usize].load(Ordering::Relaxed)));
            }
        }
        out.len() - before
    }

    /// Chunks delivered to the caller and not drained yet.
    pub fn undrained(&self) -> usize {
        self.delivered.len() - self.consumed
    }

    /// Every result in item order, once the run is done.
    pub fn results(&self, pool: &PoolShared<'_>) -> Option<Vec<u64>> {
        (self.outcome == Outcome::Done).then(|| {
            pool.results[..self.spec.items as usize]
                .iter()
                .map(|r| r.load(Ordering::Relaxed))
                .collect()
        })
    }

    /// Where the time went, up to `now_us` while running.
    pub fn stats(&self, now_us: u64, in_flight: &[InFlight]) -> RunStats {
        let end = self.end_us.unwrap_or(now_us);
        let whole = 0..end;
        let mut busy = self.busy_ns / 1_000;
        for f in in_flight {
            busy += end.saturating_sub(f.start_us);
        }
        // The queue ran dry when the last chunk was claimed.
        let all_claimed = !self.is_running()
            || self.arrivals.len() + self.lost.len() + in_flight.len() >= self.n_chunks as usize;
        let queue_dry = if all_claimed {
            in_flight
                .iter()
                .map(|f| f.start_us)
                .fold(self.last_start_us, u64::max)
                .min(end)
        } else {
            end
        };
        let mut alive = 0;
        let mut init = 0;
        let mut starved = 0;
        for l in &self.lanes.lives {
            let life = l.from_us..l.to_us.unwrap_or(end).min(end);
            alive += overlap(&life, &whole);
            let init_here = l.init.as_ref().map_or(0, |i| overlap(i, &life));
            init += init_here;
            let tail = queue_dry..end;
            let tail_alive = overlap(&life, &tail);
            let tail_init = l.init.as_ref().map_or(0, |i| overlap(i, &tail));
            let place_end = self.lanes.last_end_us.get(l.place).copied().unwrap_or(0);
            let running_end = in_flight
                .iter()
                .filter(|f| f.place == l.place)
                .map(|_| end)
                .max()
                .unwrap_or(0);
            let tail_busy = overlap(&(queue_dry..place_end.max(running_end)), &life);
            starved += tail_alive.saturating_sub(tail_busy + tail_init);
        }
        let idle = alive.saturating_sub(busy + init);
        let waited = idle.saturating_sub(starved);
        let wall = Duration::from_micros(end);
        let items = if self.is_running() {
            self.done_items
        } else {
            self.delivered_items.max(self.done_items)
        };
        RunStats {
            wall,
            items_per_s: if end > 0 {
                f64::from(items) / wall.as_secs_f64()
            } else {
                0.0
            },
            busy: Duration::from_micros(busy),
            waited: Duration::from_micros(waited),
            starved: Duration::from_micros(starved.min(idle)),
            init: Duration::from_micros(init),
        }
    }

    pub fn record(&self, processes: u32) -> RunRecord {
        RunRecord {
            number: self.number,
            spec: self.spec,
            chunksize: self.chunksize,
            outcome: self.outcome,
            stats: self.stats(self.end_us.unwrap_or(0), &[]),
            lost_items: self.lost_items(),
            failed_items: self.failed_items,
            processes: processes.max(self.serials.len() as u32),
        }
    }

}

fn overlap(a: &Range<u64>, b: &Range<u64>) -> u64 {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// Chunks in progress now, from the pool places.
pub fn in_flight(pool: &PoolShared<'_>, job: u32, places: usize) -> Vec<InFlight> {
    let mut out = Vec::new();
    for (place, pos) in pool.header.positions.iter().enumerate().take(places) {
        let current = pos.current.load(Ordering::Acquire);
        if current == 0 {
            continue;
        }
        let chunk = current - 1;
        let Some(rec) = pool.chunks.get(chunk as usize) else {
            continue;
        };
        let (j, status, serial) = split_chunk_word(rec.state.load(Ordering::Acquire));
        if j != job || status != TAKEN {
            continue;
        }
        out.push(InFlight {
            place,
            serial,
            chunk,
            progress: rec.progress.load(Ordering::Relaxed),
            start_us: u64::from(rec.start_us.load(Ordering::Relaxed)),
        });
    }
    out
}
