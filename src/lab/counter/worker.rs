//! The counter lab's worker (`--role counter`): waits at the start gate with
//! the run's other workers, then increments the shared counter the run's
//! way, counting its own increments in its slot's `aux`.
//!
//! In racy mode the read and the write are two separate instructions on
//! the same word (atomic loads and stores, so the race is on the value and
//! not undefined behaviour): two workers can read the same value and both
//! write it plus one. At full speed a racy or locked increment goes at
//! CPython's pace (see [`PYTHON_READ_TO_WRITE`]), so the workers'
//! increments overlap as Python's do, a racy run loses updates every time,
//! a varying number, and the locked mode is slower than the racy one, as
//! in Python; the atomic add, which Python lacks, goes at the machine's. In
//! slow motion each increment is stretched (a sleep between the read and
//! the write, and one after) so a class can watch it.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rustix::process::getpid;

use super::manager::Proxy;
use super::shared::{CounterMode, CounterSection, CounterWait};
use crate::lab::clock;
use crate::lab::locks::{Locked, MutexGuard, LockError};
use crate::lab::shm::{Region, SectionId};
use crate::lab::slot::{Phase, Slot};
use crate::lab::work;
use crate::lab::worker::{WorkerArgs, between_slices};

/// Increments between two looks at proclab's requests.
const SLICE: u64 = 1 << 14;
/// Tries at the lock before waiting in the kernel, as an adaptive mutex does.
const SPINS: u32 = 64;
/// A wait for the lock longer than this is shown in the worker's row.
const LONG_WAIT: Duration = Duration::from_millis(30);
/// Slow motion: the time between reading the value and writing it back.
pub const SLOW_GAP: Duration = Duration::from_millis(300);
/// Slow motion: the time between two increments.
pub const SLOW_REST: Duration = Duration::from_millis(150);
/// How often a slow-motion sleep looks at proclab's requests.
const SLOW_STEP: Duration = Duration::from_millis(10);

/// CPython's `v.value += 1` on a `Value(lock=False)` takes about 200 ns
/// here (2 x 200,000 in about 45 ms, tests/python/counter.py): reading the
/// value, then the interpreter's work (a getter's result, the add, the
/// setter's call) before the write. Increments at full speed spend this
/// long between the read and the write, in the calibrated busy loop, so
/// that two workers overlap as two Python processes do. Without it, a
/// million increments took 1 to 6 ms, over before the other worker got
/// going in half the runs; with it, a run lasts a few hundred ms.
pub const PYTHON_READ_TO_WRITE: Duration = Duration::from_nanos(120);
/// The rest of a Python increment: the loop around it.
pub const PYTHON_LOOP: Duration = Duration::from_nanos(80);

/// How long a worker at the gate watches it before sleeping: a woken
/// sleeper starts a good fraction of a millisecond late, long enough for a
/// fast worker to finish alone and never meet the race.
const GATE_SPIN: Duration = Duration::from_millis(200);
/// How long the last worker to arrive may wait for the gate's lock.
const GATE_PATIENCE: Duration = Duration::from_secs(5);

/// Exit status of a worker whose manager could not be reached: Python's
/// uncaught `ConnectionRefusedError` or `BrokenPipeError`.
const MANAGER_LOST: i32 = 1;

fn set_wait(slot: &Slot, wait: CounterWait) {
    slot.wait.store(wait.encode(), Ordering::Relaxed);
}

/// The worker's whole job; returns its exit status.
pub fn run(_args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    let sec: &CounterSection = region.section(SectionId::Counter);
    let mode = sec.mode();
    let n = sec.increments.load(Ordering::Relaxed);
    let slow = sec.is_slow();
    let me = getpid().as_raw_nonzero().get() as u32;

    // A proxy connects before the gate, so the run measures increments only.
    let mut proxy = None;
    if mode == CounterMode::Manager {
        let path = super::socket::worker_path(sec.run.load(Ordering::Relaxed));
        match Proxy::connect(&path, slot) {
            Ok(p) => proxy = Some(p),
            Err(e) => {
                eprintln!("proclab counter worker: cannot reach the manager: {e}");
                return MANAGER_LOST;
            }
        }
    }

    slot.set_phase(if slow { Phase::Io } else { Phase::Cpu });
    set_wait(slot, CounterWait::Gate);
    let arrived = sec.ready.fetch_add(1, Ordering::AcqRel) + 1;
    let gate = if arrived >= sec.parties.load(Ordering::Acquire) {
        sec.gate.set_to(true, GATE_PATIENCE).map(|_| true)
    } else if spin_until(GATE_SPIN, || sec.gate.is_set()) {
        Ok(true)
    } else {
        sec.gate.wait(|| between_slices(slot, 0.0))
    };
    if let Err(e) = gate {
        eprintln!("proclab counter worker: the start gate failed: {e}");
        return 1;
    }
    let go = clock::now_ns();
    let _ = sec
        .go_ns
        .compare_exchange(0, go, Ordering::AcqRel, Ordering::Relaxed);
    sec.last_go_ns.fetch_max(go, Ordering::AcqRel);
    set_wait(slot, CounterWait::Nothing);
    let pace = Pace::new(region.iters_per_ms());

    // Each step returns the value it found, so the worker can tell when
    // another wrote in between (see `in_slices`).
    let outcome = match (mode, slow) {
        (_, true) => slow_motion(sec, slot, me, mode, n, proxy.as_mut()),
        (CounterMode::Racy, false) => {
            let value = &sec.hot.value;
            in_slices(sec, slot, n, || {
                let v = value.load(Ordering::Relaxed);
                pace.read_to_write();
                value.store(v.wrapping_add(1), Ordering::Relaxed);
                pace.rest();
                Ok(v)
            })
        }
        (CounterMode::Atomic, false) => {
            let value = &sec.hot.value;
            // No Python equivalent, so no Python pace: what the machine does.
            in_slices(sec, slot, n, || Ok(value.fetch_add(1, Ordering::Relaxed)))
        }
        (CounterMode::Locked, false) => in_slices(sec, slot, n, || {
            let guard = take_lock(sec, slot, me, false)?;
            sec.hot.holder.store(me, Ordering::Relaxed);
            let v = sec.hot.value.load(Ordering::Relaxed);
            pace.read_to_write();
            sec.hot.value.store(v.wrapping_add(1), Ordering::Relaxed);
            sec.hot.holder.store(0, Ordering::Relaxed);
            drop(guard);
            pace.rest();
            Ok(v)
        }),
        (CounterMode::Manager, false) => match proxy.as_mut() {
            Some(proxy) => in_slices(sec, slot, n, || {
                set_wait(slot, CounterWait::Reply);
                let after = proxy.increment().map_err(Failure::Manager)?;
                Ok(after.wrapping_sub(1))
            }),
            None => Err(Failure::Manager(std::io::ErrorKind::NotConnected.into())),
        },
    };
    set_wait(slot, CounterWait::Nothing);
    match outcome {
        Ok(()) => {
            let end = clock::now_ns();
            sec.first_end_ns.fetch_min(end, Ordering::AcqRel);
            sec.end_ns.fetch_max(end, Ordering::AcqRel);
            sec.finished.fetch_add(1, Ordering::AcqRel);
            slot.set_phase(Phase::Finished);
            0
        }
        Err(Failure::Manager(e)) => {
            // What a proxy call raises when its server is gone.
            eprintln!("proclab counter worker: BrokenPipeError: the manager is gone ({e})");
            MANAGER_LOST
        }
        Err(Failure::Lock(e)) => {
            eprintln!("proclab counter worker: {e}");
            1
        }
    }
}

/// The busy-loop turns that make an increment take as long as Python's.
struct Pace {
    read_to_write: u64,
    rest: u64,
}

impl Pace {
    fn new(iters_per_ms: u64) -> Pace {
        let turns = |d: Duration| (d.as_nanos() * u128::from(iters_per_ms) / 1_000_000) as u64;
        Pace {
            read_to_write: turns(PYTHON_READ_TO_WRITE),
            rest: turns(PYTHON_LOOP),
        }
    }

    fn read_to_write(&self) {
        work::spin(self.read_to_write);
    }

    fn rest(&self) {
        work::spin(self.rest);
    }
}

/// Why a worker stopped short.
enum Failure {
    Manager(std::io::Error),
    Lock(LockError),
}

impl From<LockError> for Failure {
    fn from(e: LockError) -> Self {
        Failure::Lock(e)
    }
}

/// Watches `cond` for up to `limit`, yielding now and then so a worker
/// still starting on this core gets to run; returns whether it held.
fn spin_until(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let start = std::time::Instant::now();
    let mut turns = 0u32;
    while !cond() {
        turns = turns.wrapping_add(1);
        if turns.is_multiple_of(1024) {
            if start.elapsed() >= limit {
                return false;
            }
            std::thread::yield_now();
        }
        std::hint::spin_loop();
    }
    true
}

/// Runs `step` `n` times, counting in the slot and looking at proclab's
/// requests between slices.
///
/// `step` returns the value it found before adding one. When that is not
/// what this worker itself wrote last, another worker wrote in between: the
/// two really ran at the same time. Those interleavings are added to the
/// section slice by slice, so a racy run that lost nothing can say whether
/// its workers ever met.
fn in_slices(
    sec: &CounterSection,
    slot: &Slot,
    n: u64,
    mut step: impl FnMut() -> Result<u64, Failure>,
) -> Result<(), Failure> {
    let mut done = 0;
    let mut mine = None;
    while done < n {
        let end = done.saturating_add(SLICE).min(n);
        let mut met = 0u64;
        while done < end {
            let found = step()?;
            met += u64::from(mine.is_some_and(|m| m != found));
            mine = Some(found.wrapping_add(1));
            done += 1;
            slot.aux.store(done, Ordering::Relaxed);
        }
        sec.interleaved.fetch_add(met, Ordering::Relaxed);
        if between_slices(slot, done as f64 / n as f64).is_break() {
            break;
        }
    }
    Ok(())
}

/// Takes the lock. A lock found abandoned (its holder died inside the
/// critical section) is recorded and marked consistent, so the run goes on.
fn take_lock<'a>(
    sec: &'a CounterSection,
    slot: &Slot,
    me: u32,
    show_wait: bool,
) -> Result<MutexGuard<'a>, LockError> {
    let lock = &sec.hot.lock;
    if !show_wait {
        for _ in 0..SPINS {
            if let Some(locked) = lock.try_lock()? {
                return Ok(recovered(sec, locked, me));
            }
            std::hint::spin_loop();
        }
        if let Some(locked) = lock.lock_timeout(LONG_WAIT)? {
            return Ok(recovered(sec, locked, me));
        }
    }
    set_wait(slot, CounterWait::Lock);
    let locked = lock.lock()?;
    set_wait(slot, CounterWait::Nothing);
    Ok(recovered(sec, locked, me))
}

fn recovered<'a>(sec: &'a CounterSection, locked: Locked<'a>, me: u32) -> MutexGuard<'a> {
    match locked {
        Locked::Acquired(guard) => guard,
        Locked::Abandoned(guard) => {
            // The dead holder's pid is still in `holder`: it never got to clear it.
            sec.abandoned_by
                .store(sec.hot.holder.load(Ordering::Relaxed), Ordering::Relaxed);
            sec.recovered_by.store(me, Ordering::Relaxed);
            sec.abandoned.fetch_add(1, Ordering::AcqRel);
            guard.make_consistent();
            guard
        }
    }
}

/// Sleeps `d` in short steps, acting on proclab's requests between them.
fn nap(slot: &Slot, d: Duration, progress: f64) -> ControlFlow<()> {
    work::io_task(d, SLOW_STEP, |_| between_slices(slot, progress))
}

/// Every mode, one increment at a time, slowly enough to watch, each step
/// shown in the worker's row.
fn slow_motion(
    sec: &CounterSection,
    slot: &Slot,
    me: u32,
    mode: CounterMode,
    n: u64,
    mut proxy: Option<&mut Proxy>,
) -> Result<(), Failure> {
    let value = &sec.hot.value;
    for i in 0..n {
        let progress = i as f64 / n as f64;
        let flow = match mode {
            CounterMode::Racy => {
                let v = value.load(Ordering::Relaxed);
                set_wait(slot, CounterWait::Read(CounterWait::value(v)));
                let flow = nap(slot, SLOW_GAP, progress);
                value.store(v.wrapping_add(1), Ordering::Relaxed);
                flow
            }
            CounterMode::Locked => {
                let guard = take_lock(sec, slot, me, true)?;
                sec.hot.holder.store(me, Ordering::Relaxed);
                let v = value.load(Ordering::Relaxed);
                set_wait(slot, CounterWait::Holds(CounterWait::value(v)));
                let flow = nap(slot, SLOW_GAP, progress);
                value.store(v.wrapping_add(1), Ordering::Relaxed);
                sec.hot.holder.store(0, Ordering::Relaxed);
                drop(guard);
                flow
            }
            CounterMode::Atomic => {
                let v = value.fetch_add(1, Ordering::Relaxed) + 1;
                set_wait(slot, CounterWait::Added(CounterWait::value(v)));
                nap(slot, SLOW_GAP, progress)
            }
            CounterMode::Manager => {
                let proxy = proxy
                    .as_deref_mut()
                    .ok_or_else(|| Failure::Manager(std::io::ErrorKind::NotConnected.into()))?;
                set_wait(slot, CounterWait::Reply);
                let v = proxy.increment().map_err(Failure::Manager)?;
                set_wait(slot, CounterWait::Added(CounterWait::value(v)));
                nap(slot, SLOW_GAP, progress)
            }
        };
        slot.aux.store(i + 1, Ordering::Relaxed);
        set_wait(slot, CounterWait::Nothing);
        if flow.is_break() || nap(slot, SLOW_REST, (i + 1) as f64 / n as f64).is_break() {
            break;
        }
    }
    Ok(())
}
