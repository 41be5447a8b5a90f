//! The command line. Every value is checked here, before the terminal is
//! touched, and a bad one gets clap's error naming the flag and the range.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, error::ErrorKind};

use crate::app::pool::{DEFAULT_INIT_MS, DEFAULT_ITEM_US, PoolSettings};
use crate::app::{LabId, ThemeName};
use crate::lab::counter::{CounterMode, DEFAULT_INCREMENTS};
use crate::lab::gil::Mode;
use crate::lab::gil::area::MAX_THREADS;
use crate::lab::pool::spec::{BYTES_PER_ITEM, MEMORY_BUDGET};
use crate::lab::pool::{ChunkChoice, Cost, DEFAULT_ITEMS, MAX_ITEMS, MAX_POOL_WORKERS, Method};
use crate::lab::sync_lab::DEFAULT_PERMITS;
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

    /// Workers to start right away: lifecycle workers (default 2), the
    /// counter's or the sync lab's workers, or the pool's processes (default
    /// one per core, 1 to 52); none by default on the queue labs.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=MAX_WORKERS_LIMIT as i64))]
    pub workers: Option<u32>,

    /// What new workers run: a CPU-bound loop or an I/O-bound sleep.
    #[arg(long, value_enum, default_value_t = Workload::Cpu)]
    pub workload: Workload,

    /// Tasks each worker runs before it returns (exitcode 0); unlimited if absent.
    #[arg(long, value_parser = at_least_one)]
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

    /// Most workers not yet joined at once (by default 256, or what the
    /// open-file limit allows if that is fewer).
    #[arg(long, default_value_t = default_max_workers(), value_parser = clap::value_parser!(u32).range(1..=MAX_WORKERS_LIMIT as i64))]
    pub max_workers: u32,

    /// Screen refresh period in milliseconds (100 = 10 Hz).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(20..=5000))]
    pub refresh_ms: u64,

    /// How often cores and workers are sampled, in milliseconds (200 at least).
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(200..=10_000))]
    pub sample_ms: u64,

    /// Counter lab: how workers increment the shared counter.
    #[arg(long, value_enum, default_value_t = CounterMode::Racy)]
    pub counter: CounterMode,

    /// Counter lab: increments each worker makes (1 or more).
    #[arg(long, default_value_t = DEFAULT_INCREMENTS, value_parser = parse_increments, allow_negative_numbers = true)]
    pub increments: u64,

    /// Counter lab: slow motion (10 increments each, a pause between read and write).
    #[arg(long)]
    pub slow: bool,

    /// Sync lab: the semaphore's k, how many may be in the critical section at once.
    #[arg(long, default_value_t = DEFAULT_PERMITS, value_parser = clap::value_parser!(u32).range(1..=MAX_WORKERS_LIMIT as i64))]
    pub permits: u32,

    /// Sync lab: the barrier's parties (default: --workers).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=MAX_WORKERS_LIMIT as i64))]
    pub parties: Option<u32>,

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

    /// The look: standard, or projector (high contrast, thick bars, large digits).
    #[arg(long, global = true, value_enum, default_value_t = ThemeName::Standard)]
    pub theme: ThemeName,

    /// Record the session to FILE as asciicast v2 (asciinema play, agg).
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Also record the keys pressed (as "i" events).
    #[arg(long, global = true, requires = "record")]
    pub record_input: bool,

    /// Let --record overwrite FILE if it exists (never through a symbolic link).
    #[arg(long, global = true, requires = "record")]
    pub force: bool,

    /// Show the last keys pressed in a corner (K toggles it).
    #[arg(long, global = true)]
    pub show_keys: bool,

    /// Where S saves screenshots.
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub screenshot_dir: PathBuf,

    /// Read settings from FILE instead of the XDG config file.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    // Last: its help heading holds for every flag declared after it.
    #[command(flatten)]
    pub comms: crate::app::comms::options::CommsArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the GIL race with no terminal UI and print the results, beside
    /// real CPython threads and processes with --compare-python.
    Race(RaceArgs),
    /// Run a scripted demo from a scenario file (TOML).
    Play(PlayArgs),
    /// Walk through a lesson, step by step; without a name, list them.
    Lesson(LessonArgs),
    /// Show or write the configuration.
    Config(ConfigArgs),
}

/// Arguments of `proclab race`.
#[derive(Debug, Clone, clap::Args)]
pub struct RaceArgs {
    /// Modes to race, in order (comma-separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "threads,processes,free-threads"
    )]
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

/// The default cap on workers: [`DEFAULT_MAX_WORKERS`], lowered to what the
/// open-file limit allows (at least 1, so that the error for a limit too
/// low for even one worker names the limit).
fn default_max_workers() -> u32 {
    let allowed = crate::limits::workers_allowed(crate::limits::open_files().soft);
    DEFAULT_MAX_WORKERS.min(allowed).max(1) as u32
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

#[derive(Debug, Clone, clap::Args)]
pub struct PlayArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Run with no terminal, on a virtual screen of the scenario's size
    /// (with --record, writes the recording).
    #[arg(long)]
    pub headless: bool,
    /// Play every wait this many times faster than the scenario says.
    #[arg(long, default_value_t = 1.0, value_parser = speed)]
    pub speed: f64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct LessonArgs {
    /// The lesson (lifecycle, ...); omit to list them.
    pub name: Option<String>,
    /// Run the lesson with no terminal, pressing each step's keys, and
    /// check every step's outcome (for CI and for lesson authors).
    #[arg(long)]
    pub headless: bool,
    /// With --headless, play the lesson this many times faster.
    #[arg(long, default_value_t = 1.0, value_parser = speed)]
    pub speed: f64,
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

/// `--increments`: a whole number from 1 to u64's largest.
fn parse_increments(s: &str) -> Result<u64, String> {
    match s.trim().replace('_', "").parse::<u64>() {
        Ok(0) => Err("0 increments would count nothing: expected a whole number, 1 or more".into()),
        Ok(n) => Ok(n),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
            Err(format!("{s} is too many: at most {}", u64::MAX))
        }
        Err(_) => Err(format!("{s:?} is not a whole number, 1 or more")),
    }
}

/// A count of 1 or more, such as `--tasks`.
fn at_least_one(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("expected a whole number, 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a whole number, 1 or more")),
    }
}

fn speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.1..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a speed from 0.1 to 100")),
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Print the full default configuration (a valid config file).
    #[arg(long)]
    pub print_default: bool,
    /// Print where proclab looks for its config file.
    #[arg(long)]
    pub path: bool,
}

impl Cli {
    /// Checks what clap cannot check flag by flag.
    pub fn check(&self) -> Result<(), clap::Error> {
        let invalid = |msg: String| Err(Cli::command().error(ErrorKind::ValueValidation, msg));
        let workers = self.workers.unwrap_or(0);
        let open_files = crate::limits::open_files();
        if let Err(why) = crate::limits::check_max_workers(self.max_workers as usize, open_files) {
            return invalid(why);
        }
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
        if self.chunksize.is_some() && !self.method.chunked() {
            return invalid(format!(
                "--chunksize goes with map, imap and imap_unordered: --method {} submits one item per task",
                self.method.name()
            ));
        }
        if self.permits > self.max_workers {
            return invalid(format!(
                "--permits {} is more than --max-workers {}: k must be from 1 to {}",
                self.permits, self.max_workers, self.max_workers
            ));
        }
        if let Some(parties) = self.parties.filter(|&p| p > self.max_workers) {
            return invalid(format!(
                "--parties {parties} is more than --max-workers {}: parties must be from 1 to {}",
                self.max_workers, self.max_workers
            ));
        }
        if self.lab == LabId::Gil && self.mode.is_threads() && workers as usize > MAX_THREADS {
            return invalid(format!(
                "--workers {workers} is more than the {MAX_THREADS} threads one interpreter runs \
                 (--mode {}): start 0 to {MAX_THREADS}",
                self.mode.name()
            ));
        }
        if let Some(n) = self.race_workers
            && n > u64::from(self.max_workers)
        {
            return invalid(format!(
                "--race-workers {n} is more than --max-workers {}: race with 1 to {} workers",
                self.max_workers, self.max_workers
            ));
        }
        let o = self.comms.opening(self.lab);
        let plain = self.workers.unwrap_or(0).max(self.lifecycle_workers());
        let total = plain + o.producers + o.consumers;
        if total > self.max_workers {
            let parts: Vec<String> = [
                (plain, "worker", "workers"),
                (o.producers, "producer", "producers"),
                (o.consumers, "consumer", "consumers"),
            ]
            .into_iter()
            .filter(|&(n, _, _)| n > 0)
            .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
            .collect();
            return invalid(format!(
                "the {} lab would start {} ({total} processes), more than --max-workers {}",
                self.lab.name(),
                parts.join(" and "),
                self.max_workers
            ));
        }
        if self.lab == LabId::Counter {
            if u64::from(workers).checked_mul(self.increments).is_none() {
                return invalid(format!(
                    "--workers {} x --increments {} is beyond what the counter holds (18446744073709551615): fewer increments",
                    workers, self.increments
                ));
            }
            if self.counter == CounterMode::Manager && workers >= self.max_workers {
                return invalid(format!(
                    "--counter manager needs one more process for the server: --workers {} leaves none under --max-workers {}",
                    workers, self.max_workers
                ));
            }
        }
        Ok(())
    }

    /// Workers the lab starts at once with `--workers` left out or given:
    /// 2 by default, none on the queue labs (producers and consumers are
    /// theirs) and on the pool lab (the pool starts its own).
    pub fn lifecycle_workers(&self) -> u32 {
        match self.lab {
            LabId::Pool | LabId::Queue | LabId::Pipe | LabId::Pipeline => 0,
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
        let o = cli.comms.opening(cli.lab);
        assert_eq!((o.producers, o.consumers), (0, 0), "none off the queue lab");
        let q = parse(&["--lab", "queue"]).unwrap();
        assert_eq!(
            q.lifecycle_workers(),
            0,
            "no lifecycle workers on the queue lab"
        );
        let o = q.comms.opening(q.lab);
        assert_eq!((o.producers, o.consumers, o.capacity), (2, 1, 16));
        assert_eq!((o.producer_rate, o.consumer_rate), (5, 8));
        let fast = parse(&["--lab", "queue", "--producer-rate", "max"]).unwrap();
        assert_eq!(fast.comms.producer_rate, 0, "max is as fast as it can");
        assert_eq!(cli.items, 2_000);
        assert_eq!(
            cli.pool_settings(4).workers,
            4,
            "a pool has one worker per core"
        );
        assert_eq!(cli.refresh_ms, 100);
        assert_eq!(cli.max_workers, 256);
        assert_eq!(cli.counter, CounterMode::Racy);
        assert_eq!(cli.increments, 1_000_000);
        assert_eq!(cli.permits, 2);
    }

    #[test]
    fn the_counter_lab_takes_its_flags() {
        let cli = parse(&[
            "--lab",
            "counter",
            "--workers",
            "3",
            "--counter",
            "locked",
            "--increments",
            "1_000",
            "--slow",
        ])
        .unwrap();
        assert_eq!(cli.lab, LabId::Counter);
        assert_eq!(cli.counter, CounterMode::Locked);
        assert_eq!(cli.increments, 1000);
        assert!(cli.slow);
        let max = parse(&["--increments", "18446744073709551615"]).unwrap();
        assert_eq!(
            max.increments,
            u64::MAX,
            "one worker may count to u64's largest"
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
            (&["--lab", "pool", "--workers", "0"], "1 to 52"),
            (&["--lab", "pool", "--workers", "53"], "1 to 52"),
            (&["--chunksize", "0"], "--chunksize"),
            (&["--items", "0"], "1 to 1000000"),
            (&["--items", "2000000"], "40 bytes an item"),
            (&["--items", "many"], "--items"),
            (&["--method", "starmap"], "imap_unordered"),
            (&["--maxtasksperchild", "0"], "--maxtasksperchild"),
            (&["--cost", "heavy"], "skewed"),
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
            (&["--capacity", "0"], "--capacity"),
            (&["--capacity", "65537"], "1..=65536"),
            (&["--producers", "300"], "--producers"),
            (&["--consumer-rate", "0"], "1 to 100000"),
            (&["--producer-rate", "fast"], "--producer-rate"),
            (
                &["--lab", "queue", "--producers", "200", "--consumers", "100"],
                "more than --max-workers 256",
            ),
            (&["--increments", "0"], "--increments"),
            (
                &["--increments", "18446744073709551616"],
                "at most 18446744073709551615",
            ),
            (&["--increments", "-5"], "--increments"),
            (&["--counter", "fast"], "--counter"),
            (
                &["--lab", "pool", "--method", "futures", "--chunksize", "5"],
                "--chunksize goes with map",
            ),
            (&["--permits", "0"], "--permits"),
            (
                &["--permits", "9", "--max-workers", "8"],
                "k must be from 1 to 8",
            ),
            (&["--parties", "0"], "--parties"),
            (&["--parties", "300"], "--parties 300"),
            (
                &[
                    "--lab",
                    "counter",
                    "--workers",
                    "4",
                    "--increments",
                    "18446744073709551615",
                ],
                "--increments",
            ),
            (
                &[
                    "--lab",
                    "counter",
                    "--counter",
                    "manager",
                    "--workers",
                    "4",
                    "--max-workers",
                    "4",
                ],
                "one more process",
            ),
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
}
