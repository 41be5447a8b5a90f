//! The sync lab's worker (`--role sync`), round after round:
//!
//! ```python
//! while True:
//!     e.wait()                 # the gate: until proclab sets the event
//!     with sem:                # at most k at once
//!         query_database()     # about --task-ms
//!     work_alone()             # a random share of --task-ms
//!     b.wait()                 # until every party has arrived
//! ```
//!
//! Each step is left in the slot's `wait` field as the worker goes, and
//! updated on every wake while it waits, so the row says what it waits on.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::shared::{SyncSection, SyncWait};
use crate::lab::shm::{Region, SectionId};
use crate::lab::slot::{Phase, Slot};
use crate::lab::work;
use crate::lab::worker::{WorkerArgs, between_slices};

/// How often a sleep looks at proclab's requests.
const STEP: Duration = Duration::from_millis(10);

fn set_wait(slot: &Slot, wait: SyncWait) {
    slot.wait.store(wait.encode(), Ordering::Relaxed);
}

/// A small xorshift, seeded by the pid: each worker works outside for its
/// own, varying time, so they reach the barrier one by one.
struct Jitter(u64);

impl Jitter {
    fn next_fraction(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1000) as f64 / 1000.0
    }
}

/// The worker's whole life; returns its exit status.
pub fn run(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    let sec: &SyncSection = region.section(SectionId::Sync);
    let hold = Duration::from_millis(args.task_ms);
    let mut jitter = Jitter(u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    slot.set_phase(Phase::Io);
    let nap = |d: Duration| work::io_task(d, STEP, |f| between_slices(slot, f));
    loop {
        set_wait(slot, SyncWait::Event);
        let passed = sec.event.wait(|| between_slices(slot, 0.0));
        if !matches!(passed, Ok(true)) {
            return failed("the event", passed.err());
        }

        let permit = sec.sem.acquire(|s| {
            set_wait(
                slot,
                SyncWait::Semaphore {
                    held: s.held,
                    permits: s.permits,
                },
            );
            between_slices(slot, 0.0)
        });
        let permit = match permit {
            Ok(Some(p)) => p,
            Ok(None) => return 0,
            Err(e) => return failed("the semaphore", Some(e)),
        };
        let now_inside = sec.inside.fetch_add(1, Ordering::AcqRel) + 1;
        sec.most_inside.fetch_max(now_inside, Ordering::AcqRel);
        sec.entries.fetch_add(1, Ordering::Relaxed);
        set_wait(slot, SyncWait::Inside);
        let flow = nap(hold);
        sec.inside.fetch_sub(1, Ordering::AcqRel);
        drop(permit);
        if flow.is_break() {
            return 0;
        }

        set_wait(slot, SyncWait::Outside);
        let alone = hold.mul_f64(0.3 + 0.7 * jitter.next_fraction());
        if nap(alone).is_break() {
            return 0;
        }

        let arrived = sec.barrier.wait(|s| {
            set_wait(
                slot,
                SyncWait::Barrier {
                    arrived: s.arrived,
                    parties: s.parties,
                },
            );
            between_slices(slot, 0.0)
        });
        match arrived {
            Ok(Some(_)) => {}
            Ok(None) => return 0,
            Err(e) => return failed("the barrier", Some(e)),
        }
        slot.tasks_done.fetch_add(1, Ordering::Relaxed);
        if between_slices(slot, 0.0) == ControlFlow::Break(()) {
            return 0;
        }
    }
}

fn failed(what: &str, e: Option<crate::lab::locks::LockError>) -> i32 {
    match e {
        Some(e) => eprintln!("proclab sync worker: {what} failed: {e}"),
        None => eprintln!("proclab sync worker: {what} failed"),
    }
    1
}
