//! The GIL lab's engine: CPU-bound work run by processes, by threads under a
//! simulated GIL, or by threads without one, and a race between the three.
//!
//! The one simulated thing in proclab is the GIL, and only the lock itself:
//! the interpreter is a real worker process ([`interpreter`]), its threads
//! are real OS threads, and the lock they share follows CPython's
//! `Python/ceval_gil.c` ([`lock`]). Every hand-over is written to a ring in
//! the shared region ([`ring`]), which the UI draws as a timeline and the
//! tests check. [`GilLab`] is the controller the engine holds; [`race`] runs
//! a fixed job in every mode and worker count.

pub mod area;
pub mod controller;
pub mod interpreter;
pub mod lock;
pub mod race;
pub mod ring;

pub use self::controller::{Added, GilError, GilEvent, GilLab, GilSnapshot, InterpSnapshot};

/// How the workers of the GIL lab run.
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
pub enum Mode {
    /// Each worker is a process with its own interpreter and its own GIL:
    /// `multiprocessing.Process`.
    #[default]
    Processes,
    /// The workers are threads of one interpreter process and take turns
    /// holding its (simulated) GIL: `threading.Thread`.
    Threads,
    /// The same threads with no GIL, as in free-threaded CPython 3.13t+.
    FreeThreads,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Threads, Mode::Processes, Mode::FreeThreads];

    /// The name `--mode` takes.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Processes => "processes",
            Mode::Threads => "threads",
            Mode::FreeThreads => "free-threads",
        }
    }

    /// How the screen names the mode; thread mode always says the GIL is simulated.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Processes => "processes",
            Mode::Threads => "threads + GIL (simulated)",
            Mode::FreeThreads => "free threads (no GIL)",
        }
    }

    /// A short label for tables.
    pub fn short(self) -> &'static str {
        match self {
            Mode::Processes => "processes",
            Mode::Threads => "threads+GIL",
            Mode::FreeThreads => "free threads",
        }
    }

    /// The mode after this one, for the key that cycles them.
    pub fn next(self) -> Mode {
        match self {
            Mode::Processes => Mode::Threads,
            Mode::Threads => Mode::FreeThreads,
            Mode::FreeThreads => Mode::Processes,
        }
    }

    /// Workers are threads of one interpreter process.
    pub fn is_threads(self) -> bool {
        self != Mode::Processes
    }

    /// Threads must hold the GIL to run Python code.
    pub fn has_gil(self) -> bool {
        self == Mode::Threads
    }
}

/// CPython's default switch interval (`sys.getswitchinterval()`, 5 ms).
pub const DEFAULT_INTERVAL_US: u32 = 5_000;
/// The shortest switch interval proclab accepts (0.1 ms).
pub const MIN_INTERVAL_US: u32 = 100;
/// The longest switch interval proclab accepts (1 s).
pub const MAX_INTERVAL_US: u32 = 1_000_000;

/// The switch intervals the `[` and `]` keys step through, in microseconds.
pub const INTERVAL_STEPS_US: [u32; 13] = [
    100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
    1_000_000,
];

/// The next step below (`down`) or above the interval, within the range.
pub fn step_interval(us: u32, down: bool) -> u32 {
    if down {
        INTERVAL_STEPS_US
            .iter()
            .rev()
            .copied()
            .find(|&s| s < us)
            .unwrap_or(MIN_INTERVAL_US)
    } else {
        INTERVAL_STEPS_US
            .iter()
            .copied()
            .find(|&s| s > us)
            .unwrap_or(MAX_INTERVAL_US)
    }
}

/// An interval for people: `5 ms`, `0.1 ms`, `1 s`.
pub fn format_interval(us: u32) -> String {
    if us >= 1_000_000 && us.is_multiple_of(1_000_000) {
        format!("{} s", us / 1_000_000)
    } else if us.is_multiple_of(1000) {
        format!("{} ms", us / 1000)
    } else {
        let ms = f64::from(us) / 1000.0;
        format!("{} ms", trim_float(ms))
    }
}

/// Python's `sys.setswitchinterval` argument, in seconds: `0.005`.
pub fn interval_seconds(us: u32) -> String {
    trim_float(f64::from(us) / 1e6)
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl super::controller::Controller for GilLab {
    type Event = GilEvent;

    fn set_up(_lab: &super::Lab) -> GilLab {
        GilLab::new()
    }

    fn section_len(_sizing: super::controller::Sizing) -> usize {
        size_of::<area::GilSection>()
    }


    fn run_worker(
        _role: super::Role,
        args: &super::worker::WorkerArgs,
        region: &super::shm::Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        interpreter::run(args.slot, region, slot)
    }

    /// The race reads its ended workers before the engine would report (or
    /// auto-join) them, and reports them itself.
    fn claim(&mut self, lab: &mut super::Lab) -> Vec<GilEvent> {
        self.poll(lab)
    }

    fn owns(&self, id: super::WorkerId) -> bool {
        GilLab::owns(self, id)
    }

    /// Stops the race, if any; the lab's own workers are stopped with every
    /// other worker by [`Lab::shutdown`](super::Lab::shutdown).
    fn shutdown(&mut self, lab: &mut super::Lab, _grace: std::time::Duration) {
        self.cancel_race(lab);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_steps_stay_in_range() {
        assert_eq!(step_interval(5_000, true), 2_000);
        assert_eq!(step_interval(5_000, false), 10_000);
        assert_eq!(step_interval(MIN_INTERVAL_US, true), MIN_INTERVAL_US);
        assert_eq!(step_interval(MAX_INTERVAL_US, false), MAX_INTERVAL_US);
        assert_eq!(step_interval(3_000, true), 2_000, "off-step values snap");
        assert_eq!(step_interval(3_000, false), 5_000);
    }

    #[test]
    fn intervals_read_as_people_and_python_write_them() {
        assert_eq!(format_interval(5_000), "5 ms");
        assert_eq!(format_interval(100), "0.1 ms");
        assert_eq!(format_interval(2_500), "2.5 ms");
        assert_eq!(format_interval(1_000_000), "1 s");
        assert_eq!(interval_seconds(5_000), "0.005");
        assert_eq!(interval_seconds(1_000_000), "1");
    }

    #[test]
    fn modes_cycle_through_all_three() {
        let mut m = Mode::Processes;
        let mut seen = vec![m];
        for _ in 0..2 {
            m = m.next();
            seen.push(m);
        }
        assert_eq!(m.next(), Mode::Processes);
        for mode in Mode::ALL {
            assert!(seen.contains(&mode));
        }
        assert!(Mode::Threads.title().contains("simulated"));
    }
}
