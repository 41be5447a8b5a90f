//! The sync lab's section of the shared region, and the words its workers
//! leave in their slot's `wait` field.

use std::sync::atomic::{AtomicU32, AtomicU64};

use crate::lab::shm::Shared;
use crate::lab::waitable::{SharedBarrier, SharedEvent, SharedSemaphore};

/// One Event, one Semaphore and one Barrier, shared by every sync worker,
/// and the workers' own record of the critical section.
#[repr(C)]
pub struct SyncSection {
    /// `e = Event()`: the gate every round starts at.
    pub event: SharedEvent,
    /// `sem = Semaphore(k)`: bounds the critical section.
    pub sem: SharedSemaphore,
    /// `b = Barrier(parties)`: where every round ends.
    pub barrier: SharedBarrier,
    /// Workers inside the critical section, counted by the workers as they
    /// enter and leave, apart from the semaphore's own count.
    pub inside: AtomicU32,
    /// The most ever inside at once.
    pub most_inside: AtomicU32,
    /// Entries into the critical section.
    pub entries: AtomicU64,
}

unsafe impl Shared for SyncSection {}

/// What a sync worker is doing, as left in its slot's `wait` field: a kind
/// in the low byte and two 12-bit numbers above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncWait {
    Nothing,
    /// `e.wait()` on a cleared event.
    Event,
    /// `sem.acquire()` with `held` of `permits` taken.
    Semaphore {
        held: u32,
        permits: u32,
    },
    /// Inside `with sem:`, holding a permit.
    Inside,
    /// Working outside the critical section.
    Outside,
    /// `b.wait()`, with `arrived` of `parties` there.
    Barrier {
        arrived: u32,
        parties: u32,
    },
}

const FIELD_MAX: u32 = (1 << 12) - 1;

fn pack(kind: u32, a: u32, b: u32) -> u32 {
    kind | (a.min(FIELD_MAX) << 8) | (b.min(FIELD_MAX) << 20)
}

impl SyncWait {
    pub fn encode(self) -> u32 {
        match self {
            SyncWait::Nothing => 0,
            SyncWait::Event => pack(1, 0, 0),
            SyncWait::Semaphore { held, permits } => pack(2, held, permits),
            SyncWait::Inside => pack(3, 0, 0),
            SyncWait::Outside => pack(4, 0, 0),
            SyncWait::Barrier { arrived, parties } => pack(5, arrived, parties),
        }
    }

    pub fn decode(word: u32) -> SyncWait {
        let a = (word >> 8) & FIELD_MAX;
        let b = (word >> 20) & FIELD_MAX;
        match word & 0xff {
            1 => SyncWait::Event,
            2 => SyncWait::Semaphore {
                held: a,
                permits: b,
            },
            3 => SyncWait::Inside,
            4 => SyncWait::Outside,
            5 => SyncWait::Barrier {
                arrived: a,
                parties: b,
            },
            _ => SyncWait::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_words_round_trip() {
        for w in [
            SyncWait::Nothing,
            SyncWait::Event,
            SyncWait::Semaphore {
                held: 2,
                permits: 2,
            },
            SyncWait::Inside,
            SyncWait::Outside,
            SyncWait::Barrier {
                arrived: 3,
                parties: 4,
            },
            SyncWait::Barrier {
                arrived: FIELD_MAX,
                parties: FIELD_MAX,
            },
        ] {
            assert_eq!(SyncWait::decode(w.encode()), w);
        }
    }
}
