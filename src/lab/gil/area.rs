//! The GIL lab's section of the shared region: one area per interpreter
//! process, holding its GIL, its threads' requests and reports, and the ring
//! of hand-overs.
//!
//! proclab fills an area before it starts the interpreter and then only
//! writes requests (more threads, a new switch interval); it reads the rest
//! with atomic loads and never takes the interpreter's locks, so a paused or
//! killed interpreter can never make proclab wait.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::lab::locks::{RobustMutex, SharedCondvar, LockError};
use crate::lab::shm::Shared;

use super::ring::Ring;

/// Threads one interpreter runs at most.
pub const MAX_THREADS: usize = 64;
/// Interpreter areas: one for the lab's own interpreter, one for the race's.
pub const AREAS: usize = 2;
/// The area of the interpreter the user starts threads in.
pub const INTERACTIVE: usize = 0;
/// The area of the race's interpreters, one run after another.
pub const RACE: usize = 1;

/// A thread's quota meaning "until stopped".
pub const FOREVER: u64 = u64::MAX;

/// The whole section.
#[repr(C)]
pub struct GilSection {
    pub areas: [InterpArea; AREAS],
}

// Safety: repr(C), all-zero valid (atomics, and pthread objects initialised
// in place by `InterpArea::claim` before any thread uses them).
unsafe impl Shared for GilSection {}

/// The state of CPython's `struct _gil_runtime_state`
/// (Include/internal/pycore_gil.h), shared by one interpreter's threads.
#[repr(C)]
pub struct GilState {
    /// Guards `locked` and `switch_number`; `cond` signals `locked` changes.
    pub mutex: RobustMutex,
    pub cond: SharedCondvar,
    /// FORCE_SWITCHING: a dropper waits on `switch_cond` until another
    /// thread has taken the GIL.
    pub switch_mutex: RobustMutex,
    pub switch_cond: SharedCondvar,
    /// 1 while a thread holds the GIL.
    pub locked: AtomicU32,
    /// The thread holding it now (from 1), 0 when free. Not in CPython; kept
    /// for the screen and the tests.
    pub holder: AtomicU32,
    /// The thread that held it last (CPython's `last_holder`).
    pub last_holder: AtomicU32,
    /// `gil_drop_request`: a waiter timed out and asks the holder to drop.
    pub drop_request: AtomicU32,
    /// Hand-overs between different threads (`switch_number`).
    pub switch_number: AtomicU64,
    /// Times a waiter set the drop request.
    pub drop_requests: AtomicU64,
    /// The switch interval in microseconds (`sys.setswitchinterval`).
    pub interval_us: AtomicU32,
    /// 1 when threads need the GIL; 0 for a free-threaded interpreter.
    pub enabled: AtomicU32,
}

/// What a thread of the interpreter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadKind {
    /// CPU-bound tasks (a counting loop), holding the GIL.
    Cpu,
    /// I/O-bound tasks: a blocking sleep of a task's length, GIL released.
    Io,
    /// Short blocking operations one after another, counted: the thread
    /// that shows the convoy effect.
    Convoy,
}

impl ThreadKind {
    fn code(self) -> u32 {
        match self {
            ThreadKind::Cpu => 1,
            ThreadKind::Io => 2,
            ThreadKind::Convoy => 3,
        }
    }

    pub fn from_code(code: u32) -> Option<ThreadKind> {
        match code {
            1 => Some(ThreadKind::Cpu),
            2 => Some(ThreadKind::Io),
            3 => Some(ThreadKind::Convoy),
            _ => None,
        }
    }
}

/// Where a thread is, as it reports itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThreadState {
    /// Requested, not started yet.
    #[default]
    Starting,
    /// Holds the GIL and runs.
    Holding,
    /// Waits for the GIL.
    Waiting,
    /// In a blocking call, GIL released.
    Io,
    /// Runs without a GIL (free-threaded).
    Running,
    /// Finished its tasks.
    Done,
}

impl ThreadState {
    pub fn code(self) -> u32 {
        match self {
            ThreadState::Starting => 0,
            ThreadState::Holding => 1,
            ThreadState::Waiting => 2,
            ThreadState::Io => 3,
            ThreadState::Running => 4,
            ThreadState::Done => 5,
        }
    }

    pub fn from_code(code: u32) -> ThreadState {
        match code {
            1 => ThreadState::Holding,
            2 => ThreadState::Waiting,
            3 => ThreadState::Io,
            4 => ThreadState::Running,
            5 => ThreadState::Done,
            _ => ThreadState::Starting,
        }
    }
}

/// One thread's request (written by proclab) and report (by the thread).
#[repr(C, align(64))]
pub struct ThreadEntry {
    /// A [`ThreadKind`] code; written before the thread is requested.
    pub kind: AtomicU32,
    /// The kernel's thread id, once started (for `/proc/PID/task/TID`).
    pub tid: AtomicU32,
    /// Tasks to run, or [`FOREVER`].
    pub quota: AtomicU64,
    /// Wall time of one task when run alone.
    pub task_ms: AtomicU64,
    /// A [`ThreadState`] code.
    pub state: AtomicU32,
    /// Progress of the current task, in parts per 10,000.
    pub progress: AtomicU32,
    pub tasks_done: AtomicU64,
    /// Blocking operations done (the convoy thread's count).
    pub ops: AtomicU64,
    /// Nanoseconds spent holding the GIL, and waiting for it.
    pub held_ns: AtomicU64,
    pub waited_ns: AtomicU64,
    pub started_ns: AtomicU64,
    pub ended_ns: AtomicU64,
}

impl ThreadEntry {
    pub fn kind(&self) -> Option<ThreadKind> {
        ThreadKind::from_code(self.kind.load(Ordering::Acquire))
    }

    pub fn state(&self) -> ThreadState {
        ThreadState::from_code(self.state.load(Ordering::Relaxed))
    }

    pub fn set_state(&self, state: ThreadState) {
        self.state.store(state.code(), Ordering::Relaxed);
    }

    fn clear(&self) {
        for a in [&self.kind, &self.tid, &self.state, &self.progress] {
            a.store(0, Ordering::Relaxed);
        }
        for a in [
            &self.quota,
            &self.task_ms,
            &self.tasks_done,
            &self.ops,
            &self.held_ns,
            &self.waited_ns,
            &self.started_ns,
            &self.ended_ns,
        ] {
            a.store(0, Ordering::Relaxed);
        }
    }
}

/// One interpreter process's area.
#[repr(C)]
pub struct InterpArea {
    /// The worker slot (index + 1) of the interpreter that owns this area;
    /// 0 while free. Written by proclab right after the spawn; the
    /// interpreter waits for it to find its area.
    pub owner_slot: AtomicU32,
    /// Bumped each time the area is claimed for a new interpreter.
    pub generation: AtomicU32,
    /// Thread entries proclab has filled; the interpreter starts a thread
    /// for each new one.
    pub requested: AtomicU32,
    /// Threads the interpreter has started, and those that have ended.
    pub started: AtomicU32,
    pub finished: AtomicU32,
    /// 1: the interpreter returns (exitcode 0) once every thread is done.
    pub exit_when_done: AtomicU32,
    /// The ring's sequence number when this generation began.
    pub first_seq: AtomicU64,
    /// When the last thread ended, if every thread has a quota.
    pub done_ns: AtomicU64,
    pub gil: GilState,
    pub threads: [ThreadEntry; MAX_THREADS],
    pub ring: Ring,
}

/// How a new interpreter is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterpConfig {
    pub gil: bool,
    pub interval_us: u32,
    pub exit_when_done: bool,
}

impl InterpArea {
    /// Prepares the area for a new interpreter. Call only while no live
    /// process uses it: the locks are initialised afresh.
    pub fn claim(&self, config: InterpConfig) -> Result<u32, LockError> {
        self.owner_slot.store(0, Ordering::Release);
        let g = &self.gil;
        g.mutex.init()?;
        g.cond.init()?;
        g.switch_mutex.init()?;
        g.switch_cond.init()?;
        for a in [&g.locked, &g.holder, &g.last_holder, &g.drop_request] {
            a.store(0, Ordering::Relaxed);
        }
        g.switch_number.store(0, Ordering::Relaxed);
        g.drop_requests.store(0, Ordering::Relaxed);
        g.interval_us.store(config.interval_us, Ordering::Relaxed);
        g.enabled.store(u32::from(config.gil), Ordering::Relaxed);
        for t in &self.threads {
            t.clear();
        }
        for a in [&self.requested, &self.started, &self.finished] {
            a.store(0, Ordering::Relaxed);
        }
        self.exit_when_done
            .store(u32::from(config.exit_when_done), Ordering::Relaxed);
        self.done_ns.store(0, Ordering::Relaxed);
        self.first_seq.store(self.ring.head(), Ordering::Relaxed);
        Ok(self.generation.fetch_add(1, Ordering::AcqRel) + 1)
    }

    /// Asks the interpreter for one more thread. Returns its number (from
    /// 1), or None when the interpreter has [`MAX_THREADS`] already.
    pub fn request_thread(&self, kind: ThreadKind, quota: u64, task_ms: u64) -> Option<u16> {
        let i = self.requested.load(Ordering::Acquire) as usize;
        let entry = self.threads.get(i)?;
        entry.quota.store(quota, Ordering::Relaxed);
        entry.task_ms.store(task_ms, Ordering::Relaxed);
        entry.kind.store(kind.code(), Ordering::Release);
        self.requested.store(i as u32 + 1, Ordering::Release);
        Some(i as u16 + 1)
    }

    /// The entries proclab has requested so far.
    pub fn requested_threads(&self) -> &[ThreadEntry] {
        let n = (self.requested.load(Ordering::Acquire) as usize).min(MAX_THREADS);
        &self.threads[..n]
    }

    /// Marks the area free once its interpreter is gone.
    pub fn release(&self) {
        self.owner_slot.store(0, Ordering::Release);
    }
}

impl GilSection {
    /// The area whose owner is worker slot `slot`, if proclab has said so.
    pub fn area_of_slot(&self, slot: usize) -> Option<&InterpArea> {
        self.areas
            .iter()
            .find(|a| a.owner_slot.load(Ordering::Acquire) as usize == slot + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_codes_round_trip() {
        for k in [ThreadKind::Cpu, ThreadKind::Io, ThreadKind::Convoy] {
            assert_eq!(ThreadKind::from_code(k.code()), Some(k));
        }
        for s in [
            ThreadState::Starting,
            ThreadState::Holding,
            ThreadState::Waiting,
            ThreadState::Io,
            ThreadState::Running,
            ThreadState::Done,
        ] {
            assert_eq!(ThreadState::from_code(s.code()), s);
        }
    }

    #[test]
    fn an_area_is_small_enough_to_share() {
        // Two areas with their rings stay around a megabyte.
        assert!(
            size_of::<GilSection>() < 1_200_000,
            "{}",
            size_of::<GilSection>()
        );
        assert_eq!(size_of::<ThreadEntry>() % 64, 0);
    }
}
