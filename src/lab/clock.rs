//! Monotonic time in nanoseconds, comparable across processes.
//!
//! `CLOCK_MONOTONIC` is one clock for the whole system, so a heartbeat written
//! by a worker can be compared with the time read by proclab.

use rustix::time::{ClockId, clock_gettime};

pub fn now_ns() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}
