//! A Semaphore, an Event and a Barrier that work between processes, built
//! on [`super::locks`]'s robust mutex and condition variable, as Python's
//! `multiprocessing.Semaphore`, `Event` and `Barrier` are.
//!
//! Each lives in the shared region, is initialised in place by proclab
//! before any worker maps it, and keeps its state in atomics, so proclab
//! can read it without taking the lock (the UI must never wait on a
//! worker). Changes go through the lock and wake every waiter: waiters
//! always re-check their condition, and they wait in short slices so a
//! worker can report what it waits on and act on proclab's requests.
//!
//! A process that dies holding one of these internal locks leaves it
//! abandoned (`EOWNERDEAD`); the next locker marks it consistent and goes
//! on, since every field is updated in one atomic step. A process that dies
//! holding a *permit* takes it with it, as in Python: the count is never
//! given back.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::locks::{LockError, MutexGuard, RobustMutex, SharedCondvar};
use super::shm::Shared;

/// How long a waiter sleeps before it looks again on its own.
pub const WAIT_SLICE: Duration = Duration::from_millis(100);

/// Takes `mutex`, repairing it if its holder died (see the module doc).
fn lock(mutex: &RobustMutex) -> Result<MutexGuard<'_>, LockError> {
    let locked = mutex.lock()?;
    let abandoned = locked.was_abandoned();
    let guard = locked.guard();
    if abandoned {
        guard.make_consistent();
    }
    Ok(guard)
}

/// As [`lock`], giving up after `timeout` (None when it did): for proclab's
/// own changes, which must not hang the UI behind a paused worker.
fn lock_within(
    mutex: &RobustMutex,
    timeout: Duration,
) -> Result<Option<MutexGuard<'_>>, LockError> {
    let Some(locked) = mutex.lock_timeout(timeout)? else {
        return Ok(None);
    };
    let abandoned = locked.was_abandoned();
    let guard = locked.guard();
    if abandoned {
        guard.make_consistent();
    }
    Ok(Some(guard))
}

/// Waits one slice on `cond`, repairing the mutex if it came back abandoned.
fn wait_slice(cond: &SharedCondvar, guard: &mut MutexGuard<'_>) {
    if cond.wait_timeout(guard, WAIT_SLICE).abandoned {
        guard.make_consistent();
    }
}

/// `multiprocessing.Semaphore(k)`: at most `permits` holders at once.
#[repr(C)]
pub struct SharedSemaphore {
    mutex: RobustMutex,
    cond: SharedCondvar,
    /// k: how many may hold a permit at once.
    permits: AtomicU32,
    /// How many hold one now.
    held: AtomicU32,
}

unsafe impl Shared for SharedSemaphore {}

/// The semaphore as a waiter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemaphoreState {
    pub held: u32,
    pub permits: u32,
}

/// A permit; dropping it releases it (as leaving a `with sem:` block does,
/// exceptions included). A process killed while holding one never drops it.
pub struct Permit<'a> {
    sem: &'a SharedSemaphore,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.sem.release();
    }
}

impl SharedSemaphore {
    /// Initialises in place with `permits` permits; call once before use.
    pub fn init(&self, permits: u32) -> Result<(), LockError> {
        self.mutex.init()?;
        self.cond.init()?;
        self.permits.store(permits, Ordering::Relaxed);
        self.held.store(0, Ordering::Relaxed);
        Ok(())
    }

    pub fn state(&self) -> SemaphoreState {
        SemaphoreState {
            held: self.held.load(Ordering::Relaxed),
            permits: self.permits.load(Ordering::Relaxed),
        }
    }

    /// `sem.acquire()`. Before each slice of waiting, `waiting` is told the
    /// state; it may give up (`Break`), and then None is returned.
    pub fn acquire(
        &self,
        mut waiting: impl FnMut(SemaphoreState) -> ControlFlow<()>,
    ) -> Result<Option<Permit<'_>>, LockError> {
        let mut guard = lock(&self.mutex)?;
        loop {
            let state = self.state();
            if state.held < state.permits {
                self.held.store(state.held + 1, Ordering::Relaxed);
                return Ok(Some(Permit { sem: self }));
            }
            if waiting(state).is_break() {
                return Ok(None);
            }
            wait_slice(&self.cond, &mut guard);
        }
    }

    fn release(&self) {
        // A failed lock here means the lock is dead for good; the permit
        // is then lost, which is what a dead holder does anyway.
        if let Ok(_guard) = lock(&self.mutex) {
            let held = self.held.load(Ordering::Relaxed);
            self.held.store(held.saturating_sub(1), Ordering::Relaxed);
            self.cond.notify_all();
        }
    }

    /// Changes k. Raising it lets waiters in at once (Python: an extra
    /// `sem.release()`); lowering it keeps the holders, and newcomers wait
    /// until fewer than the new k hold one (Python: `sem.acquire()` by the
    /// parent). Returns false if the lock was not free within `timeout`.
    pub fn set_permits(&self, permits: u32, timeout: Duration) -> Result<bool, LockError> {
        let Some(_guard) = lock_within(&self.mutex, timeout)? else {
            return Ok(false);
        };
        self.permits.store(permits, Ordering::Relaxed);
        self.cond.notify_all();
        Ok(true)
    }
}

/// `multiprocessing.Event`: a flag that waiters block on until it is set.
#[repr(C)]
pub struct SharedEvent {
    mutex: RobustMutex,
    cond: SharedCondvar,
    flag: AtomicU32,
}

unsafe impl Shared for SharedEvent {}

impl SharedEvent {
    /// Initialises in place, cleared; call once before use.
    pub fn init(&self) -> Result<(), LockError> {
        self.mutex.init()?;
        self.cond.init()?;
        self.flag.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// `e.is_set()`.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire) != 0
    }

    /// `e.set()` or `e.clear()`. Returns false if the lock was not free
    /// within `timeout`.
    pub fn set_to(&self, on: bool, timeout: Duration) -> Result<bool, LockError> {
        let Some(_guard) = lock_within(&self.mutex, timeout)? else {
            return Ok(false);
        };
        self.flag.store(u32::from(on), Ordering::Release);
        if on {
            self.cond.notify_all();
        }
        Ok(true)
    }

    /// `e.wait()`: returns true once the flag is set, false if `waiting`
    /// gave up first.
    pub fn wait(&self, mut waiting: impl FnMut() -> ControlFlow<()>) -> Result<bool, LockError> {
        if self.is_set() {
            return Ok(true);
        }
        let mut guard = lock(&self.mutex)?;
        loop {
            if self.is_set() {
                return Ok(true);
            }
            if waiting().is_break() {
                return Ok(false);
            }
            wait_slice(&self.cond, &mut guard);
        }
    }
}

/// `multiprocessing.Barrier(parties)`: waiters block until `parties` of
/// them have arrived, then all go on together; it can be used again.
///
/// As in CPython, a party that dies inside `wait()` hangs the barrier for
/// good ([`SharedBarrier::hang`]): its arrival counts, but the last party
/// to arrive waits in `notify_all()` for the dead one to wake, holding the
/// barrier's lock, so nobody ever passes again. Only a new barrier
/// ([`SharedBarrier::renew`]) lets workers through.
#[repr(C)]
pub struct SharedBarrier {
    mutex: RobustMutex,
    cond: SharedCondvar,
    parties: AtomicU32,
    arrived: AtomicU32,
    /// How many times the barrier has released its parties.
    generation: AtomicU32,
    /// Non-zero once a party died inside `wait()`.
    hung: AtomicU32,
}

unsafe impl Shared for SharedBarrier {}

/// The barrier as a waiter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierState {
    pub arrived: u32,
    pub parties: u32,
    pub generation: u32,
    /// A party died inside `wait()`: nobody passes again.
    pub hung: bool,
}

impl SharedBarrier {
    /// Initialises in place for `parties`; call once before use.
    pub fn init(&self, parties: u32) -> Result<(), LockError> {
        self.mutex.init()?;
        self.cond.init()?;
        self.reset(parties);
        Ok(())
    }

    /// Sets the parties and forgets arrivals, with no waiter about (before
    /// the workers of a new round are started).
    pub fn reset(&self, parties: u32) {
        self.parties.store(parties.max(1), Ordering::Relaxed);
        self.arrived.store(0, Ordering::Relaxed);
        self.hung.store(0, Ordering::Relaxed);
        self.generation.store(0, Ordering::Release);
    }

    pub fn state(&self) -> BarrierState {
        BarrierState {
            arrived: self.arrived.load(Ordering::Relaxed),
            parties: self.parties.load(Ordering::Relaxed),
            generation: self.generation.load(Ordering::Acquire),
            hung: self.hung.load(Ordering::Acquire) != 0,
        }
    }

    /// A party died inside `wait()`: from now on nobody passes, as in
    /// CPython (see the type's comment). Waiters stay where they are.
    pub fn hang(&self) {
        self.hung.store(1, Ordering::Release);
        self.cond.notify_all();
    }

    /// `b = Barrier(parties)` in place of one that hangs, once no live
    /// worker waits at it: arrivals forgotten, a new generation. Returns
    /// false if the lock was not free within `timeout`.
    pub fn renew(&self, parties: u32, timeout: Duration) -> Result<bool, LockError> {
        let Some(_guard) = lock_within(&self.mutex, timeout)? else {
            return Ok(false);
        };
        self.parties.store(parties.max(1), Ordering::Relaxed);
        self.arrived.store(0, Ordering::Relaxed);
        self.hung.store(0, Ordering::Release);
        self.generation.fetch_add(1, Ordering::Release);
        self.cond.notify_all();
        Ok(true)
    }

    /// Releases everyone waiting now and starts a new generation.
    fn open(&self) {
        self.arrived.store(0, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Release);
        self.cond.notify_all();
    }

    /// `b.wait()`: returns this waiter's arrival index (0 for the first to
    /// arrive), or None if `waiting` gave up. A waiter that gives up has
    /// still arrived, as a Python process killed inside `wait()` has.
    pub fn wait(
        &self,
        mut waiting: impl FnMut(BarrierState) -> ControlFlow<()>,
    ) -> Result<Option<u32>, LockError> {
        let mut guard = lock(&self.mutex)?;
        let generation = self.generation.load(Ordering::Acquire);
        let index = self.arrived.load(Ordering::Relaxed);
        self.arrived.store(index + 1, Ordering::Relaxed);
        let hung = || self.hung.load(Ordering::Acquire) != 0;
        if !hung() && index + 1 >= self.parties.load(Ordering::Relaxed) {
            self.open();
            return Ok(Some(index));
        }
        self.cond.notify_all(); // the others' "3/4" changes
        while hung() || self.generation.load(Ordering::Acquire) == generation {
            if waiting(self.state()).is_break() {
                return Ok(None);
            }
            wait_slice(&self.cond, &mut guard);
        }
        Ok(Some(index))
    }

    /// Changes the number of parties; if as many have arrived already, they
    /// are released. Returns false if the lock was not free within `timeout`.
    pub fn set_parties(&self, parties: u32, timeout: Duration) -> Result<bool, LockError> {
        let Some(_guard) = lock_within(&self.mutex, timeout)? else {
            return Ok(false);
        };
        let parties = parties.max(1);
        self.parties.store(parties, Ordering::Relaxed);
        if self.hung.load(Ordering::Acquire) == 0 && self.arrived.load(Ordering::Relaxed) >= parties
        {
            self.open();
        } else {
            self.cond.notify_all();
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::time::Instant;

    fn leak<T>() -> &'static T {
        // Safety: all three types are valid all-zero until `init`.
        Box::leak(Box::new(unsafe { std::mem::zeroed::<T>() }))
    }

    fn go_on<T>(_: T) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    #[test]
    fn a_semaphore_admits_at_most_k() {
        let sem: &'static SharedSemaphore = leak();
        sem.init(2).unwrap();
        let inside: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
        let most: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
        let threads: Vec<_> = (0..5)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        let _permit = sem.acquire(go_on).unwrap().unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(sem.state().held, 0, "every permit came back");
    }

    #[test]
    fn a_waiter_can_give_up_and_more_permits_let_it_in() {
        let sem: &'static SharedSemaphore = leak();
        sem.init(1).unwrap();
        let first = sem.acquire(go_on).unwrap().unwrap();
        let mut looks = 0;
        let gave_up = sem
            .acquire(|s| {
                assert_eq!(
                    s,
                    SemaphoreState {
                        held: 1,
                        permits: 1
                    }
                );
                looks += 1;
                ControlFlow::Break(())
            })
            .unwrap();
        assert!(gave_up.is_none() && looks == 1);
        assert!(sem.set_permits(2, WAIT_SLICE).unwrap());
        let second = sem.acquire(go_on).unwrap();
        assert!(second.is_some());
        drop(first);
        drop(second);
        assert_eq!(sem.state().held, 0);
    }

    #[test]
    fn an_event_releases_its_waiters_when_set() {
        let ev: &'static SharedEvent = leak();
        ev.init().unwrap();
        let woke: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(move || {
                    assert!(ev.wait(|| ControlFlow::Continue(())).unwrap());
                    woke.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(
            woke.load(Ordering::SeqCst),
            0,
            "nobody passes a cleared event"
        );
        let t = Instant::now();
        assert!(ev.set_to(true, WAIT_SLICE).unwrap());
        for th in threads {
            th.join().unwrap();
        }
        assert_eq!(woke.load(Ordering::SeqCst), 3);
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(ev.is_set());
    }

    #[test]
    fn a_barrier_holds_until_all_parties_arrive_and_is_reusable() {
        let b: &'static SharedBarrier = leak();
        b.init(3).unwrap();
        let passed: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..4 {
                        b.wait(go_on).unwrap().unwrap();
                        passed.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(passed.load(Ordering::SeqCst), 12);
        assert_eq!(b.state().generation, 4);
        assert_eq!(b.state().arrived, 0);
    }

    #[test]
    fn fewer_parties_release_those_already_waiting() {
        let b: &'static SharedBarrier = leak();
        b.init(3).unwrap();
        let waiter = std::thread::spawn(move || b.wait(go_on).unwrap());
        while b.state().arrived < 1 {
            std::thread::yield_now();
        }
        assert!(b.set_parties(1, WAIT_SLICE).unwrap());
        assert_eq!(waiter.join().unwrap(), Some(0));
        assert_eq!(b.state().generation, 1);
    }

    #[test]
    fn a_hung_barrier_lets_nobody_pass_until_it_is_renewed() {
        let b: &'static SharedBarrier = leak();
        b.init(2).unwrap();
        // The first party "died" inside wait(): its arrival counts.
        let dead = std::thread::spawn(move || {
            let mut once = false;
            b.wait(|_| {
                let stop = once;
                once = true;
                if stop {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap()
        });
        assert_eq!(dead.join().unwrap(), None);
        b.hang();
        // The second fills the barrier, and still waits.
        let tries: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
        let second = std::thread::spawn(move || {
            b.wait(|_| {
                if tries.fetch_add(1, Ordering::SeqCst) >= 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap()
        });
        assert_eq!(second.join().unwrap(), None, "it never passed");
        assert_eq!(b.state().generation, 0);
        assert!(b.state().hung);
        assert!(b.set_parties(1, WAIT_SLICE).is_ok());
        assert_eq!(b.state().generation, 0, "fewer parties release nobody");
        assert!(b.renew(1, WAIT_SLICE).unwrap());
        assert_eq!(b.wait(go_on).unwrap(), Some(0), "a new barrier works");
    }
}
