//! The counter lab's section of the shared region, and the words its
//! workers leave in their slot's `wait` field.
//!
//! proclab writes a run's settings here before it starts the run's workers;
//! the workers read them, meet at the start gate, and increment `value`.
//! The lock, the value and the holder's pid share one cache line, as a
//! `multiprocessing.Value`'s lock and payload sit side by side.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::lab::locks::RobustMutex;
use crate::lab::shm::Shared;
use crate::lab::waitable::SharedEvent;

/// How the workers increment the shared counter.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[repr(u32)]
pub enum CounterMode {
    /// Read, add one, write back, with no lock: `Value(lock=False)`.
    #[default]
    Racy = 0,
    /// Behind the process-shared lock: `with v.get_lock(): v.value += 1`.
    Locked = 1,
    /// One atomic add (no Python equivalent).
    Atomic = 2,
    /// A request and a reply to a server process per increment: a Manager proxy.
    Manager = 3,
}

impl CounterMode {
    pub const ALL: [CounterMode; 4] = [
        CounterMode::Racy,
        CounterMode::Locked,
        CounterMode::Atomic,
        CounterMode::Manager,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CounterMode::Racy => "racy",
            CounterMode::Locked => "locked",
            CounterMode::Atomic => "atomic",
            CounterMode::Manager => "manager",
        }
    }

    pub fn next(self) -> CounterMode {
        CounterMode::ALL[(self as usize + 1) % CounterMode::ALL.len()]
    }

    pub fn from_u32(v: u32) -> CounterMode {
        CounterMode::ALL
            .get(v as usize)
            .copied()
            .unwrap_or(CounterMode::Racy)
    }

    /// Whether the count is exact by construction.
    pub fn is_exact(self) -> bool {
        self != CounterMode::Racy
    }
}

/// The lock, the counter and who holds the lock: written together.
#[repr(C, align(64))]
pub struct Hot {
    /// The Value's lock: a robust, process-shared pthread mutex.
    pub lock: RobustMutex,
    /// The shared counter (in manager mode, the server's copy, for display).
    pub value: AtomicU64,
    /// Pid of the worker inside the critical section (0: nobody).
    pub holder: AtomicU32,
}

#[repr(C)]
pub struct CounterSection {
    pub hot: Hot,
    /// The run these settings belong to, from 1.
    pub run: AtomicU32,
    /// A [`CounterMode`] as u32.
    pub mode: AtomicU32,
    /// Slow motion: each increment stretched so a person can follow it.
    pub slow: AtomicU32,
    /// Increments each worker makes.
    pub increments: AtomicU64,
    /// The start gate: every worker of a run waits on it, so they all start
    /// together. The last to arrive sets it (or proclab, if one died first).
    pub gate: SharedEvent,
    /// Workers that reached the gate, and how many the run has.
    pub ready: AtomicU32,
    pub parties: AtomicU32,
    /// Monotonic ns at which the first worker passed the gate (0: not yet).
    pub go_ns: AtomicU64,
    /// Monotonic ns at which the last worker passed the gate.
    pub last_go_ns: AtomicU64,
    /// Monotonic ns at which the first worker finished its increments
    /// (`u64::MAX`: none yet). From `last_go_ns` to here, all ran at once.
    pub first_end_ns: AtomicU64,
    /// Increments that found the counter changed by another worker since
    /// their own last write: 0 means the workers never ran at the same
    /// time, and nothing could race.
    pub interleaved: AtomicU64,
    /// Workers of the run that finished their increments.
    pub finished: AtomicU32,
    /// Monotonic ns at which the last of them finished.
    pub end_ns: AtomicU64,
    /// How many times a locker found the lock abandoned (`EOWNERDEAD`).
    pub abandoned: AtomicU32,
    /// Pid of the holder that died with the lock, as last recovered.
    pub abandoned_by: AtomicU32,
    /// Pid of the worker that got `EOWNERDEAD` and repaired the lock.
    pub recovered_by: AtomicU32,
}

unsafe impl Shared for CounterSection {}

impl CounterSection {
    pub fn mode(&self) -> CounterMode {
        CounterMode::from_u32(self.mode.load(Ordering::Relaxed))
    }

    pub fn is_slow(&self) -> bool {
        self.slow.load(Ordering::Relaxed) != 0
    }

    pub fn value(&self) -> u64 {
        self.hot.value.load(Ordering::Relaxed)
    }
}

/// Requests a manager client sends, one byte each.
pub const REQUEST_INCREMENT: u8 = 1;
pub const REQUEST_SHUTDOWN: u8 = 2;

/// What a counter-lab worker is doing, as left in its slot's `wait` field:
/// a kind in the low byte and a value above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterWait {
    Nothing,
    /// At the start gate, waiting for the run's other workers.
    Gate,
    /// Blocked on the lock (said only once a wait has lasted, so a fast run
    /// does not flicker).
    Lock,
    /// Slow motion, inside the critical section, having read this value.
    Holds(u32),
    /// Slow motion, racy: read this value and will write it plus one.
    Read(u32),
    /// Slow motion, atomic: added one, making this value.
    Added(u32),
    /// Waiting for the manager's reply to an increment request.
    Reply,
    /// The manager's server, with this many connected proxies.
    Serving(u32),
}

const VALUE_MAX: u32 = (1 << 24) - 1;

impl CounterWait {
    pub fn encode(self) -> u32 {
        let (kind, value) = match self {
            CounterWait::Nothing => (0, 0),
            CounterWait::Gate => (1, 0),
            CounterWait::Lock => (2, 0),
            CounterWait::Holds(v) => (3, v),
            CounterWait::Read(v) => (4, v),
            CounterWait::Added(v) => (5, v),
            CounterWait::Reply => (6, 0),
            CounterWait::Serving(n) => (7, n),
        };
        kind | (value.min(VALUE_MAX) << 8)
    }

    pub fn decode(word: u32) -> CounterWait {
        let value = word >> 8;
        match word & 0xff {
            1 => CounterWait::Gate,
            2 => CounterWait::Lock,
            3 => CounterWait::Holds(value),
            4 => CounterWait::Read(value),
            5 => CounterWait::Added(value),
            6 => CounterWait::Reply,
            7 => CounterWait::Serving(value),
            _ => CounterWait::Nothing,
        }
    }

    /// A value for a wait word, saturated to what fits.
    pub fn value(v: u64) -> u32 {
        v.min(u64::from(VALUE_MAX)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_words_round_trip() {
        for w in [
            CounterWait::Nothing,
            CounterWait::Gate,
            CounterWait::Lock,
            CounterWait::Holds(41),
            CounterWait::Read(0),
            CounterWait::Added(VALUE_MAX),
            CounterWait::Reply,
            CounterWait::Serving(3),
        ] {
            assert_eq!(CounterWait::decode(w.encode()), w);
        }
        assert_eq!(
            CounterWait::decode(CounterWait::Read(CounterWait::value(u64::MAX)).encode()),
            CounterWait::Read(VALUE_MAX)
        );
    }

    #[test]
    fn the_hot_fields_share_one_cache_line() {
        assert!(size_of::<Hot>() <= 64, "{}", size_of::<Hot>());
        assert_eq!(align_of::<Hot>(), 64);
    }

    #[test]
    fn modes_cycle_through_all_four() {
        let mut m = CounterMode::Racy;
        for expected in [
            CounterMode::Locked,
            CounterMode::Atomic,
            CounterMode::Manager,
            CounterMode::Racy,
        ] {
            m = m.next();
            assert_eq!(m, expected);
        }
    }
}
