//! The simulated GIL, following CPython's `Python/ceval_gil.c` (3.2 to 3.12;
//! the names below are CPython's, quoted from 3.11's `Python/ceval_gil.h`).
//!
//! - One lock: a `locked` flag guarded by `mutex`, its changes signalled on
//!   `cond` (`struct _gil_runtime_state`, Include/internal/pycore_gil.h).
//! - `take_gil`: while the GIL is locked, wait on `cond` for one switch
//!   interval; if the wait timed out, the GIL is still locked and no switch
//!   happened meanwhile (`switch_number` unchanged), set the drop request
//!   (`SET_GIL_DROP_REQUEST`). Once free, take it; if the last holder was
//!   another thread, become `last_holder` and bump `switch_number`; signal
//!   `switch_cond`; clear a pending drop request.
//! - `drop_gil`: record ourselves as `last_holder`, clear `locked`, signal
//!   `cond`. With FORCE_SWITCHING (always on), if a drop request is pending
//!   and no one has taken the GIL yet, wait on `switch_cond` until someone
//!   has, so the dropper cannot take it straight back.
//! - The holder looks for a drop request at "eval breaker" points (loop back
//!   edges and calls in CPython; every few microseconds of work here), then
//!   drops the GIL and takes it again (`eval_frame_handle_pending`).
//! - A blocking call releases the GIL around itself
//!   (`Py_BEGIN_ALLOW_THREADS` / `Py_END_ALLOW_THREADS`).
//! - Which waiter gets the GIL is up to the OS scheduler: no fairness.
//!
//! Every change is also written to the area's ring, under `mutex`, so the
//! ring's order is the order in which the lock changed hands.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::lab::clock;
use crate::lab::locks::{Locked, MutexGuard, RobustMutex};

use super::area::{InterpArea, ThreadEntry, ThreadState};
use super::ring::EventKind;

/// One thread's handle on its interpreter's GIL.
///
/// With the GIL disabled (a free-threaded interpreter) the same calls only
/// record what the thread does.
pub struct GilThread<'a> {
    area: &'a InterpArea,
    entry: &'a ThreadEntry,
    /// This thread's number, from 1 (CPython compares `PyThreadState`
    /// pointers; a number does the same job and fits in the ring).
    me: u16,
    enabled: bool,
    /// When this thread last took the GIL.
    took_ns: u64,
}

/// Locks a mutex of the GIL. A dead holder can only be a thread of this
/// same process, which would have taken the process with it, so an
/// abandoned lock is simply made consistent.
fn lock(m: &RobustMutex) -> MutexGuard<'_> {
    match m.lock() {
        Ok(Locked::Acquired(g)) => g,
        Ok(Locked::Abandoned(g)) => {
            g.make_consistent();
            g
        }
        Err(e) => panic!("the simulated GIL's mutex failed: {e}"),
    }
}

impl<'a> GilThread<'a> {
    /// The handle of thread `me` (from 1) of the interpreter in `area`.
    pub fn new(area: &'a InterpArea, me: u16) -> GilThread<'a> {
        GilThread {
            area,
            entry: &area.threads[usize::from(me) - 1],
            me,
            enabled: area.gil.enabled.load(Ordering::Relaxed) != 0,
            took_ns: 0,
        }
    }

    /// The thread starts running Python code: it takes the GIL, as a new
    /// thread does in `t_bootstrap` (`PyEval_AcquireThread`).
    pub fn attach(&mut self) {
        if self.enabled {
            self.take_gil();
        } else {
            self.entry.set_state(ThreadState::Running);
            self.area.ring.push(self.me, EventKind::Run, 0);
        }
    }

    /// The thread is done: it drops the GIL for good.
    pub fn detach(&mut self) {
        if self.enabled {
            self.drop_gil(EventKind::DropDone);
        } else {
            self.area.ring.push(self.me, EventKind::Done, 0);
        }
        self.entry.set_state(ThreadState::Done);
    }

    /// The drop request flag, for work loops that look at it between
    /// handfuls of operations before calling [`eval_breaker`](Self::eval_breaker).
    /// Without a GIL nothing ever sets it.
    pub fn drop_request(&self) -> &'a AtomicU32 {
        &self.area.gil.drop_request
    }

    /// An eval breaker point: if another thread asked for the GIL, give it
    /// a chance and queue up again (`eval_frame_handle_pending`).
    #[inline]
    pub fn eval_breaker(&mut self) {
        if self.enabled && self.area.gil.drop_request.load(Ordering::Relaxed) != 0 {
            self.drop_gil(EventKind::DropForced);
            self.take_gil();
        }
    }

    /// Runs a blocking call with the GIL released around it, as
    /// `Py_BEGIN_ALLOW_THREADS` ... `Py_END_ALLOW_THREADS` does.
    pub fn blocking<R>(&mut self, call: impl FnOnce() -> R) -> R {
        if !self.enabled {
            self.entry.set_state(ThreadState::Io);
            self.area.ring.push(self.me, EventKind::Io, 0);
            let r = call();
            self.entry.set_state(ThreadState::Running);
            self.area.ring.push(self.me, EventKind::Run, 0);
            return r;
        }
        self.drop_gil(EventKind::DropIo);
        self.entry.set_state(ThreadState::Io);
        let r = call();
        self.take_gil();
        r
    }

    /// `take_gil()`.
    fn take_gil(&mut self) {
        let g = &self.area.gil;
        let asked = clock::now_ns();
        let mut guard = lock(&g.mutex);
        if g.locked.load(Ordering::Relaxed) != 0 {
            self.entry.set_state(ThreadState::Waiting);
            self.area.ring.push(self.me, EventKind::Wait, 0);
        }
        while g.locked.load(Ordering::Relaxed) != 0 {
            let saved_switchnum = g.switch_number.load(Ordering::Relaxed);
            let interval = g.interval_us.load(Ordering::Relaxed).max(1);
            let woken = g
                .cond
                .wait_timeout(&mut guard, Duration::from_micros(u64::from(interval)));
            // "If we timed out and no switch occurred in the meantime, it is
            // time to ask the GIL-holding thread to drop it."
            if woken.timed_out
                && g.locked.load(Ordering::Relaxed) != 0
                && g.switch_number.load(Ordering::Relaxed) == saved_switchnum
            {
                g.drop_request.store(1, Ordering::Relaxed);
                g.drop_requests.fetch_add(1, Ordering::Relaxed);
            }
        }
        // _ready: "This mutex must be taken before modifying
        // gil->last_holder: see drop_gil()."
        {
            let _switch = lock(&g.switch_mutex);
            g.locked.store(1, Ordering::Relaxed);
            // The state first: whoever sees this thread as the holder sees
            // it holding, never still in the blocking call it woke from.
            self.entry.set_state(ThreadState::Holding);
            g.holder.store(u32::from(self.me), Ordering::Release);
            let last = g.last_holder.load(Ordering::Relaxed);
            if last != u32::from(self.me) {
                g.last_holder.store(u32::from(self.me), Ordering::Relaxed);
                g.switch_number.fetch_add(1, Ordering::Relaxed);
            }
            self.area.ring.push(self.me, EventKind::Take, last as u16);
            g.switch_cond.notify_one();
        }
        // RESET_GIL_DROP_REQUEST: the request was for the previous holder.
        if g.drop_request.load(Ordering::Relaxed) != 0 {
            g.drop_request.store(0, Ordering::Relaxed);
        }
        drop(guard);
        let now = clock::now_ns();
        self.entry
            .waited_ns
            .fetch_add(now.saturating_sub(asked), Ordering::Relaxed);
        self.took_ns = now;
    }

    /// `drop_gil()`; `why` says which of the three reasons it is.
    fn drop_gil(&mut self, why: EventKind) {
        debug_assert!(why.is_drop());
        let g = &self.area.gil;
        g.last_holder.store(u32::from(self.me), Ordering::Relaxed);
        {
            let _guard = lock(&g.mutex);
            self.entry.held_ns.fetch_add(
                clock::now_ns().saturating_sub(self.took_ns),
                Ordering::Relaxed,
            );
            self.area.ring.push(self.me, why, 0);
            g.holder.store(0, Ordering::Relaxed);
            g.locked.store(0, Ordering::Relaxed);
            g.cond.notify_one();
        }
        self.entry.set_state(match why {
            EventKind::DropIo => ThreadState::Io,
            EventKind::DropDone => ThreadState::Done,
            _ => ThreadState::Waiting,
        });
        // FORCE_SWITCHING: "Not switched yet => wait".
        if g.drop_request.load(Ordering::Relaxed) != 0 {
            let mut switch = lock(&g.switch_mutex);
            if g.last_holder.load(Ordering::Relaxed) == u32::from(self.me) {
                g.drop_request.store(0, Ordering::Relaxed);
                // "NOTE: if COND_WAIT does not atomically start waiting when
                // releasing the mutex, another thread can run through, take
                // the GIL and drop it again, and reset the condition before
                // we even had a chance to wait for it."
                g.switch_cond.wait(&mut switch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::super::area::{InterpConfig, ThreadKind};
    use super::super::ring::Record;
    use super::*;
    use crate::lab::work::{calibrate, spin};

    fn area(gil: bool, interval_us: u32) -> &'static InterpArea {
        // Safety: an area is valid all-zero; `claim` initialises its locks.
        let area: &'static InterpArea =
            Box::leak(unsafe { Box::<InterpArea>::new_zeroed().assume_init() });
        area.claim(InterpConfig {
            gil,
            interval_us,
            exit_when_done: true,
        })
        .unwrap();
        area
    }

    /// Threads spinning with eval breaker checks until `stop`.
    fn run_cpu_threads(area: &'static InterpArea, n: u16, run_for: Duration) {
        let per_check = (calibrate() / 200).max(1);
        let stop: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        std::thread::scope(|s| {
            for _ in 0..n {
                let me = area
                    .request_thread(ThreadKind::Cpu, 1, 1000)
                    .expect("room for a thread");
                s.spawn(move || {
                    let mut t = GilThread::new(area, me);
                    t.attach();
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::black_box(spin(per_check));
                        t.eval_breaker();
                    }
                    t.detach();
                });
            }
            std::thread::sleep(run_for);
            stop.store(true, Ordering::Relaxed);
        });
    }

    fn records(area: &InterpArea) -> Vec<Record> {
        area.ring
            .read(area.first_seq.load(Ordering::Relaxed))
            .records
    }

    /// Replays the records, failing on a second holder.
    fn check_one_holder(records: &[Record]) -> usize {
        let mut holder = 0u16;
        let mut takes = 0;
        for r in records {
            match r.kind {
                EventKind::Take => {
                    assert_eq!(holder, 0, "thread {} took a held GIL: {r:?}", r.thread);
                    holder = r.thread;
                    takes += 1;
                }
                k if k.is_drop() => {
                    assert_eq!(holder, r.thread, "a thread dropped what it did not hold");
                    holder = 0;
                }
                _ => {}
            }
        }
        takes
    }

    #[test]
    fn two_cpu_threads_take_turns_about_every_interval() {
        let area = area(true, 2_000);
        run_cpu_threads(area, 2, Duration::from_millis(300));
        let recs = records(area);
        assert!(check_one_holder(&recs) > 10);
        let handovers: Vec<u64> = recs
            .iter()
            .filter(|r| r.is_handover())
            .map(|r| r.at_ns)
            .collect();
        let mut gaps: Vec<u64> = handovers.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        let median = gaps[gaps.len() / 2];
        // Loose: the machine is shared, wake-ups are late, never early.
        assert!(
            (1_000_000..20_000_000).contains(&median),
            "median slice {median} ns for a 2 ms interval"
        );
        assert!(area.gil.drop_requests.load(Ordering::Relaxed) > 0);
    }

    #[test]
    fn a_blocking_call_releases_the_gil() {
        let area = area(true, 1_000);
        let me = area.request_thread(ThreadKind::Io, 1, 0).unwrap();
        let other = area.request_thread(ThreadKind::Cpu, 1, 0).unwrap();
        let mut a = GilThread::new(area, me);
        a.attach();
        let seen = a.blocking(|| {
            // While we sleep, another thread takes the GIL at once.
            std::thread::scope(|s| {
                s.spawn(|| {
                    let mut b = GilThread::new(area, other);
                    b.attach();
                    let holder = area.gil.holder.load(Ordering::Relaxed);
                    b.detach();
                    holder
                })
                .join()
                .unwrap()
            })
        });
        assert_eq!(seen, u32::from(other));
        a.detach();
        check_one_holder(&records(area));
    }

    #[test]
    fn without_a_gil_threads_only_record_what_they_do() {
        let area = area(false, 5_000);
        run_cpu_threads(area, 2, Duration::from_millis(30));
        let recs = records(area);
        assert!(
            recs.iter()
                .all(|r| matches!(r.kind, EventKind::Run | EventKind::Done))
        );
        assert_eq!(recs.len(), 4);
        assert_eq!(area.gil.switch_number.load(Ordering::Relaxed), 0);
    }
}
