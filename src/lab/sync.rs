//! Locks and condition variables that live in the shared region and work
//! between processes.
//!
//! [`RobustMutex`] is a pthread mutex made `PTHREAD_PROCESS_SHARED` and
//! `PTHREAD_MUTEX_ROBUST`: when its holder dies (a worker terminated or
//! killed inside its critical section), the next locker is told so
//! ([`Locked::Abandoned`], the kernel's `EOWNERDEAD`) instead of waiting
//! forever, and can mark the state consistent and go on. A Python
//! `multiprocessing.Lock` has no such thing: the next `acquire()` hangs.
//!
//! [`SharedCondvar`] is a process-shared pthread condition variable on
//! `CLOCK_MONOTONIC`, for blocking until another process changes something.
//! It is not safe against a waiter being killed: see [`SharedEvent`], which is.
//!
//! Both are initialised in place by the process that creates the region,
//! before any worker maps it, and never moved afterwards.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::shm::Shared;

/// A process-shared, robust mutex.
#[repr(C)]
pub struct RobustMutex {
    inner: UnsafeCell<libc::pthread_mutex_t>,
}

// Safety: a pthread mutex is made to be used from many threads (and, being
// process-shared, many processes) through a shared reference.
unsafe impl Sync for RobustMutex {}
unsafe impl Send for RobustMutex {}
unsafe impl Shared for RobustMutex {}

/// What locking found.
pub enum Locked<'a> {
    /// The lock was free or released normally.
    Acquired(MutexGuard<'a>),
    /// The previous holder died holding it (`EOWNERDEAD`). The lock is held
    /// now; call [`MutexGuard::make_consistent`] once the protected state
    /// is repaired, or the lock becomes unusable when released.
    Abandoned(MutexGuard<'a>),
}

impl<'a> Locked<'a> {
    /// The guard, whichever way the lock was taken.
    pub fn guard(self) -> MutexGuard<'a> {
        match self {
            Locked::Acquired(g) | Locked::Abandoned(g) => g,
        }
    }

    pub fn was_abandoned(&self) -> bool {
        matches!(self, Locked::Abandoned(_))
    }
}

/// Errors from a shared lock.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SyncError {
    /// A holder died and the next one released it without repairing:
    /// `ENOTRECOVERABLE`, the lock is dead for good.
    #[error("the lock is unrecoverable: a holder died and the state was never marked consistent")]
    NotRecoverable,
    #[error("pthread call failed: {0}")]
    Os(i32),
}

fn check(rc: i32) -> Result<(), SyncError> {
    if rc == 0 {
        Ok(())
    } else {
        Err(SyncError::Os(rc))
    }
}

/// An absolute CLOCK_REALTIME deadline `d` from now, for timed locks.
fn realtime_deadline(d: Duration) -> libc::timespec {
    deadline(libc::CLOCK_REALTIME, d)
}

fn deadline(clock: libc::clockid_t, d: Duration) -> libc::timespec {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(clock, &mut now) };
    let mut sec = now.tv_sec + d.as_secs() as libc::time_t;
    let mut nsec = now.tv_nsec + libc::c_long::from(d.subsec_nanos() as i32);
    if nsec >= 1_000_000_000 {
        sec += 1;
        nsec -= 1_000_000_000;
    }
    libc::timespec {
        tv_sec: sec,
        tv_nsec: nsec,
    }
}

impl RobustMutex {
    /// Initialises the mutex in place. Call once, before any other process
    /// or thread can use it.
    pub fn init(&self) -> Result<(), SyncError> {
        // Safety: attr is initialised before use and destroyed after; the
        // mutex memory is ours and not in use yet.
        unsafe {
            let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
            check(libc::pthread_mutexattr_init(&mut attr))?;
            let r = (|| {
                check(libc::pthread_mutexattr_setpshared(
                    &mut attr,
                    libc::PTHREAD_PROCESS_SHARED,
                ))?;
                check(libc::pthread_mutexattr_setrobust(
                    &mut attr,
                    libc::PTHREAD_MUTEX_ROBUST,
                ))?;
                check(libc::pthread_mutex_init(self.inner.get(), &attr))
            })();
            libc::pthread_mutexattr_destroy(&mut attr);
            r
        }
    }

    fn result(&self, rc: i32) -> Result<Option<Locked<'_>>, SyncError> {
        let guard = MutexGuard { mutex: self };
        match rc {
            0 => Ok(Some(Locked::Acquired(guard))),
            libc::EOWNERDEAD => Ok(Some(Locked::Abandoned(guard))),
            _ => {
                std::mem::forget(guard); // not held: nothing to unlock
                match rc {
                    libc::EBUSY | libc::ETIMEDOUT => Ok(None),
                    libc::ENOTRECOVERABLE => Err(SyncError::NotRecoverable),
                    other => Err(SyncError::Os(other)),
                }
            }
        }
    }

    /// Blocks until the lock is held.
    pub fn lock(&self) -> Result<Locked<'_>, SyncError> {
        // Safety: the mutex was initialised by `init`.
        let rc = unsafe { libc::pthread_mutex_lock(self.inner.get()) };
        self.result(rc)
            .map(|l| l.expect("a blocking lock returns held or fails"))
    }

    /// Takes the lock if it is free now.
    pub fn try_lock(&self) -> Result<Option<Locked<'_>>, SyncError> {
        // Safety: the mutex was initialised by `init`.
        let rc = unsafe { libc::pthread_mutex_trylock(self.inner.get()) };
        self.result(rc)
    }

    /// Waits up to `timeout` for the lock.
    pub fn lock_timeout(&self, timeout: Duration) -> Result<Option<Locked<'_>>, SyncError> {
        let at = realtime_deadline(timeout);
        // Safety: the mutex was initialised by `init`; `at` is valid.
        let rc = unsafe { libc::pthread_mutex_timedlock(self.inner.get(), &at) };
        self.result(rc)
    }
}

/// The lock is held while this lives; dropping it unlocks.
pub struct MutexGuard<'a> {
    mutex: &'a RobustMutex,
}

impl MutexGuard<'_> {
    /// Declares the protected state repaired after an abandoned lock.
    pub fn make_consistent(&self) {
        // Safety: we hold the mutex, which is what the call requires.
        unsafe { libc::pthread_mutex_consistent(self.mutex.inner.get()) };
    }
}

impl Drop for MutexGuard<'_> {
    fn drop(&mut self) {
        // Safety: we hold the mutex.
        unsafe { libc::pthread_mutex_unlock(self.mutex.inner.get()) };
    }
}

/// A process-shared condition variable on the monotonic clock.
///
/// Beware: glibc's condition variable (up to 2.40; this machine has 2.36)
/// keeps per-waiter counts in the shared memory. A waiter killed while it
/// sleeps in `wait` never gives its count back, and a later `notify_one`
/// waits for it forever (tested here: the second signal after a waiter was
/// SIGKILLed never returns). Where a waiter may be terminated or killed, as
/// any worker may, use [`SharedEvent`].
#[repr(C)]
pub struct SharedCondvar {
    inner: UnsafeCell<libc::pthread_cond_t>,
}

// Safety: as for the mutex; pthread condition variables are shared by design.
unsafe impl Sync for SharedCondvar {}
unsafe impl Send for SharedCondvar {}
unsafe impl Shared for SharedCondvar {}

/// Whether a wait ended by a signal or by its timeout, and whether the
/// mutex came back abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Woken {
    pub timed_out: bool,
    /// The mutex's previous holder died while we waited (`EOWNERDEAD`).
    pub abandoned: bool,
}

impl SharedCondvar {
    /// Initialises in place; call once before use.
    pub fn init(&self) -> Result<(), SyncError> {
        // Safety: as in RobustMutex::init.
        unsafe {
            let mut attr: libc::pthread_condattr_t = std::mem::zeroed();
            check(libc::pthread_condattr_init(&mut attr))?;
            let r = (|| {
                check(libc::pthread_condattr_setpshared(
                    &mut attr,
                    libc::PTHREAD_PROCESS_SHARED,
                ))?;
                check(libc::pthread_condattr_setclock(
                    &mut attr,
                    libc::CLOCK_MONOTONIC,
                ))?;
                check(libc::pthread_cond_init(self.inner.get(), &attr))
            })();
            libc::pthread_condattr_destroy(&mut attr);
            r
        }
    }

    /// Releases the guard's mutex, waits for a notify (or a spurious wake),
    /// and takes the mutex back.
    pub fn wait(&self, guard: &mut MutexGuard<'_>) -> Woken {
        // Safety: both initialised; we hold the mutex (the guard proves it).
        let rc = unsafe { libc::pthread_cond_wait(self.inner.get(), guard.mutex.inner.get()) };
        Woken {
            timed_out: false,
            abandoned: rc == libc::EOWNERDEAD,
        }
    }

    /// As [`wait`](Self::wait), for at most `timeout`.
    pub fn wait_timeout(&self, guard: &mut MutexGuard<'_>, timeout: Duration) -> Woken {
        let at = deadline(libc::CLOCK_MONOTONIC, timeout);
        // Safety: as in `wait`; `at` is on the clock the condvar was made with.
        let rc =
            unsafe { libc::pthread_cond_timedwait(self.inner.get(), guard.mutex.inner.get(), &at) };
        Woken {
            timed_out: rc == libc::ETIMEDOUT,
            abandoned: rc == libc::EOWNERDEAD,
        }
    }

    pub fn notify_one(&self) {
        // Safety: initialised.
        unsafe { libc::pthread_cond_signal(self.inner.get()) };
    }

    pub fn notify_all(&self) {
        // Safety: initialised.
        unsafe { libc::pthread_cond_broadcast(self.inner.get()) };
    }
}

/// A wake-up word in shared memory: the robust replacement for a condition
/// variable between processes that may be killed at any moment.
///
/// Waiters read the sequence number while they hold the mutex, release it,
/// and sleep in the kernel (`futex`) until the number changes; a notifier
/// bumps the number after changing the shared state and wakes the sleepers.
/// The kernel keeps nothing of a waiter in this memory, so a waiter killed
/// while it sleeps leaves nothing behind; at worst the waiter count stays
/// one too high, which only costs a wake-up call that finds nobody.
#[repr(C)]
#[derive(Default)]
pub struct SharedEvent {
    seq: AtomicU32,
    waiters: AtomicU32,
}

// Safety: two atomics, valid all-zero.
unsafe impl Shared for SharedEvent {}

impl SharedEvent {
    /// Releases the guard's mutex, sleeps until [`notify`](Self::notify) is
    /// called or `timeout` passes (or a spurious wake), and takes the mutex
    /// back, reporting whether its holder died meanwhile.
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a>,
        timeout: Duration,
    ) -> Result<Locked<'a>, SyncError> {
        use rustix::thread::futex;
        let mutex = guard.mutex;
        self.waiters.fetch_add(1, Ordering::SeqCst);
        // Read under the mutex: a change made after this is seen by the
        // kernel's compare, one made before by the caller's own check.
        let seen = self.seq.load(Ordering::SeqCst);
        drop(guard);
        let ts = futex::Timespec {
            tv_sec: timeout.as_secs() as i64,
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        // EAGAIN (already changed), ETIMEDOUT and EINTR all mean: look again.
        let _ = futex::wait(&self.seq, futex::Flags::empty(), seen, Some(&ts));
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        mutex.lock()
    }

    /// Wakes every sleeper; costs no system call when nobody sleeps.
    pub fn notify(&self) {
        self.seq.fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _ = rustix::thread::futex::wake(
                &self.seq,
                rustix::thread::futex::Flags::empty(),
                i32::MAX as u32,
            );
        }
    }

    /// Processes sleeping now (or killed while sleeping).
    pub fn waiters(&self) -> u32 {
        self.waiters.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64};

    /// Zeroed memory that outlives the threads, as the region would be.
    fn leak<T>() -> &'static T {
        // Safety: both types are valid all-zero until `init`.
        Box::leak(Box::new(unsafe { std::mem::zeroed::<T>() }))
    }

    #[test]
    fn the_lock_excludes() {
        let m: &'static RobustMutex = leak();
        m.init().unwrap();
        let count = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let count = count.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        let _g = m.lock().unwrap().guard();
                        // A racy read-modify-write, made safe by the lock.
                        let v = count.load(Ordering::Relaxed);
                        count.store(v + 1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(count.load(Ordering::Relaxed), 40_000);
    }

    #[test]
    fn a_dead_holder_leaves_the_lock_abandoned_and_it_recovers() {
        let m: &'static RobustMutex = leak();
        m.init().unwrap();
        // A thread that dies holding the lock: robust mutexes track holders
        // per thread, as they do per process.
        std::thread::spawn(move || std::mem::forget(m.lock().unwrap().guard()))
            .join()
            .unwrap();
        let locked = m.lock().unwrap();
        assert!(locked.was_abandoned());
        let guard = locked.guard();
        guard.make_consistent();
        drop(guard);
        assert!(!m.lock().unwrap().was_abandoned(), "recovered");
    }

    #[test]
    fn an_abandoned_lock_never_repaired_is_dead() {
        let m: &'static RobustMutex = leak();
        m.init().unwrap();
        std::thread::spawn(move || std::mem::forget(m.lock().unwrap().guard()))
            .join()
            .unwrap();
        drop(m.lock().unwrap()); // released without make_consistent
        assert_eq!(m.lock().err(), Some(SyncError::NotRecoverable));
    }

    #[test]
    fn try_and_timed_locks_give_up() {
        let m: &'static RobustMutex = leak();
        m.init().unwrap();
        let held = m.lock().unwrap().guard();
        let other = std::thread::spawn(move || {
            let a = m.try_lock().unwrap().is_none();
            let b = m.lock_timeout(Duration::from_millis(20)).unwrap().is_none();
            a && b
        });
        assert!(other.join().unwrap());
        drop(held);
    }

    #[test]
    fn a_condvar_wakes_a_waiter() {
        let m: &'static RobustMutex = leak();
        let c: &'static SharedCondvar = leak();
        m.init().unwrap();
        c.init().unwrap();
        let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        let waiter = std::thread::spawn(move || {
            let mut g = m.lock().unwrap().guard();
            while !flag.load(Ordering::Relaxed) {
                c.wait_timeout(&mut g, Duration::from_secs(5));
            }
        });
        std::thread::sleep(Duration::from_millis(20));
        {
            let _g = m.lock().unwrap().guard();
            flag.store(true, Ordering::Relaxed);
            c.notify_all();
        }
        waiter.join().unwrap();
        let mut g = m.lock().unwrap().guard();
        assert!(c.wait_timeout(&mut g, Duration::from_millis(10)).timed_out);
    }

    #[test]
    fn an_event_wakes_a_waiter_and_times_out_alone() {
        let m: &'static RobustMutex = leak();
        let e: &'static SharedEvent = leak();
        m.init().unwrap();
        let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        let waiter = std::thread::spawn(move || {
            let mut g = m.lock().unwrap().guard();
            let mut wakes = 0;
            while !flag.load(Ordering::Relaxed) {
                g = e.wait(g, Duration::from_secs(5)).unwrap().guard();
                wakes += 1;
            }
            wakes
        });
        while e.waiters() == 0 {
            std::thread::yield_now();
        }
        {
            let _g = m.lock().unwrap().guard();
            flag.store(true, Ordering::Relaxed);
        }
        e.notify();
        assert!(waiter.join().unwrap() >= 1);
        let t = std::time::Instant::now();
        let g = m.lock().unwrap().guard();
        let _g = e.wait(g, Duration::from_millis(20)).unwrap();
        assert!(
            t.elapsed() >= Duration::from_millis(15),
            "slept until the timeout"
        );
    }
}
