//! The command line. Every value is checked here, before the terminal is
//! touched, and a bad one gets clap's error naming the flag and the range;
//! then it becomes the plain start-up settings every lab opens with
//! ([`Startup`]).

mod session;
use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, error::ErrorKind};

use clap::Args;
use clap::builder::PossibleValue;

pub use self::session::{CompletionsArgs, SessionArgs};
use crate::app::cluster::ClusterOpening;
use crate::app::comms::PipeOpening;
use crate::app::counter::CounterOpening;
use crate::app::gil::GilOpening;
use crate::app::pool::{DEFAULT_INIT_MS, DEFAULT_ITEM_US, PoolSettings};
use crate::app::queue::QueueOpening;
use crate::app::run::RunOpening;
use crate::app::sync::SyncOpening;
use crate::app::{LabId, Startup};
use crate::lab::cluster::BrokerUrl;
use crate::lab::cluster::settings::{
    DEFAULT_BATCH, DEFAULT_CONCURRENCY, DEFAULT_NODES, MAX_BATCH, MAX_CONCURRENCY, MAX_NODES,
};
use crate::lab::comms::Ends;
use crate::lab::counter::{CounterMode, DEFAULT_INCREMENTS};
use crate::lab::gil::Mode;
use crate::lab::gil::area::MAX_THREADS;
use crate::lab::pool::spec::{BYTES_PER_ITEM, MEMORY_BUDGET};
use crate::lab::pool::{ChunkChoice, Cost, DEFAULT_ITEMS, MAX_ITEMS, MAX_POOL_WORKERS, Method};
use crate::lab::queue::{DEFAULT_CAPACITY, MAX_CAPACITY};
use crate::lab::run::{ProcId, RunError, RunSpec, Target};
use crate::lab::sync::DEFAULT_PERMITS;
use crate::lab::{DEFAULT_MAX_WORKERS, MAX_WORKERS_LIMIT, Role, StartOptions, Workload};

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

    /// Workers to start right away: lifecycle workers (default 2), the GIL
    /// lab's, the counter's or the sync lab's workers, or the pool's
    /// processes (default one per core, 1 to 52). The queue, pipe and
    /// pipeline labs start their own and refuse it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=MAX_WORKERS_LIMIT as i64))]
    pub workers: Option<u32>,

    /// What new workers run: a CPU-bound loop or an I/O-bound sleep.
    #[arg(long, value_enum, default_value_t = Workload::Cpu)]
    pub workload: Workload,

    /// Tasks each worker runs before it returns (exitcode 0); unlimited if absent.
    #[arg(long, value_parser = at_least_one)]
    pub tasks: Option<u64>,

    /// Wall time of one task, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = whole(10, 600_000))]
    pub task_ms: u64,

    /// Start workers as daemons (killed, not terminated, when proclab quits).
    #[arg(long)]
    pub daemon: bool,

    /// Join workers as soon as they end, so no zombie is ever seen.
    #[arg(long)]
    pub auto_join: bool,

    /// Keep the labs not shown running; by default their workers are paused
    /// (SIGSTOP) until their lab is shown again (B switches).
    #[arg(long)]
    pub keep_running: bool,

    /// Most workers not yet joined at once (by default 256, or what the
    /// open-file limit allows if that is fewer).
    #[arg(long, default_value_t = default_max_workers(), value_parser = clap::value_parser!(u32).range(1..=MAX_WORKERS_LIMIT as i64))]
    pub max_workers: u32,

    /// Screen refresh period in milliseconds (100 = 10 Hz).
    #[arg(long, default_value_t = 100, value_parser = whole(20, 5000))]
    pub refresh_ms: u64,

    /// How often cores and workers are sampled, in milliseconds (200 at least).
    #[arg(long, default_value_t = 250, value_parser = whole(200, 10_000))]
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
    #[arg(long, value_parser = whole(1, 1024))]
    pub race_tasks: Option<u64>,

    /// GIL lab: the race runs 1 to N workers in each mode (default: 2 x cores).
    #[arg(long, value_parser = whole(1, MAX_THREADS as u64))]
    pub race_workers: Option<u64>,

    /// The look, the recording, screenshots and settings: the lab's, and
    /// `play`'s and `lesson`'s, where a session runs.
    #[command(flatten)]
    pub session: SessionArgs,

    // Last: its help heading holds for every flag declared after it.
    #[command(flatten)]
    pub comms: CommsArgs,

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the GIL race with no terminal UI and print the results, beside
    /// real CPython threads and processes with --compare-python.
    Race(RaceArgs),
    /// Play a scripted demo: a built-in scenario by name, or a scenario
    /// file (TOML); without one, list them.
    Play(PlayArgs),
    /// Walk through a lesson, step by step; without a name, list them.
    Lesson(LessonArgs),
    /// Show or write the configuration.
    Config(ConfigArgs),
    /// Print a shell's completion script (bash, zsh, fish, elvish,
    /// powershell) to standard output.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output.
    Man,
    /// Say what the cluster lab needs (redis-server, python3, celery), what
    /// is installed, and the one command that installs the rest.
    Doctor,
    /// Run a Python program (or any command) and watch it live: its
    /// processes, threads, output and multiprocessing events.
    Run(RunArgs),
    /// Watch a running process tree that proclab did not start; quitting
    /// leaves it running.
    Attach(AttachArgs),
}

/// Arguments of `proclab run`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Examples:\n  proclab run demo.py 4          python3 demo.py 4\n  \
    proclab run -- python3 -X dev demo.py\n  proclab run --no-instrument demo.py"
)]
pub struct RunArgs {
    #[command(flatten)]
    pub session: SessionArgs,

    /// Run it without proclab's instrumentation: its processes and
    /// threads from /proc only, no multiprocessing events.
    #[arg(long)]
    pub no_instrument: bool,

    /// A Python script (run with python3) and its arguments.
    #[arg(value_name = "SCRIPT", allow_hyphen_values = true)]
    pub script: Vec<OsString>,

    /// After --: a command and its arguments, run as given.
    #[arg(value_name = "PROGRAM", last = true)]
    pub command: Vec<OsString>,
}

/// Arguments of `proclab attach`.
#[derive(Debug, Clone, clap::Args)]
pub struct AttachArgs {
    /// The process to watch, with every process below it.
    pub pid: u32,

    #[command(flatten)]
    pub session: SessionArgs,
}

impl RunArgs {
    /// What to run: a checked script, or the command after `--`.
    pub fn target(&self) -> Result<Target, RunError> {
        let spec = if self.command.is_empty() {
            RunSpec::from_words(&self.script, false)?
        } else if !self.script.is_empty() {
            return Err(RunError::NothingToRun);
        } else {
            RunSpec::from_words(&self.command, true)?
        };
        Ok(Target::Run {
            spec,
            instrument: !self.no_instrument,
        })
    }
}

impl AttachArgs {
    /// The process to attach to, checked: it exists and is not proclab.
    pub fn target(&self) -> Result<Target, RunError> {
        if self.pid == std::process::id() {
            return Err(RunError::AttachSelf(self.pid));
        }
        if ProcId::of_pid(self.pid).is_none() {
            return Err(RunError::NoProcess(self.pid));
        }
        Ok(Target::Attach(self.pid))
    }
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
    #[arg(long, value_parser = whole(1, MAX_THREADS as u64))]
    pub workers: Option<u64>,

    /// Tasks in the job, shared out between the workers (default: 2 x cores).
    #[arg(long, value_parser = whole(1, 1024))]
    pub tasks: Option<u64>,

    /// Wall time of one task run alone, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = whole(10, 600_000))]
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
    /// A built-in scenario (lifecycle, gil, queue, ...) or a scenario file:
    /// a name with a / or ending in .toml is a file.
    pub scenario: Option<String>,
    /// Run with no terminal, on a virtual screen of the scenario's size
    /// (with --record, writes the recording).
    #[arg(long)]
    pub headless: bool,
    /// Play every wait this many times faster than the scenario says.
    #[arg(long, default_value_t = 1.0, value_parser = speed)]
    pub speed: f64,
    #[command(flatten)]
    pub session: SessionArgs,
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
    #[command(flatten)]
    pub session: SessionArgs,
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

/// A whole number from `lo` to `hi`. Anything else, a negative number as
/// much as one too large, is named with the range (clap's own parser
/// would call `-1` an "invalid digit").
fn whole(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync + 'static {
    move |s: &str| match s.trim().parse::<u64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(format!("{s} is not in {lo}..={hi}")),
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

mod flags;

impl Cli {
    /// Parses a command line: every value checked, the lab settled from
    /// `--lab` and the labs' flags given (see [`flags`]), then [`check`](Cli::check).
    pub fn parse_checked<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.settle(&matches)?;
        Ok(cli)
    }

    /// Settles the lab from the flags given on the command line (`matches`)
    /// and checks the rest.
    pub fn settle(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.lab = flags::settle(matches, self.lab)
            .map_err(|m| Cli::command().error(ErrorKind::ArgumentConflict, m))?;
        self.check()
    }

    /// Checks what clap cannot check flag by flag.
    pub fn check(&self) -> Result<(), clap::Error> {
        let invalid = |msg: String| Err(Cli::command().error(ErrorKind::ValueValidation, msg));
        let session = &self.session;
        if session.force && session.record.is_none() && session.log.is_none() {
            return invalid(
                "--force lets --record or --log write over their FILE: give one of them".into(),
            );
        }
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
                "--workers {w}: a pool has 1 to {MAX_POOL_WORKERS} workers"
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
        let (producers, consumers) = self.comms.opening().workers(self.lab);
        let plain = self.workers.unwrap_or(0).max(self.lifecycle_workers());
        let total = plain + producers + consumers;
        if total > self.max_workers {
            let parts: Vec<String> = [
                (plain, "worker", "workers"),
                (producers, "producer", "producers"),
                (consumers, "consumer", "consumers"),
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
}

/// The fastest rate a flag may ask for, in items per second ("max" asks
/// for as fast as it can).
pub const MAX_RATE: u32 = 100_000;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Queue, pipe and pipeline labs")]
pub struct CommsArgs {
    /// Producers to start right away (default: 2 with --lab queue, else 0).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=256))]
    pub producers: Option<u32>,

    /// Consumers to start right away (default: 1 with --lab queue, else 0).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=256))]
    pub consumers: Option<u32>,

    /// The queue's capacity: JoinableQueue(maxsize=C).
    #[arg(long, default_value_t = DEFAULT_CAPACITY, value_parser = whole(1, MAX_CAPACITY))]
    pub capacity: u64,

    /// Items per second each producer puts: 1 to 100000, or max.
    #[arg(long, default_value = "5", value_parser = parse_rate)]
    pub producer_rate: u32,

    /// Items per second each consumer works through: 1 to 100000, or max.
    #[arg(long, default_value = "8", value_parser = parse_rate)]
    pub consumer_rate: u32,

    /// Pipe and pipeline labs: whether each process closes the pipe ends it
    /// does not use (closed: an end whose other side dies meets EOFError or
    /// BrokenPipeError), or nobody closes any (open: it waits for ever).
    #[arg(long, value_enum, default_value_t = Ends::Closed)]
    pub pipe_ends: Ends,
}

/// A rate flag's value: a number of items per second, or `max` (0).
pub fn parse_rate(s: &str) -> Result<u32, String> {
    if s.eq_ignore_ascii_case("max") {
        return Ok(0);
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=MAX_RATE).contains(&n) => Ok(n),
        _ => Err(format!("expected 1 to {MAX_RATE} items per second, or max")),
    }
}

impl CommsArgs {
    /// What the queue lab opens with.
    pub fn opening(&self) -> QueueOpening {
        QueueOpening {
            producers: self.producers,
            consumers: self.consumers,
            capacity: self.capacity,
            producer_rate: self.producer_rate,
            consumer_rate: self.consumer_rate,
        }
    }
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cluster lab")]
pub struct ClusterArgs {
    /// Celery worker nodes started when the lab opens.
    #[arg(long, default_value_t = DEFAULT_NODES as u32, value_parser = clap::value_parser!(u32).range(0..=MAX_NODES as i64))]
    pub nodes: u32,

    /// Pool processes of each node (Celery's -c).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u32, value_parser = clap::value_parser!(u32).range(1..=MAX_CONCURRENCY as i64))]
    pub concurrency: u32,

    /// Tasks in a batch (b).
    #[arg(long, default_value_t = DEFAULT_BATCH as u32, value_parser = clap::value_parser!(u32).range(1..=MAX_BATCH as i64))]
    pub batch: u32,

    /// A Redis already running, redis://HOST:PORT/DB: proclab starts no
    /// redis-server and never stops this one.
    #[arg(long, value_name = "URL", value_parser = parse_broker)]
    pub broker: Option<BrokerUrl>,

    /// Tasks acknowledged after they run (a killed node's come back).
    #[arg(long)]
    pub acks_late: bool,

    /// Seconds before a task taken and never acknowledged goes to another
    /// node (Redis's visibility timeout, an hour by default in Celery).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub visibility_timeout: u64,
}

/// `--broker`: only a redis:// address, with its parts checked.
fn parse_broker(s: &str) -> Result<BrokerUrl, String> {
    s.parse::<BrokerUrl>().map_err(|e| {
        e.trim_start_matches(&format!("--broker {s:?}: "))
            .to_string()
    })
}

impl ClusterArgs {
    /// What the cluster lab opens with.
    pub fn opening(&self) -> ClusterOpening {
        ClusterOpening {
            nodes: self.nodes as usize,
            concurrency: self.concurrency as usize,
            batch: self.batch as usize,
            broker: self.broker.clone(),
            acks_late: self.acks_late,
            visibility_timeout: std::time::Duration::from_secs(self.visibility_timeout),
        }
    }
}

/// `--lab` takes the registry's names, in tab order, each with its line.
impl clap::ValueEnum for LabId {
    fn value_variants<'a>() -> &'a [LabId] {
        LabId::ALL
    }

    /// A view without a number (the run view) opens by its own command
    /// (`proclab run`): `--lab` does not offer it.
    fn to_possible_value(&self) -> Option<PossibleValue> {
        let hidden = self.tab() == crate::app::labs::Tab::WhenOpen;
        Some(
            PossibleValue::new(self.name())
                .help(self.about())
                .hide(hidden),
        )
    }
}

impl Cli {
    /// Workers the lab starts at once with `--workers` left out or given:
    /// 2 by default, none on the queue labs (producers and consumers are
    /// theirs) and on the pool lab (the pool starts its own).
    pub fn lifecycle_workers(&self) -> u32 {
        match self.lab {
            LabId::Pool | LabId::Queue | LabId::Pipe | LabId::Pipeline | LabId::Cluster => 0,
            _ => self.workers.unwrap_or(2),
        }
    }

    /// The pool lab's settings, on a machine with `cores` cores.
    fn pool_settings(&self, cores: usize) -> PoolSettings {
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

    /// What new plain workers run.
    pub fn start_options(&self) -> StartOptions {
        StartOptions {
            role: Role::Tasks,
            workload: self.workload,
            tasks: self.tasks,
            task_ms: self.task_ms,
            daemon: self.daemon,
        }
    }

    /// The start-up settings, on a machine with `cores` cores.
    pub fn startup(&self, cores: usize) -> Startup {
        Startup {
            lab: self.lab,
            workers: self.workers,
            start: self.start_options(),
            keep_running: self.keep_running,
            gil: GilOpening {
                mode: self.mode,
                interval_us: self.switch_interval_us,
                race_tasks: self.race_tasks,
                race_workers: self.race_workers.map(|n| n as usize),
            },
            queue: self.comms.opening(),
            pipe: PipeOpening {
                ends: self.comms.pipe_ends,
            },
            pipeline: PipeOpening {
                ends: self.comms.pipe_ends,
            },
            counter: CounterOpening {
                mode: self.counter,
                increments: self.increments,
                slow: self.slow,
            },
            sync: SyncOpening {
                permits: self.permits,
                parties: self.parties,
            },
            pool: self.pool_settings(cores),
            cluster: self.cluster.opening(),
            run: RunOpening {
                target: self.watch_target().ok().flatten(),
            },
            ..Startup::default()
        }
    }

    /// The program `proclab run` or `attach` watches, checked; None for
    /// the labs.
    pub fn watch_target(&self) -> Result<Option<Target>, RunError> {
        match &self.command {
            Some(Command::Run(args)) => args.target().map(Some),
            Some(Command::Attach(args)) => args.target().map(Some),
            _ => Ok(None),
        }
    }

    /// The command line of `proclab run` or `attach`, checked before the
    /// terminal is touched, opening on the run view.
    pub fn for_watching(&self) -> Result<Cli, RunError> {
        self.watch_target()?;
        Ok(Cli {
            lab: LabId::Program,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests;
