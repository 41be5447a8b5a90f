//! The GIL race beside CPython, in the same run on the same machine:
//! proclab's simulated GIL (threads), its processes and its free threads
//! against real CPython threads and real multiprocessing, run after run;
//! then the convoy effect: an I/O thread's blocking calls per second beside
//! CPU-bound threads or processes, in proclab and in CPython.
//!
//! ```text
//! cargo bench --bench gil                              # 5 runs of each, 0.5 s tasks
//! PROCLAB_BENCH_ROUNDS=3 PROCLAB_BENCH_TASK_MS=1000 cargo bench --bench gil
//! ```
//!
//! The race is `proclab race --compare-python` itself (src/cmd/race.rs):
//! every configuration runs `PROCLAB_BENCH_ROUNDS` times (default 5),
//! proclab and CPython in turn, and the fastest run of each is kept, since
//! other programs on the machine only ever slow a run down. The convoy
//! figures are the median of three measurements, proclab and CPython in turn.

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use common::{python3, rounds};
use proclab::cmd::race::Python;
use proclab::cmd::race::{RaceArgs, run_with};
use proclab::lab::engine::Engine;
use proclab::lab::gil::Mode;
use proclab::lab::gil::area::ThreadKind;
use proclab::lab::{Lab, LabConfig, Workload};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
/// How long each convoy measurement lasts, after a second to settle.
const CONVOY_SECS: f64 = 2.0;
/// Convoy measurements per figure; the median is kept.
const CONVOY_TRIES: usize = 3;

fn task_ms() -> u64 {
    std::env::var("PROCLAB_BENCH_TASK_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

/// The I/O thread's calls per second in proclab beside `cpu` CPU-bound
/// workers of `mode`.
fn proclab_convoy(engine: &mut Engine, mode: Mode, cpu: usize) -> f64 {
    engine.gil.set_mode(mode);
    for _ in 0..cpu {
        engine
            .gil
            .add(&mut engine.lab, Workload::Cpu, 1000)
            .expect("a CPU-bound worker");
    }
    engine
        .gil
        .set_convoy(&mut engine.lab, true)
        .expect("the I/O thread");
    let ops = |engine: &Engine| {
        let snap = engine.gil.snapshot(&engine.lab);
        snap.interactive
            .and_then(|i| i.threads.into_iter().find(|t| t.kind == ThreadKind::Convoy))
            .map_or(0, |t| t.ops)
    };
    std::thread::sleep(Duration::from_secs(1));
    let before = ops(engine);
    let start = std::time::Instant::now();
    std::thread::sleep(Duration::from_secs_f64(CONVOY_SECS));
    let rate = (ops(engine) - before) as f64 / start.elapsed().as_secs_f64();
    engine.gil.stop_all(&mut engine.lab);
    engine.lab.forget_joined(0);
    rate
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let python = python3().map(|p| p.display().to_string());
    let args = RaceArgs {
        modes: Mode::ALL.to_vec(),
        workers: None,
        tasks: None,
        task_ms: task_ms(),
        workload: Workload::Cpu,
        switch_interval_us: proclab::lab::gil::DEFAULT_INTERVAL_US,
        compare_python: python.is_some(),
        python: python.clone().unwrap_or_else(|| "python3".into()),
        repeat: rounds(5) as u32,
    };
    println!("## The GIL race (`cargo bench --bench gil`)\n");
    run_with(&args, LabConfig::with_exe(PROCLAB), &mut std::io::stdout()).expect("the race runs");
    if python.is_none() {
        println!("\npython3 not found: CPython's figures were not measured.");
    }

    println!("\n## The convoy effect: an I/O thread's 0.1 ms blocking calls per second\n");
    let py = python
        .as_deref()
        .and_then(|exe| Python::calibrate(exe, 100).ok());
    println!(
        "| CPU-bound work beside it | proclab calls/s | CPython calls/s | proclab / CPython |"
    );
    println!("| --- | --- | --- | --- |");
    let mut engine = Engine::new(Lab::new(LabConfig::with_exe(PROCLAB)).expect("the engine"));
    for (mode, cpu) in [
        (Mode::Threads, 0),
        (Mode::Threads, 1),
        (Mode::Threads, 2),
        (Mode::Processes, 1),
        (Mode::Processes, 2),
    ] {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..CONVOY_TRIES {
            ours.push(proclab_convoy(&mut engine, mode, cpu));
            if let Some(t) = py
                .as_ref()
                .and_then(|p| p.convoy(mode, cpu, CONVOY_SECS).ok())
            {
                theirs.push(t);
            }
        }
        let ours = median(ours).expect("a measurement");
        let theirs = median(theirs);
        let what = match (mode, cpu) {
            (_, 0) => "none".to_string(),
            (Mode::Processes, n) => format!("{n} process(es)"),
            (_, n) => format!("{n} thread(s) under the GIL"),
        };
        let (theirs, ratio) = match theirs {
            Some(t) => (format!("{t:.0}"), format!("{:.2}", ours / t)),
            None => ("-".into(), "-".into()),
        };
        println!("| {what} | {ours:.0} | {theirs} | {ratio} |");
    }
    engine.shutdown(proclab::lab::SHUTDOWN_GRACE);
}
