//! What a pool worker does: take a place in the pool, run the initializer,
//! then take chunks until the pool closes or `maxtasksperchild` is reached.
//!
//! This is Python's `multiprocessing.pool.worker` loop on shared memory:
//! instead of reading a pickled task from a pipe, the worker claims the next
//! chunk with one atomic compare-and-swap, and instead of pickling results back
//! it writes them in place and appends the chunk to the completion log. It
//! takes a lock only to sleep when there is nothing to do.
//!
//! The loop works on a [`PoolShared`] view and a [`Slot`], so tests can also
//! run it in threads over a region of their own.

use std::ops::ControlFlow;
use std::sync::atomic::{Ordering, fence};
use std::time::Duration;

use crate::lab::clock;
use crate::lab::slot::{Phase, Slot};
use crate::lab::work;
use crate::lab::worker::between_slices;

use super::shared::{DONE, PoolShared, PosState, TAKEN, chunk_word, order_word};
use super::spec;

/// `Slot::wait` while the initializer runs.
pub const WAIT_INIT: u32 = 1;
/// `Slot::wait` while idle, waiting for a task.
pub const WAIT_IDLE: u32 = 2;

/// Exit status of a worker that found no place wanted in the pool.
pub const NO_PLACE: i32 = 124;

/// How long an idle worker sleeps before it looks again on its own.
const IDLE_WAKE: Duration = Duration::from_secs(1);

/// Items between two reports of progress when items are trivial.
const REPORT_EVERY: usize = 1024;

/// What looking for work found.
enum Take {
    Chunk {
        job: Job,
        chunk: u32,
    },
    /// Nothing left to take in this job (0: no job yet).
    Empty(u32),
}

/// How long a fresh worker waits for the parent to name its place.
pub const PLACE_WAIT: Duration = Duration::from_secs(5);

/// A pool worker's life; returns its exit status. `place_wait` bounds the
/// wait for the parent to name this process's place ([`PLACE_WAIT`]).
pub fn serve(
    pool: &PoolShared<'_>,
    slot: &Slot,
    pid: u32,
    iters_per_ms: u64,
    place_wait: Duration,
) -> i32 {
    let Some((place, serial)) = claim_place(pool, pid, place_wait) else {
        return NO_PLACE;
    };
    let pos = &pool.header.positions[place];
    initialize(pool, slot, place, iters_per_ms.max(1));
    let maxtasks = pool.header.maxtasks.load(Ordering::Acquire);
    let mut exhausted = 0;
    loop {
        if pool.header.closing.load(Ordering::Acquire) != 0 {
            pos.set_state(PosState::Closed);
            slot.set_phase(Phase::Finished);
            return 0;
        }
        match take(pool, exhausted) {
            Take::Chunk { job, chunk } => {
                run_chunk(pool, slot, place, serial, job, chunk);
                if maxtasks != 0 && pos.tasks.load(Ordering::Relaxed) >= maxtasks {
                    // Python's worker returns after `maxtasks` tasks; the
                    // pool joins it and starts a fresh one in its place.
                    pos.set_state(PosState::Retired);
                    slot.set_phase(Phase::Finished);
                    pool.wake_parent();
                    return 0;
                }
            }
            Take::Empty(job) => {
                exhausted = job;
                wait_for_work(pool, slot, place, exhausted);
            }
        }
    }
}

/// Takes the place the parent started this process for. The parent writes
/// the pid right after the spawn returns, which may be a moment after the
/// process is already running, so it looks again for a while.
fn claim_place(pool: &PoolShared<'_>, pid: u32, wait: Duration) -> Option<(usize, u32)> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let found = pool
            .header
            .positions
            .iter()
            .enumerate()
            .find_map(|(i, pos)| {
                let want = pos.want.load(Ordering::Acquire);
                let mine = want != 0 && pos.pid.load(Ordering::Acquire) == pid;
                let won = mine
                    && pos
                        .serial
                        .compare_exchange(0, want, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok();
                won.then_some((i, want))
            });
        if found.is_some() || std::time::Instant::now() >= deadline {
            return found;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Runs the pool's `initializer`: a busy loop of the configured length,
/// cut short if the pool closes meanwhile.
fn initialize(pool: &PoolShared<'_>, slot: &Slot, place: usize, iters_per_ms: u64) {
    let pos = &pool.header.positions[place];
    slot.wait.store(WAIT_INIT, Ordering::Relaxed);
    slot.set_phase(Phase::Cpu);
    pos.set_state(PosState::Init);
    pos.init_start_ns.store(clock::now_ns(), Ordering::Release);
    let iters = pool.header.init_iters.load(Ordering::Acquire);
    if iters > 0 {
        let _ = work::cpu_task(iters, iters_per_ms, |fraction| {
            if pool.header.closing.load(Ordering::Acquire) != 0 {
                return ControlFlow::Break(());
            }
            between_slices(slot, fraction)
        });
    }
    pos.init_end_ns.store(clock::now_ns(), Ordering::Release);
    slot.progress.store(0, Ordering::Relaxed);
    slot.wait.store(0, Ordering::Relaxed);
}

/// A job's words, read before claiming one of its chunks.
#[derive(Debug, Clone, Copy)]
struct Job {
    id: u32,
    items: u32,
    chunksize: u32,
    n_chunks: u32,
    heavy: (u32, u32),
    factor: u64,
    item_iters: u64,
    t0_ns: u64,
}

impl Job {
    fn read(pool: &PoolShared<'_>, id: u32) -> Job {
        let w = &pool.header.job;
        Job {
            id,
            items: w.items.load(Ordering::Relaxed),
            chunksize: w.chunksize.load(Ordering::Relaxed).max(1),
            n_chunks: w.n_chunks.load(Ordering::Relaxed),
            heavy: (
                w.heavy_start.load(Ordering::Relaxed),
                w.heavy_end.load(Ordering::Relaxed),
            ),
            factor: u64::from(w.heavy_factor.load(Ordering::Relaxed).max(1)),
            item_iters: w.item_iters.load(Ordering::Relaxed),
            t0_ns: w.t0_ns.load(Ordering::Relaxed),
        }
    }
}

/// Claims the next chunk of the current job, if there is one.
///
/// The words are read first and the chunk claimed after, with a
/// compare-and-swap on the claim counter as it was when the words were
/// read. The parent closes the counter before it rewrites the words for
/// the next job (see [`PoolShared::post`]), so a claim that succeeds was
/// made on words that belong to its job, and a look at a job that is being
/// replaced claims nothing (a `fetch_add` would still have taken a number
/// from the new job's counter).
fn take(pool: &PoolShared<'_>, exhausted: u32) -> Take {
    let counter = &pool.header.claim.0;
    loop {
        let seen = counter.load(Ordering::Acquire);
        let (id, next) = ((seen >> 32) as u32, seen as u32);
        if id == 0 || id == exhausted {
            return Take::Empty(id);
        }
        // The words name the job they describe; between two jobs they
        // name none.
        if pool.header.job.job.load(Ordering::Acquire) != id {
            return Take::Empty(id);
        }
        let job = Job::read(pool, id);
        if next >= job.n_chunks {
            return Take::Empty(id);
        }
        // Orders the reads above before the claim: if any of them saw a
        // word of the next job, the claim sees the counter closed.
        fence(Ordering::Acquire);
        if counter
            .compare_exchange_weak(seen, seen + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return Take::Chunk { job, chunk: next };
        }
    }
}

fn us_between(t0_ns: u64, t_ns: u64) -> u32 {
    (t_ns.saturating_sub(t0_ns) / 1_000).min(u64::from(u32::MAX)) as u32
}

/// Computes one chunk's items and publishes them.
fn run_chunk(pool: &PoolShared<'_>, slot: &Slot, place: usize, serial: u32, job: Job, chunk: u32) {
    let pos = &pool.header.positions[place];
    let (items, size) = (job.items, job.chunksize);
    let heavy = job.heavy.0..job.heavy.1;
    let (factor, light, t0) = (job.factor, job.item_iters, job.t0_ns);
    let start = chunk.saturating_mul(size).min(items);
    let end = start.saturating_add(size).min(items);
    let len = (end - start) as usize;
    let rec = &pool.chunks[chunk as usize];

    pos.current.store(chunk + 1, Ordering::Relaxed);
    pos.set_state(PosState::Busy);
    slot.set_phase(Phase::Cpu);
    rec.progress.store(0, Ordering::Relaxed);
    let started = clock::now_ns();
    rec.start_us
        .store(us_between(t0, started), Ordering::Relaxed);
    rec.end_us.store(0, Ordering::Relaxed);
    rec.place.store(place as u32, Ordering::Relaxed);
    rec.state
        .store(chunk_word(job.id, TAKEN, serial), Ordering::Release);

    for (k, i) in (start..end).enumerate() {
        let iters = if heavy.contains(&i) {
            light * factor
        } else {
            light
        };
        if iters > 0 {
            std::hint::black_box(work::spin(iters));
        }
        pool.results[i as usize].store(spec::work(u64::from(i)), Ordering::Relaxed);
        rec.progress.store(k as u32 + 1, Ordering::Relaxed);
        if iters > 0 || k % REPORT_EVERY == REPORT_EVERY - 1 {
            // Acts on raise / sys.exit requests; never asks to stop.
            let _ = between_slices(slot, (k + 1) as f64 / len as f64);
        }
    }

    let ended = clock::now_ns();
    rec.end_us.store(us_between(t0, ended), Ordering::Relaxed);
    pos.busy_ns
        .fetch_add(ended.saturating_sub(started), Ordering::Relaxed);
    // The worker's own counts first: whoever sees the chunk complete (the
    // Release stores below) sees them counted too.
    pos.tasks.fetch_add(1, Ordering::Relaxed);
    pos.items.fetch_add(len as u64, Ordering::Relaxed);
    slot.tasks_done.fetch_add(1, Ordering::Relaxed);
    slot.aux.fetch_add(len as u64, Ordering::Relaxed);
    slot.progress.store(0, Ordering::Relaxed);
    rec.state
        .store(chunk_word(job.id, DONE, serial), Ordering::Release);
    let progress = &pool.header.progress.0;
    let at = progress.done_chunks.fetch_add(1, Ordering::AcqRel) as usize;
    if let Some(entry) = pool.order.get(at) {
        entry.store(order_word(job.id, chunk), Ordering::Release);
    }
    pos.current.store(0, Ordering::Relaxed);
    progress.done_items.fetch_add(len as u32, Ordering::AcqRel);
    pool.wake_parent();
}

/// Sleeps until a job other than `exhausted` is posted or the pool closes.
fn wait_for_work(pool: &PoolShared<'_>, slot: &Slot, place: usize, exhausted: u32) {
    let pos = &pool.header.positions[place];
    slot.wait.store(WAIT_IDLE, Ordering::Relaxed);
    slot.progress.store(0, Ordering::Relaxed);
    pos.set_state(PosState::Idle);
    slot.beat();
    if let Some(mut guard) = pool.lock() {
        while pool.claim().0 == exhausted && pool.header.closing.load(Ordering::Acquire) == 0 {
            let woken = pool.header.job_cond.wait_timeout(&mut guard, IDLE_WAKE);
            if woken.abandoned {
                guard.make_consistent();
            }
            slot.beat();
        }
    } else {
        // The lock is beyond repair (it never is: every holder repairs it);
        // poll instead of spinning.
        std::thread::sleep(Duration::from_millis(1));
    }
    slot.wait.store(0, Ordering::Relaxed);
}
