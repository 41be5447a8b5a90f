//! The command line. Every value is checked here, before the terminal is
//! touched, and a bad one gets clap's error naming the flag and the range.

use clap::{CommandFactory, Parser, Subcommand, error::ErrorKind};

use crate::app::LabId;
use crate::lab::gil::Mode;
use crate::lab::gil::area::MAX_THREADS;
use crate::lab::{DEFAULT_MAX_WORKERS, MAX_WORKERS_LIMIT, Workload};

/// A terminal lab that makes parallelism visible: real worker processes,
/// real signals, real shared memory, and the Python multiprocessing line
/// for every action.
#[derive(Debug, Clone, Parser)]
#[command(name = "proclab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The lab to open.
    #[arg(long, value_enum, default_value = "lifecycle")]
    pub lab: LabId,

    /// Workers to start right away.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=MAX_WORKERS_LIMIT as i64))]
    pub workers: u32,

    /// What new workers run: a CPU-bound loop or an I/O-bound sleep.
    #[arg(long, value_enum, default_value_t = Workload::Cpu)]
    pub workload: Workload,

    /// Tasks each worker runs before it returns (exitcode 0); unlimited if absent.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub tasks: Option<u64>,

    /// Wall time of one task, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub task_ms: u64,

    /// Start workers as daemons (killed, not terminated, when proclab quits).
    #[arg(long)]
    pub daemon: bool,

    /// Join workers as soon as they end, so no zombie is ever seen.
    #[arg(long)]
    pub auto_join: bool,

    /// Most workers not yet joined at once.
    #[arg(long, default_value_t = DEFAULT_MAX_WORKERS as u32, value_parser = clap::value_parser!(u32).range(1..=MAX_WORKERS_LIMIT as i64))]
    pub max_workers: u32,

    /// Screen refresh period in milliseconds (100 = 10 Hz).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(20..=5000))]
    pub refresh_ms: u64,

    /// How often cores and workers are sampled, in milliseconds (200 at least).
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(200..=10_000))]
    pub sample_ms: u64,

    /// GIL lab: how workers run: processes, threads (under a simulated GIL)
    /// or free-threads (no GIL).
    #[arg(long, value_enum, default_value_t = Mode::Processes)]
    pub mode: Mode,

    /// GIL lab: the switch interval in milliseconds (Python's
    /// sys.setswitchinterval), from 0.1 to 1000.
    #[arg(long = "switch-interval-ms", value_name = "MS", default_value = "5", value_parser = switch_interval_us)]
    pub switch_interval_us: u32,

    /// GIL lab: tasks in the race's job (default: 2 x cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub race_tasks: Option<u64>,

    /// GIL lab: the race runs 1 to N workers in each mode (default: 2 x cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS as u64))]
    pub race_workers: Option<u64>,
}

/// proclab's subcommands; without one, proclab opens its terminal lab.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the GIL race with no terminal UI and print the results, beside
    /// real CPython threads and processes with --compare-python.
    Race(RaceArgs),
}

/// Arguments of `proclab race`.
#[derive(Debug, Clone, clap::Args)]
pub struct RaceArgs {
    /// Modes to race, in order (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Mode::ALL)]
    pub modes: Vec<Mode>,

    /// Race with 1 to N workers in each mode (default: 2 x cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS as u64))]
    pub workers: Option<u64>,

    /// Tasks in the job, shared out between the workers (default: 2 x cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub tasks: Option<u64>,

    /// Wall time of one task run alone, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub task_ms: u64,

    /// CPU-bound tasks (a counting loop) or I/O-bound ones (a sleep).
    #[arg(long, value_enum, default_value_t = Workload::Cpu)]
    pub workload: Workload,

    /// The switch interval of the thread modes in milliseconds, 0.1 to 1000.
    #[arg(long = "switch-interval-ms", value_name = "MS", default_value = "5", value_parser = switch_interval_us)]
    pub switch_interval_us: u32,

    /// Run the same job with real CPython threads and processes too.
    #[arg(long)]
    pub compare_python: bool,

    /// The CPython to compare with.
    #[arg(long, default_value = "python3")]
    pub python: String,

    /// Run each configuration N times and keep the fastest run: a run
    /// slowed by other programs is slow, never fast.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub repeat: u32,
}

/// Parses a switch interval given in milliseconds into microseconds.
pub fn switch_interval_us(value: &str) -> Result<u32, String> {
    use crate::lab::gil::{MAX_INTERVAL_US, MIN_INTERVAL_US};
    let range = "the switch interval is 0.1 to 1000 ms";
    let ms: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of milliseconds: {range}"))?;
    let us = (ms * 1000.0).round();
    if !ms.is_finite() || us < f64::from(MIN_INTERVAL_US) || us > f64::from(MAX_INTERVAL_US) {
        return Err(format!("{value} ms is out of range: {range}"));
    }
    Ok(us as u32)
}

impl Cli {
    /// Parses the command line, exiting with clap's message on a bad value.
    pub fn parse_checked() -> Cli {
        let cli = Cli::parse();
        if let Err(e) = cli.check() {
            e.exit();
        }
        cli
    }

    /// Checks what clap cannot check flag by flag.
    pub fn check(&self) -> Result<(), clap::Error> {
        if self.workers > self.max_workers {
            return Err(Cli::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "--workers {} is more than --max-workers {}: start at most {} workers, or raise the cap",
                    self.workers, self.max_workers, self.max_workers
                ),
            ));
        }
        if self.lab == LabId::Gil && self.mode.is_threads() && self.workers as usize > MAX_THREADS {
            return Err(Cli::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "--workers {} is more than the {MAX_THREADS} threads one interpreter runs \
                     (--mode {}): start 0 to {MAX_THREADS}",
                    self.workers,
                    self.mode.name()
                ),
            ));
        }
        if let Some(n) = self.race_workers
            && n > u64::from(self.max_workers)
        {
            return Err(Cli::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "--race-workers {n} is more than --max-workers {}: race with 1 to {} workers",
                    self.max_workers, self.max_workers
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("proclab").chain(args.iter().copied()))?;
        cli.check()?;
        Ok(cli)
    }

    #[test]
    fn the_defaults_need_no_flag() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.lab, LabId::Lifecycle);
        assert_eq!(cli.workers, 2);
        assert_eq!(cli.refresh_ms, 100);
        assert_eq!(cli.max_workers, 256);
    }

    #[test]
    fn the_gil_flags_parse() {
        let cli = parse(&[
            "--lab",
            "gil",
            "--mode",
            "free-threads",
            "--switch-interval-ms",
            "0.1",
        ])
        .unwrap();
        assert_eq!(cli.lab, LabId::Gil);
        assert_eq!(cli.mode, Mode::FreeThreads);
        assert_eq!(cli.switch_interval_us, 100);
        assert_eq!(parse(&[]).unwrap().switch_interval_us, 5_000);
        assert!(
            parse(&["--lab", "gil", "--mode", "processes", "--workers", "100"]).is_ok(),
            "the thread cap is for threads"
        );
    }

    #[test]
    fn bad_values_name_the_flag() {
        for (args, needle) in [
            (&["--workers", "5000"][..], "--workers"),
            (&["--max-workers", "0"], "--max-workers"),
            (&["--workers", "9", "--max-workers", "4"], "--max-workers 4"),
            (&["--workload", "gpu"], "--workload"),
            (&["--lab", "nope"], "--lab"),
            (&["--tasks", "0"], "--tasks"),
            (&["--refresh-ms", "1"], "--refresh-ms"),
            (&["--task-ms", "abc"], "--task-ms"),
            (&["--mode", "greenlets"], "--mode"),
            (&["--switch-interval-ms", "0.05"], "0.1 to 1000 ms"),
            (&["--switch-interval-ms", "1001"], "--switch-interval-ms"),
            (&["--switch-interval-ms", "fast"], "0.1 to 1000 ms"),
            (&["--race-workers", "0"], "--race-workers"),
            (&["--race-workers", "65"], "--race-workers"),
            (
                &["--race-workers", "9", "--max-workers", "4"],
                "--max-workers 4",
            ),
            (
                &["--lab", "gil", "--mode", "threads", "--workers", "65"],
                "64 threads",
            ),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
