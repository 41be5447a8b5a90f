//! Starting 1,000 workers, beside CPython starting 1,000 processes with
//! fork.

use std::process::Command;
use std::time::{Duration, Instant};

use proclab::lab::clock::now_ns;
use proclab::lab::{Lab, LabConfig, Role, SHUTDOWN_GRACE, StartOptions, WorkerId, Workload};

use super::common::{python3, rounds};
use super::{PROCLAB, SCALE, load};

/// An idle worker: it sleeps in an I/O task until stopped.
pub fn idle() -> StartOptions {
    StartOptions {
        role: Role::Tasks,
        workload: Workload::Io,
        tasks: None,
        task_ms: 1000,
        daemon: false,
    }
}

/// A lab of `n` idle workers, all running.
pub fn idle_lab(n: usize) -> Lab {
    let mut lab = Lab::new(LabConfig {
        max_workers: n,
        ..LabConfig::with_exe(PROCLAB)
    })
    .expect("the engine starts");
    let ids: Vec<WorkerId> = (0..n).map(|_| lab.start_with(idle()).unwrap()).collect();
    wait_running(&lab, &ids);
    lab
}

/// Waits until every worker has reached its `main`; returns the latest
/// start time seen, in `now_ns` time.
fn wait_running(lab: &Lab, ids: &[WorkerId]) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = 0;
    for &id in ids {
        loop {
            if let Some(t) = lab.started_ns(id).unwrap() {
                last = last.max(t);
                break;
            }
            assert!(Instant::now() < deadline, "worker {id} never ran");
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    last
}

/// One round: seconds of the start loop, until all run, and the shutdown.
fn proclab_round() -> (f64, f64, f64) {
    let mut lab = Lab::new(LabConfig {
        max_workers: SCALE,
        ..LabConfig::with_exe(PROCLAB)
    })
    .expect("the engine starts");
    let t0 = now_ns();
    let ids: Vec<WorkerId> = (0..SCALE)
        .map(|_| lab.start_with(idle()).unwrap())
        .collect();
    let looped = now_ns() - t0;
    let running = wait_running(&lab, &ids).saturating_sub(t0);
    let t1 = Instant::now();
    let report = lab.shutdown(SHUTDOWN_GRACE);
    let stopped = t1.elapsed();
    assert_eq!(report.joined, SCALE);
    (
        looped as f64 / 1e9,
        running as f64 / 1e9,
        stopped.as_secs_f64(),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run() {
    let n = rounds(3);
    println!(
        "\n## Starting {SCALE} workers, {n} rounds (load {})\n",
        load()
    );
    let mut ours = (Vec::new(), Vec::new(), Vec::new());
    let mut theirs = (Vec::new(), Vec::new(), Vec::new());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/scale.py");
    for _ in 0..n {
        let (l, r, s) = proclab_round();
        ours.0.push(l);
        ours.1.push(r);
        ours.2.push(s);
        let Some(py) = python3() else { continue };
        let out = Command::new(py)
            .args([script, &SCALE.to_string(), "1"])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value =
            serde_json::from_slice(out.stdout.trim_ascii()).expect("one JSON line");
        theirs.0.push(v["loop_s"].as_f64().unwrap());
        theirs.1.push(v["running_s"].as_f64().unwrap());
        theirs.2.push(v["stop_s"].as_f64().unwrap());
    }
    let row = |what: &str, a: &[f64], b: &[f64]| {
        let (a, b) = (median(a.to_vec()), median(b.to_vec()));
        let ratio = if b > 0.0 {
            format!("{:.2}", b / a)
        } else {
            "-".into()
        };
        println!("| {what} | {a:.3} s | {b:.3} s | {ratio} |");
    };
    println!("| {SCALE} workers (median) | proclab | CPython fork | CPython / proclab |");
    println!("| --- | --- | --- | --- |");
    if theirs.0.is_empty() {
        theirs = (vec![0.0], vec![0.0], vec![0.0]);
    }
    row("start loop (`start()` x 1,000)", &ours.0, &theirs.0);
    row("until the last one runs", &ours.1, &theirs.1);
    row("terminate and join all", &ours.2, &theirs.2);
}
