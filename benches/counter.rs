//! The shared counter beside CPython's `multiprocessing`, measured in the
//! same run on the same machine: two processes incrementing one counter
//! behind a lock, without one (the updates lost), atomically, and through a
//! manager's server.
//!
//! ```text
//! cargo bench --bench counter
//! PROCLAB_BENCH_ROUNDS=9 cargo bench --bench counter
//! ```
//!
//! Both sides time the increments alone: the workers meet at a start gate
//! (proclab) or a Barrier (CPython), and the run lasts from the first start
//! to the last end, so process start-up is not counted on either side.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{python3, rounds};
use proclab::lab::counter::{CounterEvent, CounterMode, DEFAULT_INCREMENTS, RunResult, RunSpec};
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::{Lab, LabConfig};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
const WORKERS: u32 = 2;

fn run(engine: &mut Engine, mode: CounterMode, increments: u64) -> RunResult {
    let spec = RunSpec {
        mode,
        workers: WORKERS,
        increments,
        slow: false,
    };
    engine.counter.start_run(&mut engine.lab, spec).unwrap();
    let start = Instant::now();
    loop {
        for event in engine.poll() {
            if let EngineEvent::Counter(CounterEvent::RunFinished(r)) = event {
                assert_eq!(r.failed, 0, "a worker failed: {r:?}");
                return r;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "run too long");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median increments per second over `n` runs, checking each is exact.
fn rate(engine: &mut Engine, mode: CounterMode, increments: u64, n: usize) -> f64 {
    let rates = (0..n)
        .map(|_| {
            let r = run(engine, mode, increments);
            assert_eq!(r.lost, 0, "{mode:?} must be exact: {r:?}");
            r.rate
        })
        .collect();
    median(rates)
}

/// `n` racy runs: the updates each lost, and how long its workers ran at
/// once (in ms).
struct Racy {
    lost: Vec<i64>,
    overlap_ms: Vec<f64>,
    elapsed_ms: Vec<f64>,
}

fn lost(engine: &mut Engine, increments: u64, n: usize) -> Racy {
    let runs: Vec<RunResult> = (0..n)
        .map(|_| run(engine, CounterMode::Racy, increments))
        .collect();
    Racy {
        lost: runs.iter().map(|r| r.lost).collect(),
        overlap_ms: runs.iter().map(|r| r.overlap.as_secs_f64() * 1e3).collect(),
        elapsed_ms: runs.iter().map(|r| r.elapsed.as_secs_f64() * 1e3).collect(),
    }
}

fn per_sec(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} M/s", rate / 1e6)
    } else {
        format!("{:.1} k/s", rate / 1e3)
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let n = rounds(5);
    let mut engine = Engine::new(Lab::new(LabConfig::with_exe(PROCLAB)).unwrap());
    // Warm the page cache and the dynamic loader.
    run(&mut engine, CounterMode::Atomic, 1_000);

    let locked = rate(&mut engine, CounterMode::Locked, 2_000_000, n);
    let atomic = rate(&mut engine, CounterMode::Atomic, 2_000_000, n);
    let manager = rate(&mut engine, CounterMode::Manager, 50_000, n.min(3));
    // The lab's default size, twenty times: every run must lose updates.
    let racy_200k = lost(&mut engine, 200_000, 2 * n);
    let racy_1m = lost(&mut engine, DEFAULT_INCREMENTS, 20);
    engine.shutdown(Duration::from_secs(1));

    let py = python3().and_then(|py| {
        let out = std::process::Command::new(py)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/benches/python/counter.py"
            ))
            .arg(n.min(3).to_string())
            // Its default sizes, but the racy one at the lab's default, as
            // many times as proclab's.
            .args([
                "200000",
                &DEFAULT_INCREMENTS.to_string(),
                "2000",
                "5000",
                "20",
            ])
            .output()
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).ok()
    });

    println!("## Shared counter, {WORKERS} processes ({n} rounds, medians)\n");
    println!("| what | proclab | CPython | proclab / CPython |");
    println!("| --- | --- | --- | --- |");
    let rate_of = |key: &str| {
        py.as_ref()
            .and_then(|p| p[key]["rate"].as_f64())
            .unwrap_or(f64::NAN)
    };
    let row = |what: &str, ours: f64, theirs: f64| {
        println!(
            "| {what} | {} | {} | {:.1}x |",
            per_sec(ours),
            if theirs.is_nan() {
                "-".into()
            } else {
                per_sec(theirs)
            },
            ours / theirs
        );
    };
    row(
        "locked: `with v.get_lock(): v.value += 1`",
        locked,
        rate_of("value_lock"),
    );
    row(
        "manager, vs Manager().Value + Manager().Lock()",
        manager,
        rate_of("manager_lock"),
    );
    row(
        "manager, vs a registered Counter proxy (1 round trip)",
        manager,
        rate_of("manager_proxy"),
    );
    println!(
        "| atomic add (no Python equivalent) | {} | - | - |",
        per_sec(atomic)
    );

    let show = |v: &[i64]| {
        v.iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("\n## Racy mode: updates lost, {WORKERS} processes\n");
    println!(
        "| what | runs that lost | lost in each run | ms the workers ran at once: median, of median length |"
    );
    println!("| --- | --- | --- | --- |");
    for (what, r) in [
        ("proclab racy, 2 x 200,000", &racy_200k),
        ("proclab racy, 2 x 1,000,000 (the default)", &racy_1m),
    ] {
        println!(
            "| {what} | {} of {} | {} | {:.0} of {:.0} |",
            r.lost.iter().filter(|&&l| l > 0).count(),
            r.lost.len(),
            show(&r.lost),
            median(r.overlap_ms.clone()),
            median(r.elapsed_ms.clone()),
        );
    }
    match &py {
        Some(p) => {
            let lost: Vec<i64> = p["racy"]["lost"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_i64()).collect())
                .unwrap_or_default();
            println!(
                "| CPython Value(lock=False), 2 x {} | {} of {} | {} | |",
                p["racy"]["n"],
                lost.iter().filter(|&&l| l > 0).count(),
                lost.len(),
                show(&lost)
            );
            println!(
                "\nCPython {} ({} start method); its sizes: locked 2 x {}, manager 2 x {}, proxy 2 x {}.",
                p["python"].as_str().unwrap_or("?"),
                p["start_method"].as_str().unwrap_or("?"),
                p["value_lock"]["n"],
                p["manager_lock"]["n"],
                p["manager_proxy"]["n"],
            );
        }
        None => println!("\npython3 not found: CPython's figures were not measured."),
    }
    println!("proclab's sizes: locked and atomic 2 x 2,000,000, manager 2 x 50,000.");
}
