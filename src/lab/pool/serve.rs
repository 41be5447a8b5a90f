//! What a pool worker does: take a place in the pool, run the initializer,
//! then take chunks until the pool closes or `maxtasksperchild` is reached.
//!
//! This is Python's `multiprocessing.pool.worker` loop on shared memory:
//! instead of reading a pickled task from a pipe, the worker claims the next
//! chunk with one atomic `fetch_add`, and instead of pickling results back
//! it writes them in place and appends the chunk to the completion log. It
//! takes a lock only to sleep when there is nothing to do.
//!
//! The loop works on a [`PoolShared`] view and a [`Slot`], so tests can also
//! run it in threads over a region of their own.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
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
        job: u32,
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

/// Claims the next chunk of the current job, if there is one.
fn take(pool: &PoolShared<'_>, exhausted: u32) -> Take {
    let words = &pool.header.job;
    loop {
        let (job, next) = pool.claim();
        if job == 0 || job == exhausted {
            return Take::Empty(job);
        }
        // The job's words are published before the claim counter names it;
        // a mismatch means the parent is between two jobs.
        if words.job.load(Ordering::Acquire) != job {
            return Take::Empty(job);
        }
        let n = words.n_chunks.load(Ordering::Acquire);
        if next >= n {
            return Take::Empty(job);
        }
        let w = pool.header.claim.0.fetch_add(1, Ordering::AcqRel);
        if (w >> 32) as u32 != job {
            continue; // a new job was posted between the look and the claim
        }
        let chunk = w as u32;
        if chunk >= n {
            return Take::Empty(job);
        }
        return Take::Chunk { job, chunk };
    }
}

fn us_between(t0_ns: u64, t_ns: u64) -> u32 {
    (t_ns.saturating_sub(t0_ns) / 1_000).min(u64::from(u32::MAX)) as u32
}

/// Computes one chunk's items and publishes them.
fn run_chunk(pool: &PoolShared<'_>, slot: &Slot, place: usize, serial: u32, job: u32, chunk: u32) {
    let words = &pool.header.job;
    let pos = &pool.header.positions[place];
    let items = words.items.load(Ordering::Acquire);
    let size = words.chunksize.load(Ordering::Acquire).max(1);
    let heavy = words.heavy_start.load(Ordering::Acquire)..words.heavy_end.load(Ordering::Acquire);
    let factor = u64::from(words.heavy_factor.load(Ordering::Acquire).max(1));
    let light = words.item_iters.load(Ordering::Acquire);
    let t0 = words.t0_ns.load(Ordering::Acquire);
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
        .store(chunk_word(job, TAKEN, serial), Ordering::Release);

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
    rec.state
        .store(chunk_word(job, DONE, serial), Ordering::Release);
    let progress = &pool.header.progress.0;
    let at = progress.done_chunks.fetch_add(1, Ordering::AcqRel) as usize;
    if let Some(entry) = pool.order.get(at) {
        entry.store(order_word(job, chunk), Ordering::Release);
    }
    pos.current.store(0, Ordering::Relaxed);
    pos.tasks.fetch_add(1, Ordering::Relaxed);
    pos.items.fetch_add(len as u64, Ordering::Relaxed);
    slot.tasks_done.fetch_add(1, Ordering::Relaxed);
    slot.aux.fetch_add(len as u64, Ordering::Relaxed);
    slot.progress.store(0, Ordering::Relaxed);
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
