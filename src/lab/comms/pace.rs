//! The pace of a comms worker: a fixed beat of items per second, and a
//! sleep in short steps that keeps the heart beating and proclab's
//! requests answered.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::lab::slot::Slot;
use crate::lab::worker::between_slices;

/// Longest a worker sleeps or blocks before it beats its heart again.
pub(crate) const STEP: Duration = Duration::from_millis(50);

/// Sleeps until `until`, in steps, reporting progress from `from` and
/// honouring proclab's requests; `wait_code` shows in the slot meanwhile.
/// Returns early if `rate_changed` says the deadline moved.
pub(crate) fn pace(
    slot: &Slot,
    from: Instant,
    until: Instant,
    wait_code: u32,
    mut rate_changed: impl FnMut() -> bool,
) -> ControlFlow<()> {
    let total = until
        .saturating_duration_since(from)
        .as_secs_f64()
        .max(1e-9);
    loop {
        let now = Instant::now();
        let fraction = (now.saturating_duration_since(from).as_secs_f64() / total).min(1.0);
        between_slices(slot, fraction)?;
        if now >= until || rate_changed() {
            slot.wait.store(0, Ordering::Relaxed);
            return ControlFlow::Continue(());
        }
        slot.wait.store(wait_code, Ordering::Relaxed);
        std::thread::sleep((until - now).min(STEP));
    }
}

/// The period between two messages at `rate` per second.
pub(crate) fn period(rate: u32) -> Duration {
    Duration::from_secs_f64(1.0 / f64::from(rate.max(1)))
}

/// When the next item is due, kept on a fixed beat so that the time each
/// step itself takes (a put, a wake-up on a busy machine) does not slow
/// the rate; a worker that fell a whole period behind (blocked on a full
/// queue, say) starts afresh rather than rushing to catch up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Beat {
    /// When the current period began.
    pub from: Instant,
}

impl Beat {
    pub fn new() -> Beat {
        Beat {
            from: Instant::now(),
        }
    }

    /// The end of the current period at `rate`.
    pub fn due(&self, rate: u32) -> Instant {
        self.from + period(rate)
    }

    /// Starts the next period.
    pub fn next(&mut self, rate: u32) {
        let now = Instant::now();
        let due = self.due(rate);
        self.from = if now.saturating_duration_since(due) > period(rate) {
            now
        } else {
            due
        };
    }
}
