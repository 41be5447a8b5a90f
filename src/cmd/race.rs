//! `proclab race`: the GIL race with no terminal UI. Each run's figures are
//! printed as a markdown table row the moment it finishes; with
//! `--compare-python`, every run is followed by the same run with real
//! CPython threads or multiprocessing, on the same machine, so both see
//! the same load, and the speedups are compared side by side. CPython's
//! side is the script in `src/cmd/python/gil_race.py`, built into proclab,
//! run one configuration per call so that proclab's runs and CPython's can
//! be interleaved ([`Python`]).

use std::io::Write;
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

pub use crate::cli::RaceArgs;
use crate::lab::engine::{Engine, EngineEvent};
use crate::lab::gil::race::{self, RaceEvent, RacePlan, RunResult};
use crate::lab::gil::{self, GilEvent, Mode};
use crate::lab::{Lab, LabConfig, Workload};

/// The job every run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    pub tasks: u64,
    pub task_ms: u64,
    pub workload: Workload,
    pub interval_us: u32,
}

/// Runs the job once in `mode` with `workers` workers, polling the engine
/// until the run ends.
pub fn run_once(
    engine: &mut Engine,
    mode: Mode,
    workers: usize,
    job: Job,
) -> anyhow::Result<RunResult> {
    engine.gil.start_race(RacePlan {
        runs: vec![(mode, workers)],
        tasks: job.tasks,
        task_ms: job.task_ms,
        workload: job.workload,
        interval_us: job.interval_us,
    })?;
    let mut result = None;
    loop {
        for event in engine.poll() {
            match event {
                EngineEvent::Gil(GilEvent::Race(RaceEvent::RunFinished { result: r, .. })) => {
                    result = Some(r)
                }
                EngineEvent::Gil(GilEvent::Race(RaceEvent::Failed { reason, .. })) => {
                    bail!("the run failed: {reason}")
                }
                EngineEvent::Gil(GilEvent::Race(RaceEvent::Finished { .. })) => {
                    return result.context("the race finished with no result");
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The run of least wall time.
fn fastest<T: Copy>(runs: Vec<T>, wall: impl Fn(&T) -> Duration) -> T {
    *runs
        .iter()
        .min_by_key(|r| wall(r))
        .expect("at least one run")
}

/// One configuration's figures: proclab's, and CPython's if measured.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub mode: Mode,
    pub workers: usize,
    pub ours: RunResult,
    pub python: Option<PyRun>,
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The speedup of a row against the one-worker row of its mode.
fn speedup(rows: &[Row], row: &Row, wall: impl Fn(&Row) -> Option<Duration>) -> Option<f64> {
    let one = rows
        .iter()
        .find(|r| r.mode == row.mode && r.workers == 1)
        .and_then(&wall)?;
    let this = wall(row)?;
    (this.as_secs_f64() > 0.0).then(|| one.as_secs_f64() / this.as_secs_f64())
}

fn ours_speedup(rows: &[Row], row: &Row) -> Option<f64> {
    speedup(rows, row, |r| Some(r.ours.wall))
}

fn python_speedup(rows: &[Row], row: &Row) -> Option<f64> {
    speedup(rows, row, |r| r.python.map(|p| p.wall))
}

fn print_row(
    out: &mut impl Write,
    rows: &[Row],
    row: &Row,
    ideal: f64,
    compare: bool,
) -> std::io::Result<()> {
    let ours = ours_speedup(rows, row);
    let cpu = row.ours.cpu.map_or("?".into(), secs);
    let fmt = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{s:.2}x"));
    let eff = ours.map_or("-".to_string(), |s| format!("{:.0}%", s / ideal * 100.0));
    write!(
        out,
        "| {} | {} | {} | {cpu} | {} | {eff} |",
        row.mode.short(),
        row.workers,
        secs(row.ours.wall),
        fmt(ours),
    )?;
    if compare {
        match row.python {
            Some(py) => {
                let theirs = python_speedup(rows, row);
                let ratio = ours
                    .zip(theirs)
                    .map_or("-".to_string(), |(a, b)| format!("{:.2}", a / b));
                write!(
                    out,
                    " {} | {} | {} | {ratio} |",
                    secs(py.wall),
                    secs(py.cpu),
                    fmt(theirs)
                )?;
            }
            None => write!(out, " - | - | - | - |")?,
        }
    }
    writeln!(out)?;
    out.flush()
}

/// How far proclab's speedups are from CPython's in one mode: the worst
/// ratio's distance from 1, over the runs with more than one worker.
pub fn fidelity(rows: &[Row], mode: Mode) -> Option<(f64, f64, f64)> {
    let ratios: Vec<f64> = rows
        .iter()
        .filter(|r| r.mode == mode && r.workers > 1)
        .filter_map(|r| Some(ours_speedup(rows, r)? / python_speedup(rows, r)?))
        .collect();
    if ratios.is_empty() {
        return None;
    }
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let worst = ratios.iter().map(|r| (r - 1.0).abs()).fold(0.0, f64::max);
    Some((lo, hi, worst))
}

/// Runs the race as `args` say and prints it to `out`; the workers are
/// this executable (see [`run_with`] for another).
pub fn run(args: &RaceArgs, out: &mut impl Write) -> anyhow::Result<Vec<Row>> {
    run_with(args, LabConfig::new(), out)
}

/// Runs the race with an engine set up by `config` (its worker executable
/// must be proclab).
pub fn run_with(
    args: &RaceArgs,
    config: LabConfig,
    out: &mut impl Write,
) -> anyhow::Result<Vec<Row>> {
    for (i, mode) in args.modes.iter().enumerate() {
        if args.modes[..i].contains(mode) {
            bail!("--modes names {} twice: each mode races once", mode.name());
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let twice = 2 * cores as u64;
    let max_workers = args.workers.unwrap_or(twice) as usize;
    let job = Job {
        tasks: args.tasks.unwrap_or(twice),
        task_ms: args.task_ms,
        workload: args.workload,
        interval_us: args.switch_interval_us,
    };
    let python = if args.compare_python {
        Some(Python::calibrate(&args.python, args.task_ms).with_context(|| {
            format!(
                "--compare-python needs a CPython: cannot use {:?} (--python PATH names another)",
                args.python
            )
        })?)
    } else {
        None
    };
    let lab = Lab::new(config).context("cannot start the engine")?;
    let mut engine = Engine::new(lab);

    writeln!(
        out,
        "proclab race: {} {} tasks of {} ms, 1 to {max_workers} workers, switch interval {}, {cores} cores",
        job.tasks,
        job.workload.name(),
        job.task_ms,
        gil::format_interval(job.interval_us)
    )?;
    if let Some(py) = &python {
        writeln!(
            out,
            "CPython {} ({}): the same job, run after each proclab run",
            py.version, args.python
        )?;
    }
    if args.repeat > 1 {
        writeln!(
            out,
            "each configuration run {} times, the fastest kept (other programs only slow a run down)",
            args.repeat
        )?;
    }
    writeln!(out)?;
    write!(
        out,
        "| mode | workers | wall | CPU | speedup | efficiency |"
    )?;
    if python.is_some() {
        write!(
            out,
            " CPython wall | CPython CPU | CPython speedup | proclab / CPython speedup |"
        )?;
    }
    writeln!(out)?;
    let columns = if python.is_some() { 10 } else { 6 };
    writeln!(out, "|{}", " --- |".repeat(columns))?;

    let mut rows: Vec<Row> = Vec::new();
    for &mode in &args.modes {
        for workers in 1..=max_workers {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..args.repeat {
                ours.push(run_once(&mut engine, mode, workers, job)?);
                if let (Some(py), false) = (&python, mode == Mode::FreeThreads) {
                    theirs.push(py.run(mode, workers, job.tasks, job.workload, job.task_ms)?);
                }
            }
            let row = Row {
                mode,
                workers,
                ours: fastest(ours, |r| r.wall),
                python: (!theirs.is_empty()).then(|| fastest(theirs, |r| r.wall)),
            };
            rows.push(row);
            let ideal = race::ideal(job.workload, workers, cores);
            print_row(out, &rows, &row, ideal, python.is_some())?;
        }
    }
    if python.is_some() {
        writeln!(
            out,
            "\nproclab's speedup over CPython's, runs with 2 or more workers (goal: within 10%):"
        )?;
        for mode in [Mode::Threads, Mode::Processes] {
            if let Some((lo, hi, worst)) = fidelity(&rows, mode) {
                let verdict = if worst <= 0.10 {
                    "within 10%"
                } else {
                    "MISSED: more than 10% off"
                };
                writeln!(
                    out,
                    "- {}: {lo:.2} to {hi:.2}, at worst {:.0}% off: {verdict}",
                    mode.short(),
                    worst * 100.0
                )?;
            }
        }
    }
    engine.shutdown(crate::lab::SHUTDOWN_GRACE);
    Ok(rows)
}

/// `proclab race`.
pub fn main(args: &RaceArgs) -> ExitCode {
    match run(args, &mut std::io::stdout()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proclab race: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The script, as shipped with proclab.
pub const SCRIPT: &str = include_str!("python/gil_race.py");

/// A CPython to measure, calibrated for one task length.
#[derive(Debug, Clone)]
pub struct Python {
    exe: String,
    pub version: String,
    /// `for _ in range(iters): pass` takes one task's length alone.
    pub iters: u64,
}

/// One run of CPython's job.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PyRun {
    pub wall: Duration,
    pub cpu: Duration,
}

fn call(exe: &str, args: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let out = Command::new(exe)
        .arg("-c")
        .arg(SCRIPT)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {exe}"))?;
    if !out.status.success() {
        bail!(
            "{exe} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let words: Vec<&str> = text.split_whitespace().collect();
    Ok(words
        .chunks(2)
        .filter_map(|kv| match kv {
            [k, v] => Some((k.to_string(), v.to_string())),
            _ => None,
        })
        .collect())
}

fn field<T: std::str::FromStr>(pairs: &[(String, String)], key: &str) -> anyhow::Result<T> {
    let value = pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .ok_or_else(|| anyhow!("CPython's reply has no {key}"))?;
    value
        .parse()
        .map_err(|_| anyhow!("CPython's {key} is not a number: {value:?}"))
}

fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

impl Python {
    /// Finds `exe` and measures how many turns of its loop make one task.
    pub fn calibrate(exe: &str, task_ms: u64) -> anyhow::Result<Python> {
        let reply = call(exe, &["calibrate".into(), task_ms.to_string()])?;
        Ok(Python {
            exe: exe.to_string(),
            version: field(&reply, "version")?,
            iters: field(&reply, "iters")?,
        })
    }

    /// Runs `tasks` tasks with `workers` threads or processes.
    pub fn run(
        &self,
        mode: Mode,
        workers: usize,
        tasks: u64,
        workload: Workload,
        task_ms: u64,
    ) -> anyhow::Result<PyRun> {
        let mode = match mode {
            Mode::Threads => "threads",
            Mode::Processes => "processes",
            Mode::FreeThreads => bail!("this CPython has a GIL: free threads are not compared"),
        };
        let reply = call(
            &self.exe,
            &[
                "run".into(),
                mode.into(),
                workers.to_string(),
                tasks.to_string(),
                self.iters.to_string(),
                workload.name().into(),
                task_ms.to_string(),
            ],
        )?;
        Ok(PyRun {
            wall: seconds(field(&reply, "wall")?),
            cpu: seconds(field(&reply, "cpu")?),
        })
    }

    /// Blocking calls per second in the main thread beside `cpu_workers`
    /// CPU-bound threads or processes, over `secs` seconds.
    pub fn convoy(&self, mode: Mode, cpu_workers: usize, secs: f64) -> anyhow::Result<f64> {
        let mode = if mode == Mode::Processes {
            "processes"
        } else {
            "threads"
        };
        let reply = call(
            &self.exe,
            &[
                "convoy".into(),
                mode.into(),
                cpu_workers.to_string(),
                secs.to_string(),
            ],
        )?;
        field(&reply, "ops_per_s")
    }
}
