//! Running the GIL race's job with real CPython: the script in
//! `benches/python/gil_race.py`, built into proclab, one configuration per
//! call so that proclab's runs and CPython's can be interleaved.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::lab::Workload;
use crate::lab::gil::Mode;

/// The script, as shipped with proclab.
pub const SCRIPT: &str = include_str!("../../benches/python/gil_race.py");

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
