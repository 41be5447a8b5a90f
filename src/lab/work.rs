//! The work a worker does: a calibrated busy loop, or a sleep.
//!
//! The CPU-bound task is the Rust cousin of the course's `clean_order`, a loop
//! that counts and does nothing else. proclab measures at start how many turns
//! of it fit in a millisecond; a task runs the loop in slices of about that
//! many turns until the thread has had its length in CPU time, so that a
//! task of 500 ms is 500 ms of one core whatever the clock speed of the
//! moment (the fastest slices that calibration finds run a few percent
//! faster than a long loop does).

use std::hint::black_box;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Which kind of task a worker runs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// A busy loop: CPU-bound, like `for _ in range(n): pass`.
    #[default]
    Cpu,
    /// A sleep: I/O-bound, like `time.sleep(1)`.
    Io,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Cpu => "cpu",
            Workload::Io => "io",
        }
    }
}

/// Turns of the loop between two looks at the clock while calibrating.
const CALIBRATION_CHUNK: u64 = 1 << 16;
/// How long calibration may take in all.
const CALIBRATION_TIME: Duration = Duration::from_millis(60);

/// Turns of the busy loop between two looks at its stop flag.
///
/// The GIL lab's threads stop at once when another thread asks for the
/// GIL, as CPython's eval breaker is looked at on every loop back edge;
/// every task runs this same loop, and calibration measures it, so the
/// look costs no task any wall time.
pub const CHECK_TURNS: u64 = 32;

/// `iters` turns of the busy loop, or fewer if `stop` is set: it is looked
/// at every [`CHECK_TURNS`] turns. Returns the turns done.
#[inline(never)]
pub fn spin_until(iters: u64, stop: &AtomicU32) -> u64 {
    let mut acc = 0u64;
    let mut i = 0;
    while i < iters {
        let end = (i + CHECK_TURNS).min(iters);
        while i < end {
            acc = black_box(acc.wrapping_add(i));
            i += 1;
        }
        if stop.load(Ordering::Relaxed) != 0 {
            break;
        }
    }
    black_box(acc);
    i
}

/// `iters` turns of the busy loop.
pub fn spin(iters: u64) -> u64 {
    static NEVER: AtomicU32 = AtomicU32::new(0);
    spin_until(iters, &NEVER)
}

/// Measures how many turns of [`spin`] take one millisecond here.
///
/// Takes the fastest of many short runs: a run that was preempted is slow,
/// never fast, so the fastest is the machine's true speed.
pub fn calibrate() -> u64 {
    let start = Instant::now();
    let mut best_ns_per_chunk = u128::MAX;
    while start.elapsed() < CALIBRATION_TIME {
        let t = Instant::now();
        black_box(spin(CALIBRATION_CHUNK));
        best_ns_per_chunk = best_ns_per_chunk.min(t.elapsed().as_nanos().max(1));
    }
    let per_ms = u128::from(CALIBRATION_CHUNK) * 1_000_000 / best_ns_per_chunk;
    (per_ms as u64).max(1)
}

/// The calling thread's CPU time so far.
pub fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The length of a task of `turns` turns at `per_ms` turns a millisecond.
pub fn task_length(turns: u64, per_ms: u64) -> Duration {
    let ns = u128::from(turns) * 1_000_000 / u128::from(per_ms.max(1));
    Duration::from_nanos(ns.min(u128::from(u64::MAX)) as u64)
}

/// Turns of the loop for `left` of CPU time at `per_ms` turns a
/// millisecond: at least one, at most a millisecond's worth.
pub fn turns_for(left: Duration, per_ms: u64) -> u64 {
    let turns = left.as_nanos() * u128::from(per_ms) / 1_000_000;
    (turns as u64).clamp(1, per_ms.max(1))
}

/// Runs a CPU-bound task as long as `total` turns take at the calibrated
/// `per_ms` turns a millisecond (`total / per_ms` ms), measured in this
/// thread's CPU time: slices of at most a millisecond, `between` called
/// after each with the fraction done. `between` may stop the task.
pub fn cpu_task(
    total: u64,
    per_ms: u64,
    mut between: impl FnMut(f64) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let length = task_length(total, per_ms);
    let start = thread_cpu_time();
    let mut used = Duration::ZERO;
    while used < length {
        black_box(spin(turns_for(length - used, per_ms)));
        used = thread_cpu_time().saturating_sub(start);
        between((used.as_secs_f64() / length.as_secs_f64()).min(1.0))?;
    }
    ControlFlow::Continue(())
}

/// Runs an I/O-bound task: sleeps `total` in steps of `step`, calling
/// `between` after each with the fraction done.
pub fn io_task(
    total: Duration,
    step: Duration,
    mut between: impl FnMut(f64) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let start = Instant::now();
    loop {
        let elapsed = start.elapsed();
        if elapsed >= total {
            return ControlFlow::Continue(());
        }
        std::thread::sleep(step.min(total - elapsed));
        between((start.elapsed().as_secs_f64() / total.as_secs_f64()).min(1.0))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_gives_a_plausible_rate() {
        let per_ms = calibrate();
        // Any machine that runs this does between 10 thousand and 100 billion
        // trivial loop turns per millisecond.
        assert!((10_000..100_000_000_000).contains(&per_ms), "{per_ms}");
    }

    #[test]
    fn a_cpu_task_reports_progress_to_the_end() {
        let per_ms = calibrate();
        let mut seen = Vec::new();
        let flow = cpu_task(per_ms * 20, per_ms, |f| {
            seen.push(f);
            ControlFlow::Continue(())
        });
        assert_eq!(flow, ControlFlow::Continue(()));
        // A slice is a millisecond's worth of calibrated turns; a loaded
        // machine runs them slower, so there are fewer, never a handful.
        assert!(seen.len() >= 10, "slices of about a millisecond: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(*seen.last().unwrap(), 1.0);
    }

    /// Calibration finds the loop's fastest slices; a long loop runs a few
    /// percent slower, so a task counted in turns ran long (a 500 ms task
    /// took 527 to 580 ms of CPU). Counted in CPU time, it is its length.
    #[test]
    fn a_cpu_task_takes_its_length_in_cpu_time() {
        let per_ms = calibrate();
        for ms in [20, 200] {
            let start = thread_cpu_time();
            let _ = cpu_task(per_ms * ms, per_ms, |_| ControlFlow::Continue(()));
            let took = (thread_cpu_time() - start).as_secs_f64() * 1000.0;
            let ms = ms as f64;
            // At most one slice over: a slice is a millisecond of the
            // fastest loop, and more on a busy machine.
            assert!(
                took >= ms && took <= ms * 1.02 + 1.5,
                "a task of {ms} ms took {took:.1} ms of CPU"
            );
        }
    }

    #[test]
    fn turns_are_a_millisecond_at_most_and_one_at_least() {
        assert_eq!(turns_for(Duration::from_secs(1), 5_000), 5_000);
        assert_eq!(turns_for(Duration::from_micros(100), 5_000), 500);
        assert_eq!(turns_for(Duration::ZERO, 5_000), 1);
        assert_eq!(task_length(10_000, 5_000), Duration::from_millis(2));
    }

    #[test]
    fn a_task_stops_when_asked() {
        let mut calls = 0;
        let flow = cpu_task(1000, 100, |_| {
            calls += 1;
            if calls == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(flow, ControlFlow::Break(()));
        assert_eq!(calls, 2);
    }
}
