//! The command line. Every value is checked here, before the terminal is
//! touched, and a bad one gets clap's error naming the flag and the range.

use clap::{CommandFactory, Parser, error::ErrorKind};

use crate::app::LabId;
use crate::app::pool::{DEFAULT_INIT_MS, DEFAULT_ITEM_US, PoolSettings};
use crate::lab::pool::spec::{BYTES_PER_ITEM, MEMORY_BUDGET};
use crate::lab::pool::{ChunkChoice, Cost, DEFAULT_ITEMS, MAX_ITEMS, MAX_POOL_WORKERS, Method};
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

    /// Workers to start right away (default 2); in the pool lab, the pool's
    /// processes (default: one per core, 1 to 52).
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

    /// Pool lab: items in the job (the job lives in shared memory).
    #[arg(long, default_value_t = DEFAULT_ITEMS as u32, value_parser = parse_items)]
    pub items: u32,

    /// Pool lab: items per chunk; Python's default for the method if absent.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=MAX_ITEMS as i64))]
    pub chunksize: Option<u32>,

    /// Pool lab: how the items are submitted.
    #[arg(long, value_enum, default_value_t = Method::Map)]
    pub method: Method,

    /// Pool lab: tasks before a worker is replaced by a fresh one; None if absent.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub maxtasksperchild: Option<u32>,

    /// Pool lab: every item costs the same, or 1 in 100 is 50 times heavier.
    #[arg(long, value_enum, default_value_t = Cost::Uniform)]
    pub cost: Cost,

    /// Pool lab: time of one item, in microseconds (0: trivial items).
    #[arg(long, default_value_t = DEFAULT_ITEM_US, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub item_us: u32,

    /// Pool lab: time of each worker's initializer, in milliseconds (0: none).
    #[arg(long, default_value_t = DEFAULT_INIT_MS, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub init_ms: u32,
}

/// `--items`: 1 up to what fits the pool's share of shared memory.
fn parse_items(value: &str) -> Result<u32, String> {
    let n: u64 = value
        .parse()
        .map_err(|_| format!("expected a number of items from 1 to {MAX_ITEMS}"))?;
    if n == 0 {
        return Err(format!("a job needs 1 to {MAX_ITEMS} items"));
    }
    if n > MAX_ITEMS as u64 {
        return Err(format!(
            "at most {MAX_ITEMS} items: the job lives in shared memory, {BYTES_PER_ITEM} bytes an item, {} MB at most",
            MEMORY_BUDGET / 1_000_000
        ));
    }
    Ok(n as u32)
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
        let invalid = |msg: String| Err(Cli::command().error(ErrorKind::ValueValidation, msg));
        let workers = self.workers.unwrap_or(0);
        if workers > self.max_workers {
            return invalid(format!(
                "--workers {} is more than --max-workers {}: start at most {} workers, or raise the cap",
                workers, self.max_workers, self.max_workers
            ));
        }
        if self.lab == LabId::Pool
            && let Some(w) = self.workers
            && !(1..=MAX_POOL_WORKERS as u32).contains(&w)
        {
            return invalid(format!(
                "--workers {w}: a pool has 1 to {MAX_POOL_WORKERS} workers (one letter each)"
            ));
        }
        Ok(())
    }

    /// Workers the lifecycle lab starts at once.
    pub fn lifecycle_workers(&self) -> u32 {
        match self.lab {
            LabId::Pool => 0,
            _ => self.workers.unwrap_or(2),
        }
    }

    /// The pool lab's settings, on a machine with `cores` cores.
    pub fn pool_settings(&self, cores: usize) -> PoolSettings {
        let mut s = PoolSettings::for_cores(cores);
        if let Some(w) = self.workers.filter(|&w| w > 0) {
            s.workers = w.min(MAX_POOL_WORKERS as u32);
        }
        s.workers = s.workers.min(self.max_workers);
        s.items = self.items;
        s.chunk = self
            .chunksize
            .map_or(ChunkChoice::Default, ChunkChoice::Fixed);
        s.method = self.method;
        s.maxtasks = self.maxtasksperchild;
        s.cost = self.cost;
        s.item_us = self.item_us;
        s.init_ms = self.init_ms;
        s
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
        assert_eq!(cli.lifecycle_workers(), 2);
        assert_eq!(cli.items, 2_000);
        assert_eq!(
            cli.pool_settings(4).workers,
            4,
            "a pool has one worker per core"
        );
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
            (&["--lab", "pool", "--workers", "0"], "1 to 52"),
            (&["--lab", "pool", "--workers", "53"], "1 to 52"),
            (&["--chunksize", "0"], "--chunksize"),
            (&["--items", "0"], "1 to 1000000"),
            (&["--items", "2000000"], "40 bytes an item"),
            (&["--items", "many"], "--items"),
            (&["--method", "starmap"], "imap_unordered"),
            (&["--maxtasksperchild", "0"], "--maxtasksperchild"),
            (&["--cost", "heavy"], "skewed"),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    #[test]
    fn pool_flags_make_the_settings() {
        let cli = parse(&[
            "--lab",
            "pool",
            "--workers",
            "3",
            "--items",
            "500",
            "--chunksize",
            "7",
            "--method",
            "imap_unordered",
            "--maxtasksperchild",
            "4",
            "--cost",
            "skewed",
        ])
        .unwrap();
        assert_eq!(cli.lifecycle_workers(), 0, "the pool starts its own");
        let s = cli.pool_settings(2);
        assert_eq!(s.workers, 3);
        assert_eq!(s.items, 500);
        assert_eq!(s.chunk, ChunkChoice::Fixed(7));
        assert_eq!(s.method, Method::ImapUnordered);
        assert_eq!(s.maxtasks, Some(4));
        assert_eq!(s.cost, Cost::Skewed);
        let alias = parse(&["--method", "apply-async"]).unwrap();
        assert_eq!(alias.method, Method::ApplyAsync);
    }
}
