//! A soak of the engine: start/kill/join churn at 10 workers a second for
//! ten minutes, with proclab's own fds, memfds, threads, resident memory and
//! zombies sampled once a second, and a verdict on whether each stays flat.
//!
//! ```text
//! cargo bench --bench soak                   # 10 minutes
//! cargo bench --bench soak -- --secs 20      # a smoke run
//! PROCLAB_SOAK_SECS=60 cargo bench --bench soak
//! ```
//!
//! Each tick (100 ms) starts one worker and ends the oldest of those still
//! alive, by `kill()`, `terminate()`, or `terminate()` of a paused worker
//! then its resume (a stopped process acts on SIGTERM only once continued)
//! in turn, then asks for its join; the engine reaps it at the next poll, as
//! the UI's `j` does. Joined workers are forgotten beyond the last 16, as
//! the worker table keeps them. A figure is flat when the least-squares
//! line through its samples (after a warm-up) rises by less than its
//! tolerance over the whole run. The exit status is 1 when one is not.

use std::time::{Duration, Instant};

use proclab::lab::{Lab, LabConfig, Role, StartOptions, WorkerId, Workload};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
const DEFAULT_SECS: u64 = 600;
const TICK: Duration = Duration::from_millis(100);
/// Workers alive at once: each lives this many ticks before it is ended.
const ALIVE: usize = 4;
/// Joined workers kept in the table, as the UI keeps them.
const KEEP_JOINED: usize = 16;

/// The run's length: `--secs N`, or `PROCLAB_SOAK_SECS`, or 10 minutes.
/// (`cargo bench` adds `--bench` to the arguments; it is ignored.)
fn duration() -> Duration {
    let args: Vec<String> = std::env::args().collect();
    let flag = args
        .iter()
        .position(|a| a == "--secs")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let secs = flag
        .or_else(|| std::env::var("PROCLAB_SOAK_SECS").ok())
        .map(|v| {
            v.parse::<u64>()
                .unwrap_or_else(|_| panic!("--secs {v:?}: expected whole seconds"))
        })
        .unwrap_or(DEFAULT_SECS);
    Duration::from_secs(secs.max(5))
}

/// One reading of this process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: f64,
    fds: u64,
    memfds: u64,
    threads: u64,
    rss_kib: u64,
    zombies: u64,
    alive: usize,
    started: u64,
}

fn status_field(name: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Open fds, and how many of them are memfds.
fn fds() -> (u64, u64) {
    let (mut all, mut memfds) = (0u64, 0u64);
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        all += 1;
        let target = std::fs::read_link(entry.path()).unwrap_or_default();
        if target.to_string_lossy().starts_with("/memfd:") {
            memfds += 1;
        }
    }
    // The directory read itself held one fd.
    (all.saturating_sub(1), memfds)
}

/// Children of this process in state Z.
fn zombies() -> u64 {
    let me = std::process::id().to_string();
    let mut n = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name: state, ppid, ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let (state, ppid) = (fields.next(), fields.next());
        if state == Some("Z") && ppid == Some(me.as_str()) {
            n += 1;
        }
    }
    n
}

fn sample(at: f64, alive: usize, started: u64) -> Sample {
    let (fds, memfds) = fds();
    Sample {
        at,
        fds,
        memfds,
        threads: status_field("Threads:"),
        rss_kib: status_field("VmRSS:"),
        zombies: zombies(),
        alive,
        started,
    }
}

/// The least-squares slope of `y` against time, per second.
fn slope(samples: &[Sample], y: impl Fn(&Sample) -> f64) -> f64 {
    let n = samples.len() as f64;
    let mx = samples.iter().map(|s| s.at).sum::<f64>() / n;
    let my = samples.iter().map(&y).sum::<f64>() / n;
    let cov: f64 = samples.iter().map(|s| (s.at - mx) * (y(s) - my)).sum();
    let var: f64 = samples.iter().map(|s| (s.at - mx).powi(2)).sum();
    if var == 0.0 { 0.0 } else { cov / var }
}

struct Figure {
    name: &'static str,
    unit: &'static str,
    value: fn(&Sample) -> f64,
    /// The most it may rise over the whole run and still be flat.
    tolerance: f64,
}

const FIGURES: &[Figure] = &[
    Figure {
        name: "fds",
        unit: "",
        value: |s| s.fds as f64,
        tolerance: 2.0,
    },
    Figure {
        name: "memfds",
        unit: "",
        value: |s| s.memfds as f64,
        tolerance: 0.5,
    },
    Figure {
        name: "threads",
        unit: "",
        value: |s| s.threads as f64,
        tolerance: 1.0,
    },
    Figure {
        name: "rss",
        unit: " KiB",
        value: |s| s.rss_kib as f64,
        tolerance: 1024.0,
    },
    Figure {
        name: "zombies",
        unit: "",
        value: |s| s.zombies as f64,
        tolerance: 1.0,
    },
];

fn options(n: u64) -> StartOptions {
    StartOptions {
        role: Role::Tasks,
        // Sleeping workers: the churn is what is measured, not the CPU.
        workload: Workload::Io,
        tasks: None,
        task_ms: 200,
        daemon: n.is_multiple_of(7),
    }
}

/// Ends the oldest live worker, three ways in turn, and asks for its join.
fn end_one(lab: &mut Lab, id: WorkerId, n: u64) {
    match n % 3 {
        0 => {
            let _ = lab.kill(id);
        }
        1 => {
            let _ = lab.terminate(id);
        }
        _ => {
            // SIGTERM stays pending while it is stopped; SIGCONT lets it act.
            let _ = lab.pause(id);
            let _ = lab.terminate(id);
            let _ = lab.resume(id);
        }
    }
    let _ = lab.join_nowait(id);
}

fn main() {
    let length = duration();
    let mut lab = Lab::new(LabConfig::with_exe(PROCLAB)).expect("the engine starts");
    println!(
        "soak: {}s of start/kill/join churn at {}/s ({} alive at once), sampled once a second",
        length.as_secs(),
        1000 / TICK.as_millis(),
        ALIVE
    );
    let start = Instant::now();
    let mut alive: std::collections::VecDeque<WorkerId> = Default::default();
    let mut started = 0u64;
    let mut failed = 0u64;
    let mut samples = Vec::new();
    let mut next_tick = start;
    let mut next_sample = start;
    let row_every = if length.as_secs() <= 60 { 1 } else { 30 };
    println!(
        "{:>6} {:>5} {:>7} {:>8} {:>9} {:>8} {:>6} {:>8}",
        "t(s)", "fds", "memfds", "threads", "rss(KiB)", "zombies", "alive", "started"
    );
    while start.elapsed() < length {
        let now = Instant::now();
        if now >= next_sample {
            let s = sample(start.elapsed().as_secs_f64(), alive.len(), started);
            if samples.len() % row_every == 0 {
                println!(
                    "{:>6.0} {:>5} {:>7} {:>8} {:>9} {:>8} {:>6} {:>8}",
                    s.at, s.fds, s.memfds, s.threads, s.rss_kib, s.zombies, s.alive, s.started
                );
            }
            samples.push(s);
            next_sample += Duration::from_secs(1);
        }
        if now >= next_tick {
            match lab.start_with(options(started)) {
                Ok(id) => {
                    alive.push_back(id);
                    started += 1;
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("soak: start failed: {e}");
                }
            }
            if alive.len() > ALIVE
                && let Some(id) = alive.pop_front()
            {
                end_one(&mut lab, id, started);
            }
            lab.poll();
            lab.forget_joined(KEEP_JOINED);
            next_tick += TICK;
        }
        let wake = next_tick.min(next_sample);
        std::thread::sleep(wake.saturating_duration_since(Instant::now()));
    }
    let report = lab.shutdown(Duration::from_millis(500));
    drop(lab);
    let left = zombies();

    // The first tenth (at most 30 s) is warm-up: the allocator and the
    // table reach their working size.
    let warm = (samples.len() / 10).min(30);
    let steady = &samples[warm..];
    let span = steady.last().map_or(0.0, |s| s.at) - steady.first().map_or(0.0, |s| s.at);
    println!(
        "\n{} workers started ({failed} failed), {} joined at shutdown, {left} zombies after",
        started, report.joined
    );
    println!(
        "{:<8} {:>10} {:>10} {:>10} {:>10} {:>14} {:>12}  verdict",
        "figure", "first", "last", "min", "max", "slope/min", "over run"
    );
    let mut all_flat = left == 0 && failed == 0;
    for f in FIGURES {
        let values: Vec<f64> = steady.iter().map(f.value).collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let per_s = slope(steady, f.value);
        let rise = per_s * span;
        let flat = rise.abs() <= f.tolerance;
        all_flat &= flat;
        println!(
            "{:<8} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>14.3} {:>12.1}  {} (within {}{})",
            f.name,
            values.first().copied().unwrap_or(0.0),
            values.last().copied().unwrap_or(0.0),
            min,
            max,
            per_s * 60.0,
            rise,
            if flat { "flat" } else { "GROWS" },
            f.tolerance,
            f.unit
        );
    }
    println!(
        "\nverdict: {}",
        if all_flat {
            "flat"
        } else {
            "NOT flat (see above)"
        }
    );
    if !all_flat {
        std::process::exit(1);
    }
}
