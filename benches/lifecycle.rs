//! Worker start-up and memory, beside CPython's `multiprocessing.Process`,
//! measured in the same run on the same machine.
//!
//! ```text
//! cargo bench --bench lifecycle            # 200 rounds
//! PROCLAB_BENCH_ROUNDS=1000 cargo bench --bench lifecycle
//! ```
//!
//! Figures: spawn-to-running (from `start()` to the worker's `main`),
//! spawn+join of a worker that returns at once (CPython: `Process(target=noop)`
//! `start()` + `join()` under fork, forkserver and spawn), and the resident
//! memory of an idle worker (CPython: an idle child).

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Stats, python3, rounds};
use proclab::lab::clock::now_ns;
use proclab::lab::{Lab, LabConfig, Role, StartOptions, Workload};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");

fn options(tasks: Option<u64>, workload: Workload) -> StartOptions {
    StartOptions {
        role: Role::Tasks,
        workload,
        tasks,
        task_ms: 1000,
        daemon: false,
    }
}

fn spawn_join(lab: &mut Lab, n: usize) -> Stats {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let id = lab.start_with(options(Some(0), Workload::Cpu)).unwrap();
        let code = lab.join(id, None).unwrap();
        times.push(t.elapsed());
        assert_eq!(code, Some(0));
    }
    lab.forget_joined(0);
    Stats::of(times)
}

fn spawn_to_running(lab: &mut Lab, n: usize) -> Stats {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t0 = now_ns();
        let id = lab.start_with(options(None, Workload::Io)).unwrap();
        let started = loop {
            if let Some(t) = lab.started_ns(id).unwrap() {
                break t;
            }
            std::hint::spin_loop();
        };
        times.push(Duration::from_nanos(started.saturating_sub(t0)));
        lab.kill(id).unwrap();
        lab.join(id, None).unwrap();
    }
    lab.forget_joined(0);
    Stats::of(times)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn idle_worker_rss(lab: &mut Lab) -> u64 {
    let id = lab.start_with(options(None, Workload::Io)).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let kib = rss_kib(lab.pid(id).unwrap()).unwrap_or(0);
    lab.kill(id).unwrap();
    lab.join(id, None).unwrap();
    kib
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let n = rounds(200);
    let mut lab = Lab::new(LabConfig::with_exe(PROCLAB)).unwrap();
    // Warm the page cache and the dynamic loader.
    spawn_join(&mut lab, 5);

    let ours_join = spawn_join(&mut lab, n);
    let ours_running = spawn_to_running(&mut lab, n);
    let ours_rss = idle_worker_rss(&mut lab);

    println!("## Worker start-up ({n} rounds)\n");
    println!("| what | median | p99 | vs proclab spawn+join (median) |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| proclab spawn-to-running | {} | {} | |",
        ours_running.median(),
        ours_running.p99()
    );
    println!(
        "| proclab spawn+join | {} | {} | 1.0x |",
        ours_join.median(),
        ours_join.p99()
    );

    let py = python3().and_then(|py| {
        let out = std::process::Command::new(py)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/benches/python/lifecycle.py"
            ))
            .arg(n.to_string())
            .output()
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).ok()
    });
    let Some(py) = py else {
        println!("\npython3 not found: CPython's figures were not measured.");
        println!(
            "\nproclab idle worker RSS: {:.1} MiB",
            ours_rss as f64 / 1024.0
        );
        return;
    };
    let ms = |method: &str, key: &str| py[method][key].as_f64().unwrap_or(f64::NAN);
    for method in ["fork", "forkserver", "spawn"] {
        let median = ms(method, "median_ms");
        println!(
            "| CPython {} Process start()+join() | {median:.2} ms | {:.2} ms | {:.1}x slower |",
            method,
            ms(method, "p99_ms"),
            median / ours_join.median_ms(),
        );
    }
    println!("\nCPython {}", py["python"].as_str().unwrap_or("?"));

    let py_fork = py["idle_rss_kib"]["fork"].as_f64().unwrap_or(f64::NAN);
    let py_spawn = py["idle_rss_kib"]["spawn"].as_f64().unwrap_or(f64::NAN);
    println!("\n## Idle worker memory (VmRSS)\n");
    println!("| what | RSS | proclab's share |");
    println!("| --- | --- | --- |");
    println!(
        "| proclab idle worker | {:.1} MiB | |",
        ours_rss as f64 / 1024.0
    );
    println!(
        "| CPython idle fork child | {:.1} MiB | {:.2} |",
        py_fork / 1024.0,
        ours_rss as f64 / py_fork
    );
    println!(
        "| CPython idle spawn child | {:.1} MiB | {:.2} |",
        py_spawn / 1024.0,
        ours_rss as f64 / py_spawn
    );
}
