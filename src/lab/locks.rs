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
//! [`SharedCondvar`] is a condition variable on a futex word, for blocking
//! until another process changes something; unlike glibc's process-shared
//! one, it survives a waiter killed in its sleep.
//! It is not safe against a waiter being killed: see [`WakeWord`], which is.
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
pub enum LockError {
    /// A holder died and the next one released it without repairing:
    /// `ENOTRECOVERABLE`, the lock is dead for good.
    #[error("the lock is unrecoverable: a holder died and the state was never marked consistent")]
    NotRecoverable,
    #[error("pthread call failed: {0}")]
    Os(i32),
}

fn check(rc: i32) -> Result<(), LockError> {
    if rc == 0 {
        Ok(())
    } else {
        Err(LockError::Os(rc))
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
    pub fn init(&self) -> Result<(), LockError> {
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

    fn result(&self, rc: i32) -> Result<Option<Locked<'_>>, LockError> {
        let guard = MutexGuard { mutex: self };
        match rc {
            0 => Ok(Some(Locked::Acquired(guard))),
            libc::EOWNERDEAD => Ok(Some(Locked::Abandoned(guard))),
            _ => {
                std::mem::forget(guard); // not held: nothing to unlock
                match rc {
                    libc::EBUSY | libc::ETIMEDOUT => Ok(None),
                    libc::ENOTRECOVERABLE => Err(LockError::NotRecoverable),
                    other => Err(LockError::Os(other)),
                }
            }
        }
    }

    /// Blocks until the lock is held.
    pub fn lock(&self) -> Result<Locked<'_>, LockError> {
        // Safety: the mutex was initialised by `init`.
        let rc = unsafe { libc::pthread_mutex_lock(self.inner.get()) };
        self.result(rc)
            .map(|l| l.expect("a blocking lock returns held or fails"))
    }

    /// Takes the lock if it is free now.
    pub fn try_lock(&self) -> Result<Option<Locked<'_>>, LockError> {
        // Safety: the mutex was initialised by `init`.
        let rc = unsafe { libc::pthread_mutex_trylock(self.inner.get()) };
        self.result(rc)
    }

    /// Waits up to `timeout` for the lock.
    pub fn lock_timeout(&self, timeout: Duration) -> Result<Option<Locked<'_>>, LockError> {
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

/// A condition variable between processes, on a futex word.
///
/// glibc's process-shared `pthread_cond_t` (up to 2.40; this machine has
/// 2.36) keeps per-waiter counts in the shared memory: a waiter killed while
/// it sleeps never gives its count back, and a later signal waits for it
/// forever (seen here: the second signal after a waiter was SIGKILLed never
/// returned). Workers are killed while they wait all the time in these labs,
/// so this one keeps no per-waiter state: waiters sleep in the kernel
/// (`futex`) until a sequence number changes, and a killed waiter leaves at
/// most a waiter count one too high, which costs a wake-up that finds nobody.
#[repr(C)]
#[derive(Default)]
pub struct SharedCondvar {
    seq: AtomicU32,
    waiters: AtomicU32,
}

// Safety: two atomics, valid all-zero.
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
    /// Resets it; call once before use (all-zero memory is ready too).
    pub fn init(&self) -> Result<(), LockError> {
        self.seq.store(0, Ordering::SeqCst);
        self.waiters.store(0, Ordering::SeqCst);
        Ok(())
    }

    /// Releases the guard's mutex, waits for a notify (or a spurious wake),
    /// and takes the mutex back.
    pub fn wait(&self, guard: &mut MutexGuard<'_>) -> Woken {
        self.sleep(guard, None)
    }

    /// As [`wait`](Self::wait), for at most `timeout`.
    pub fn wait_timeout(&self, guard: &mut MutexGuard<'_>, timeout: Duration) -> Woken {
        self.sleep(guard, Some(timeout))
    }

    fn sleep(&self, guard: &mut MutexGuard<'_>, timeout: Option<Duration>) -> Woken {
        use rustix::thread::futex;
        // Counted before the number is read: a notifier that then sees no
        // waiter has bumped the number before we read it, so we do not sleep.
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let seen = self.seq.load(Ordering::SeqCst);
        // Safety: the guard proves we hold the mutex; it is taken back below
        // before the guard can be used or dropped.
        unsafe { libc::pthread_mutex_unlock(guard.mutex.inner.get()) };
        let ts = timeout.map(|t| futex::Timespec {
            tv_sec: t.as_secs() as i64,
            tv_nsec: i64::from(t.subsec_nanos()),
        });
        let result = futex::wait(&self.seq, futex::Flags::empty(), seen, ts.as_ref());
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        // Safety: the mutex was initialised; we take back what we released.
        let rc = unsafe { libc::pthread_mutex_lock(guard.mutex.inner.get()) };
        Woken {
            timed_out: result == Err(rustix::io::Errno::TIMEDOUT),
            abandoned: rc == libc::EOWNERDEAD,
        }
    }

    /// Wakes one waiter.
    pub fn notify_one(&self) {
        self.wake(1);
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        self.wake(i32::MAX as u32);
    }

    fn wake(&self, n: u32) {
        self.seq.fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _ =
                rustix::thread::futex::wake(&self.seq, rustix::thread::futex::Flags::empty(), n);
        }
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
pub struct WakeWord {
    seq: AtomicU32,
    waiters: AtomicU32,
}

// Safety: two atomics, valid all-zero.
unsafe impl Shared for WakeWord {}

impl WakeWord {
    /// Releases the guard's mutex, sleeps until [`notify`](Self::notify) is
    /// called or `timeout` passes (or a spurious wake), and takes the mutex
    /// back, reporting whether its holder died meanwhile.
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a>,
        timeout: Duration,
    ) -> Result<Locked<'a>, LockError> {
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
        assert_eq!(m.lock().err(), Some(LockError::NotRecoverable));
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
        let e: &'static WakeWord = leak();
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

    #[test]
    fn a_waiter_killed_in_its_sleep_hangs_no_one() {
        use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};
        use nix::sys::signal::{Signal, kill};
        use nix::sys::wait::waitpid;
        use nix::unistd::{ForkResult, fork};
        // Memory shared with a forked child, as the region is with workers.
        let len = std::num::NonZeroUsize::new(4096).unwrap();
        // Safety: a fresh anonymous shared mapping.
        let mem = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }
        .unwrap();
        // Safety: zeroed, page-aligned memory large enough for both.
        let (m, c): (&RobustMutex, &SharedCondvar) = unsafe {
            let base = mem.as_ptr().cast::<u8>();
            (&*base.cast(), &*base.add(256).cast())
        };
        m.init().unwrap();
        c.init().unwrap();
        // Safety: the child only locks, sleeps in the kernel, and is killed.
        match unsafe { fork() }.unwrap() {
            ForkResult::Child => {
                let mut g = m.lock().unwrap().guard();
                loop {
                    c.wait(&mut g);
                }
            }
            ForkResult::Parent { child } => {
                while c.waiters.load(Ordering::SeqCst) == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                kill(child, Signal::SIGKILL).unwrap();
                waitpid(child, None).unwrap();
                // With glibc's condvar the second of these never returned.
                c.notify_one();
                c.notify_one();
                c.notify_all();
                let mut g = m.lock().unwrap().guard();
                assert!(c.wait_timeout(&mut g, Duration::from_millis(10)).timed_out);
            }
        }
    }
}
