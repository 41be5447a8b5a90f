//! One worker's slot in the shared region: what it is doing and how far it got.
//!
//! The worker writes its phase, progress, task count and heartbeat; proclab
//! writes requests into `control` (raise an exception, call `sys.exit(n)`), which
//! the worker reads between slices of work.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::clock;

/// Progress is kept in parts per [`PROGRESS_SCALE`] of the current task.
pub const PROGRESS_SCALE: u32 = 10_000;

#[repr(C, align(64))]
#[derive(Default)]
pub struct Slot {
    /// The worker's pid, written by the worker when it starts.
    pub pid: AtomicU32,
    /// A [`Phase`] as u32.
    pub phase: AtomicU32,
    pub tasks_done: AtomicU64,
    /// Progress of the current task, in parts per [`PROGRESS_SCALE`].
    pub progress: AtomicU32,
    /// A [`Control`] request from proclab, as u32.
    pub control: AtomicU32,
    /// Monotonic nanoseconds of the worker's last sign of life.
    pub heartbeat_ns: AtomicU64,
    /// Monotonic nanoseconds at which the worker's `main` began.
    pub started_ns: AtomicU64,
    /// What the worker waits on, if anything; the meaning is its role's
    /// (a queue's put or get, a lock, a barrier...). 0 is "nothing".
    pub wait: AtomicU32,
    /// A count of the role's own (messages sent, increments done...).
    pub aux: AtomicU64,
}

/// What a worker is doing, as far as its slot says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Phase {
    /// Spawned, not yet in its main loop.
    Starting = 0,
    /// Busy in a CPU-bound task.
    Cpu = 1,
    /// Blocked in an I/O-bound task (a sleep).
    Io = 2,
    /// Finished its tasks and returning from `run()`.
    Finished = 3,
}

impl Phase {
    pub fn from_u32(v: u32) -> Phase {
        match v {
            1 => Phase::Cpu,
            2 => Phase::Io,
            3 => Phase::Finished,
            _ => Phase::Starting,
        }
    }
}

/// A request proclab leaves for a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    None,
    /// Raise an uncaught exception (a panic): Python's exitcode 1.
    Raise,
    /// Call `sys.exit(code)`.
    Exit(u8),
}

impl Control {
    fn to_u32(self) -> u32 {
        match self {
            Control::None => 0,
            Control::Raise => 1,
            Control::Exit(code) => 0x100 | code as u32,
        }
    }

    fn from_u32(v: u32) -> Control {
        match v {
            1 => Control::Raise,
            v if v & 0x100 != 0 => Control::Exit((v & 0xff) as u8),
            _ => Control::None,
        }
    }
}

impl Slot {
    /// Clears the slot for a new worker.
    pub fn reset(&self) {
        self.pid.store(0, Ordering::Relaxed);
        self.phase.store(Phase::Starting as u32, Ordering::Relaxed);
        self.tasks_done.store(0, Ordering::Relaxed);
        self.progress.store(0, Ordering::Relaxed);
        self.control.store(0, Ordering::Relaxed);
        self.heartbeat_ns.store(0, Ordering::Relaxed);
        self.wait.store(0, Ordering::Relaxed);
        self.aux.store(0, Ordering::Relaxed);
        self.started_ns.store(0, Ordering::Release);
    }

    pub fn phase(&self) -> Phase {
        Phase::from_u32(self.phase.load(Ordering::Relaxed))
    }

    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u32, Ordering::Relaxed);
    }

    pub fn request(&self, control: Control) {
        self.control.store(control.to_u32(), Ordering::Release);
    }

    pub fn control(&self) -> Control {
        Control::from_u32(self.control.load(Ordering::Acquire))
    }

    pub fn beat(&self) {
        self.heartbeat_ns.store(clock::now_ns(), Ordering::Relaxed);
    }

    /// Progress of the current task as a fraction in 0..=1.
    pub fn progress_fraction(&self) -> f64 {
        f64::from(self.progress.load(Ordering::Relaxed).min(PROGRESS_SCALE))
            / f64::from(PROGRESS_SCALE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_round_trip() {
        for c in [
            Control::None,
            Control::Raise,
            Control::Exit(0),
            Control::Exit(3),
            Control::Exit(255),
        ] {
            assert_eq!(Control::from_u32(c.to_u32()), c);
        }
    }

    #[test]
    fn a_slot_is_one_cache_line() {
        assert_eq!(size_of::<Slot>(), 64);
    }
}
