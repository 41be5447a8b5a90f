//! The command line. Every value is checked here, before the terminal is
//! touched, and a bad one gets clap's error naming the flag and the range.

use clap::{CommandFactory, Parser, error::ErrorKind};

use crate::app::LabId;
use crate::lab::{DEFAULT_MAX_WORKERS, MAX_WORKERS_LIMIT, Workload};

/// A terminal lab that makes parallelism visible: real worker processes,
/// real signals, real shared memory, and the Python multiprocessing line
/// for every action.
#[derive(Debug, Clone, Parser)]
#[command(name = "proclab", version, about, long_about = None)]
pub struct Cli {
    /// The lab to open.
    #[arg(long, value_enum, default_value = "lifecycle")]
    pub lab: LabId,

    /// Workers to start right away (default: 2 with --lab lifecycle, else 0).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=MAX_WORKERS_LIMIT as i64))]
    pub workers: Option<u32>,

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

    #[command(flatten)]
    pub comms: crate::app::comms::options::CommsArgs,
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

    /// Lifecycle workers to start: `--workers`, or 2 on the lifecycle lab.
    pub fn workers(&self) -> u32 {
        self.workers
            .unwrap_or(if self.lab == LabId::Lifecycle { 2 } else { 0 })
    }

    /// Checks what clap cannot check flag by flag.
    pub fn check(&self) -> Result<(), clap::Error> {
        if self.workers() > self.max_workers {
            return Err(Cli::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "--workers {} is more than --max-workers {}: start at most {} workers, or raise the cap",
                    self.workers(), self.max_workers, self.max_workers
                ),
            ));
        }
        let o = self.comms.opening(self.lab);
        let total = self.workers() + o.producers + o.consumers;
        if total > self.max_workers {
            return Err(Cli::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "--workers, --producers and --consumers ask for {total} workers, more than --max-workers {}",
                    self.max_workers
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
        assert_eq!(cli.workers(), 2);
        let o = cli.comms.opening(cli.lab);
        assert_eq!((o.producers, o.consumers), (0, 0), "none off the queue lab");
        let q = parse(&["--lab", "queue"]).unwrap();
        assert_eq!(q.workers(), 0, "no lifecycle workers on the queue lab");
        let o = q.comms.opening(q.lab);
        assert_eq!((o.producers, o.consumers, o.capacity), (2, 1, 16));
        assert_eq!((o.producer_rate, o.consumer_rate), (5, 8));
        let fast = parse(&["--lab", "queue", "--producer-rate", "max"]).unwrap();
        assert_eq!(fast.comms.producer_rate, 0, "max is as fast as it can");
        assert_eq!(cli.refresh_ms, 100);
        assert_eq!(cli.max_workers, 256);
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
            (&["--capacity", "0"], "--capacity"),
            (&["--capacity", "65537"], "1..=65536"),
            (&["--producers", "300"], "--producers"),
            (&["--consumer-rate", "0"], "1 to 100000"),
            (&["--producer-rate", "fast"], "--producer-rate"),
            (
                &["--lab", "queue", "--producers", "200", "--consumers", "100"],
                "more than --max-workers 256",
            ),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
