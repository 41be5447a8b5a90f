//! The pool's section of the shared region: the job, its chunks, the
//! results and the order in which chunks completed.
//!
//! | part      | what                                                        |
//! | --------- | ----------------------------------------------------------- |
//! | header    | lock and condvars, the pool's settings, the job, the claim counter, one record per pool position |
//! | results   | one `u64` per item, written by the worker that computed it   |
//! | chunks    | one record per chunk: who took it, when, how far it got      |
//! | completed | chunk numbers in the order they completed                    |
//!
//! The fast path takes no lock and makes no system call: a worker claims a
//! chunk with one compare-and-swap on the claim counter, writes results in
//! place, and appends the chunk to the completion log with a `fetch_add`.
//! Locks and
//! condvars are only for sleeping: idle workers wait for a job, and the
//! parent, when it blocks, waits for results (workers wake it only when it
//! said it was waiting).
//!
//! Records carry the job number, so nothing needs clearing between jobs: a
//! record of an earlier job reads as "not yet".

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

use crate::lab::locks::{MutexGuard, RobustMutex, SharedCondvar, LockError};
use crate::lab::shm::Shared;

use super::spec::{HEAVY_FACTOR, JobSpec, MAX_POOL_WORKERS};

/// A value alone on its cache line, so workers that hammer one counter do
/// not slow down readers of the next.
#[repr(C, align(64))]
#[derive(Default)]
pub struct Line<T>(pub T);

/// What a pool position's process is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum PosState {
    /// No process has claimed it yet.
    Vacant = 0,
    /// Running the pool's initializer.
    Init = 1,
    /// Waiting for a task.
    Idle = 2,
    /// Working on a chunk.
    Busy = 3,
    /// Did its `maxtasksperchild` tasks and is exiting (exitcode 0).
    Retired = 4,
    /// Asked to exit by `pool.close()` and exiting.
    Closed = 5,
}

impl PosState {
    pub fn from_u32(v: u32) -> PosState {
        match v {
            1 => PosState::Init,
            2 => PosState::Idle,
            3 => PosState::Busy,
            4 => PosState::Retired,
            5 => PosState::Closed,
            _ => PosState::Vacant,
        }
    }
}

/// One place in the pool, taken by one process at a time.
#[repr(C, align(64))]
#[derive(Default)]
pub struct Position {
    /// The serial number of the process started for this place (0: none).
    pub want: AtomicU32,
    /// The pid of the process started for it, written by the parent as soon
    /// as the process exists; the process looks for its own pid here.
    pub pid: AtomicU32,
    /// The serial number of the process that claimed it (0: unclaimed).
    pub serial: AtomicU32,
    /// A [`PosState`].
    pub state: AtomicU32,
    /// The chunk being worked on, plus one (0: none).
    pub current: AtomicU32,
    /// Tasks (chunks) done by the current process.
    pub tasks: AtomicU32,
    /// Items done by the current process.
    pub items: AtomicU64,
    /// Monotonic ns when its initializer began and ended.
    pub init_start_ns: AtomicU64,
    pub init_end_ns: AtomicU64,
    /// Nanoseconds the current process spent inside chunks, exactly (chunk
    /// records keep microseconds, too coarse to add up trivial items).
    pub busy_ns: AtomicU64,
}

impl Position {
    pub fn state(&self) -> PosState {
        PosState::from_u32(self.state.load(Ordering::Acquire))
    }

    pub fn set_state(&self, s: PosState) {
        self.state.store(s as u32, Ordering::Release);
    }

    /// Clears the place and asks for a process with serial `serial`.
    pub fn reset_for(&self, serial: u32) {
        self.serial.store(0, Ordering::Relaxed);
        self.pid.store(0, Ordering::Relaxed);
        self.current.store(0, Ordering::Relaxed);
        self.tasks.store(0, Ordering::Relaxed);
        self.items.store(0, Ordering::Relaxed);
        self.init_start_ns.store(0, Ordering::Relaxed);
        self.init_end_ns.store(0, Ordering::Relaxed);
        self.busy_ns.store(0, Ordering::Relaxed);
        self.state.store(PosState::Vacant as u32, Ordering::Relaxed);
        self.want.store(serial, Ordering::Release);
    }
}

/// The job, written by the parent while no worker is inside a chunk, then
/// published by the claim counter.
#[repr(C)]
#[derive(Default)]
pub struct JobWords {
    /// The job these words describe (0: none).
    pub job: AtomicU32,
    pub items: AtomicU32,
    pub chunksize: AtomicU32,
    pub n_chunks: AtomicU32,
    pub heavy_start: AtomicU32,
    pub heavy_end: AtomicU32,
    pub heavy_factor: AtomicU32,
    _pad: AtomicU32,
    /// Busy-loop turns of one ordinary item.
    pub item_iters: AtomicU64,
    /// Monotonic ns at which the job was posted; chunk times count from it.
    pub t0_ns: AtomicU64,
}

/// Counters every worker bumps as chunks complete.
#[repr(C)]
#[derive(Default)]
pub struct Progress {
    pub done_items: AtomicU32,
    /// Entries taken in the completion log.
    pub done_chunks: AtomicU32,
    /// The parent sleeps on `done_cond` and wants to be woken.
    pub parent_waiting: AtomicU32,
}

#[repr(C)]
pub struct Header {
    pub lock: RobustMutex,
    /// Idle workers wait here for a job or for `close`.
    pub job_cond: SharedCondvar,
    /// The parent waits here for results.
    pub done_cond: SharedCondvar,
    /// Items the section has room for.
    pub capacity: AtomicU32,
    /// `maxtasksperchild` (0: None).
    pub maxtasks: AtomicU32,
    /// Busy-loop turns of the initializer.
    pub init_iters: AtomicU64,
    /// 1 while the pool is being closed: idle workers exit with 0.
    pub closing: AtomicU32,
    pub job: JobWords,
    /// `job << 32 | next chunk`: one compare-and-swap claims a chunk.
    pub claim: Line<AtomicU64>,
    pub progress: Line<Progress>,
    pub positions: [Position; MAX_POOL_WORKERS],
}

/// One chunk's record.
#[repr(C)]
#[derive(Default)]
pub struct ChunkRec {
    /// `job << 32 | status << 30 | serial` (status: [`TAKEN`] or [`DONE`]).
    pub state: AtomicU64,
    /// Items of the chunk done so far.
    pub progress: AtomicU32,
    /// Microseconds from the job's start to the chunk's start and end.
    pub start_us: AtomicU32,
    pub end_us: AtomicU32,
    /// The pool place of the worker that took it.
    pub place: AtomicU32,
}

/// A claim counter at this value or above has nothing left to claim. Far
/// below `u32::MAX`, so that no count can ever reach the job bits.
pub const CLAIM_CLOSED: u32 = 0x8000_0000;

pub const TAKEN: u64 = 1;
pub const DONE: u64 = 2;

/// A chunk record's state word.
pub fn chunk_word(job: u32, status: u64, serial: u32) -> u64 {
    (u64::from(job) << 32) | (status << 30) | u64::from(serial & 0x3fff_ffff)
}

/// `(job, status, serial)` of a chunk record's state word.
pub fn split_chunk_word(w: u64) -> (u32, u64, u32) {
    ((w >> 32) as u32, (w >> 30) & 3, (w & 0x3fff_ffff) as u32)
}

/// A completion-log entry: `job << 32 | chunk + 1`.
pub fn order_word(job: u32, chunk: u32) -> u64 {
    (u64::from(job) << 32) | u64::from(chunk + 1)
}

// Safety: all of these are repr(C), valid all-zero, and change only
// through atomics or the pthread primitives of `sync`.
unsafe impl Shared for Header {}
unsafe impl Shared for ChunkRec {}
unsafe impl Shared for Position {}

const ALIGN: usize = 64;

fn align(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

/// Where each part lies in a section sized for `capacity` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub capacity: usize,
    results: usize,
    chunks: usize,
    order: usize,
    pub len: usize,
}

impl Layout {
    pub fn for_items(capacity: usize) -> Layout {
        let results = align(size_of::<Header>());
        let chunks = align(results + capacity * size_of::<u64>());
        let order = align(chunks + capacity * size_of::<ChunkRec>());
        let len = align(order + capacity * size_of::<u64>());
        Layout {
            capacity,
            results,
            chunks,
            order,
            len,
        }
    }
}

/// The section's length for a job of up to `capacity` items.
pub fn section_len(capacity: usize) -> usize {
    Layout::for_items(capacity).len
}

/// Typed views of the section, in whichever process maps it.
pub struct PoolShared<'a> {
    pub header: &'a Header,
    pub results: &'a [AtomicU64],
    pub chunks: &'a [ChunkRec],
    pub order: &'a [AtomicU64],
}

impl<'a> PoolShared<'a> {
    /// Views a section of `len` bytes at `base`, laid out for `capacity`
    /// items (read from the header when None: a worker's view).
    ///
    /// # Safety
    /// `base` is 64-byte aligned and points to `len` bytes of mapped shared
    /// memory that outlives `'a`, all zero or laid out by [`PoolShared::init`].
    pub unsafe fn from_raw(
        base: *mut u8,
        len: usize,
        capacity: Option<usize>,
    ) -> Option<PoolShared<'a>> {
        if len < size_of::<Header>() {
            return None;
        }
        // Safety: in bounds (checked against the layout), aligned, and every
        // type here is Shared.
        unsafe {
            let header = &*base.cast::<Header>();
            let capacity = match capacity {
                Some(c) => c,
                None => match header.capacity.load(Ordering::Acquire) as usize {
                    0 => return None,
                    c => c,
                },
            };
            let layout = Layout::for_items(capacity);
            if layout.len > len {
                return None;
            }
            Some(PoolShared {
                header,
                results: std::slice::from_raw_parts(base.add(layout.results).cast(), capacity),
                chunks: std::slice::from_raw_parts(base.add(layout.chunks).cast(), capacity),
                order: std::slice::from_raw_parts(base.add(layout.order).cast(), capacity),
            })
        }
    }

    /// Initialises the lock and condvars in place and records the capacity.
    /// Once, by the process that created the region, before any pool worker.
    pub fn init(&self) -> Result<(), LockError> {
        self.header.lock.init()?;
        self.header.job_cond.init()?;
        self.header.done_cond.init()?;
        self.header
            .capacity
            .store(self.results.len() as u32, Ordering::Release);
        Ok(())
    }

    pub fn capacity(&self) -> usize {
        self.results.len()
    }

    /// `(job, next chunk)` of the claim counter.
    pub fn claim(&self) -> (u32, u32) {
        let w = self.header.claim.0.load(Ordering::Acquire);
        ((w >> 32) as u32, w as u32)
    }

    /// Lets no one claim another chunk of the current job (it broke, or
    /// hung): the counter is pushed far past any job's chunk count.
    pub fn close_job(&self) {
        let (job, _) = self.claim();
        self.header.claim.0.store(
            (u64::from(job) << 32) | u64::from(CLAIM_CLOSED),
            Ordering::Release,
        );
    }

    /// Gets the section ready for a new pool: no place wanted, not closing,
    /// nothing of an earlier job left to claim.
    pub fn open_pool(&self, maxtasks: u32, init_iters: u64) {
        self.close_job();
        let h = self.header;
        h.closing.store(0, Ordering::Release);
        h.maxtasks.store(maxtasks, Ordering::Release);
        h.init_iters.store(init_iters, Ordering::Release);
        for pos in &h.positions {
            pos.reset_for(0);
        }
    }

    /// Writes a job and publishes it through the claim counter, then wakes
    /// the workers. Call only while no worker is inside a chunk.
    ///
    /// The counter is closed before any word is rewritten, so a worker that
    /// read the words of the job being replaced fails its claim (see
    /// `serve::take`); the fence keeps the rewrites after the close.
    pub fn post(&self, job: u32, spec: &JobSpec, item_iters: u64, t0_ns: u64) {
        let h = self.header;
        let (old, _) = self.claim();
        h.claim.0.swap(
            (u64::from(old) << 32) | u64::from(CLAIM_CLOSED),
            Ordering::AcqRel,
        );
        fence(Ordering::SeqCst);
        let words = &h.job;
        words.job.store(0, Ordering::Release);
        let heavy = spec.cost.heavy(spec.items);
        words.items.store(spec.items, Ordering::Relaxed);
        words.chunksize.store(spec.chunksize(), Ordering::Relaxed);
        words.n_chunks.store(spec.n_chunks(), Ordering::Relaxed);
        words.heavy_start.store(heavy.start, Ordering::Relaxed);
        words.heavy_end.store(heavy.end, Ordering::Relaxed);
        words.heavy_factor.store(HEAVY_FACTOR, Ordering::Relaxed);
        words.item_iters.store(item_iters, Ordering::Relaxed);
        words.t0_ns.store(t0_ns, Ordering::Relaxed);
        h.progress.0.done_items.store(0, Ordering::Relaxed);
        h.progress.0.done_chunks.store(0, Ordering::Relaxed);
        words.job.store(job, Ordering::Release);
        h.claim.0.store(u64::from(job) << 32, Ordering::Release);
        self.wake_workers();
    }

    /// Takes the section's lock. A holder that died with it held had nothing
    /// half-done under it (the words it guards are atomics written outside
    /// it), so an abandoned lock is repaired at once.
    pub fn lock(&self) -> Option<MutexGuard<'a>> {
        let locked = self.header.lock.lock().ok()?;
        let abandoned = locked.was_abandoned();
        let guard = locked.guard();
        if abandoned {
            guard.make_consistent();
        }
        Some(guard)
    }

    /// Wakes every idle worker (a job was posted, or the pool closes).
    pub fn wake_workers(&self) {
        if let Some(_guard) = self.lock() {
            self.header.job_cond.notify_all();
        }
    }

    /// Wakes the parent if it said it sleeps. Called after publishing.
    pub fn wake_parent(&self) {
        fence(Ordering::SeqCst);
        let waiting = self.header.progress.0.parent_waiting.load(Ordering::SeqCst);
        if waiting != 0
            && let Some(_guard) = self.lock()
        {
            self.header.done_cond.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::pool::spec::BYTES_PER_ITEM;

    #[test]
    fn an_item_costs_what_the_cap_says() {
        let a = Layout::for_items(10_000);
        let b = Layout::for_items(20_000);
        assert!(b.len - a.len <= 10_000 * BYTES_PER_ITEM + 3 * ALIGN);
        assert_eq!(size_of::<ChunkRec>(), 24);
        assert_eq!(size_of::<Position>(), 64);
    }

    #[test]
    fn words_round_trip() {
        let w = chunk_word(77, DONE, 12345);
        assert_eq!(split_chunk_word(w), (77, DONE, 12345));
        assert_eq!(order_word(3, 0), (3u64 << 32) | 1);
    }
}
