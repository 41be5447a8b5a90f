//! proclab at scale, measured in-process beside its peers in the same run:
//!
//! - `start`: 1,000 workers started, until the last one runs (its `main`
//!   seen in its slot), and stopped again; beside CPython starting 1,000
//!   `multiprocessing.Process` with fork (until each child has run its
//!   first line) and terminating and joining them.
//! - `frame`: one frame with 1,000 workers: the loop's tick (the engine
//!   looked at, every lab's figures and view models built) and the draw
//!   (layout, every panel, ratatui's diff, the escape codes) into a
//!   120x36 terminal. Goal: p99 under 2 ms.
//! - `keys`: key-to-frame latency with 8 CPU-bound workers on the cores:
//!   from a key sent into the event loop's channel to the end of the first
//!   frame that shows its effect, the real loop (`tui::run`) drawing into a
//!   terminal whose bytes are parsed as a terminal would. Goal: p99 under
//!   16 ms.
//! - `cpu`: proclab's own CPU at 10 Hz with 1,000 idle workers, beside htop
//!   (`-d 1`) on the same machine with the same 1,000 processes.
//!
//! ```text
//! cargo bench --bench scale                    # all four
//! cargo bench --bench scale -- frame keys      # some
//! PROCLAB_BENCH_ROUNDS=5 PROCLAB_BENCH_SECS=10 cargo bench --bench scale
//! ```

#[path = "common/mod.rs"]
mod common;
#[path = "scale/frame.rs"]
mod frame;
#[path = "scale/keys.rs"]
mod keys;
#[path = "../tests/common/pty.rs"]
mod pty;
#[path = "scale/start.rs"]
mod start;

use std::time::Duration;

use proclab::metrics::procstat;

pub const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
/// How many workers "at scale" means.
pub const SCALE: usize = 1_000;

/// The measuring window of the CPU figure: `PROCLAB_BENCH_SECS`, or 30 s.
fn window() -> Duration {
    let secs = std::env::var("PROCLAB_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    Duration::from_secs(secs)
}

/// The load average, to say how busy the machine was.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// CPU used by `pid` over the window after a warm-up, in percent of one
/// core.
fn cpu_over_window(pid: u32) -> f64 {
    std::thread::sleep(Duration::from_secs(3));
    let before = procstat::read_process(pid).expect("running").cpu_ticks;
    std::thread::sleep(window());
    let after = procstat::read_process(pid)
        .expect("still running")
        .cpu_ticks;
    let secs = (after - before) as f64 / procstat::ticks_per_second() as f64;
    secs / window().as_secs_f64() * 100.0
}

fn cpu() {
    let secs = window().as_secs();
    println!(
        "\n## Own CPU with {SCALE} idle workers, 10 Hz, 120x36, {secs} s window (load {})\n",
        load()
    );
    let htop = common::on_path("htop").map(|htop| {
        let lab = start::idle_lab(SCALE);
        let mut screen = pty::Screen::start_program(htop.to_str().unwrap(), &["-d", "1"], 120, 36);
        let pct = cpu_over_window(screen.pid());
        screen.press("q");
        screen.wait_exit();
        drop(lab);
        pct
    });
    let n = SCALE.to_string();
    let mut screen = pty::Screen::start(
        &[
            "--workers",
            &n,
            "--max-workers",
            &n,
            "--workload",
            "io",
            "--refresh-ms",
            "100",
        ],
        120,
        36,
    );
    screen.wait_for(&format!("p{SCALE}.start()"));
    let ours = cpu_over_window(screen.pid());
    screen.press("q");
    assert_eq!(screen.wait_exit(), 0);
    println!("| program | CPU (% of one core) | proclab / htop |");
    println!("| --- | --- | --- |");
    println!("| proclab --refresh-ms 100, {SCALE} idle workers | {ours:.2} % | |");
    match htop {
        Some(h) => println!(
            "| htop -d 1, the same {SCALE} processes | {h:.2} % | {:.2} |",
            ours / h
        ),
        None => println!("| htop | not installed (benches/install-peers.sh) | |"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let wants = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    println!("# proclab at scale (load average at start: {})", load());
    if wants("start") {
        start::run();
    }
    if wants("frame") {
        frame::run();
    }
    if wants("keys") {
        keys::run();
    }
    if wants("cpu") {
        cpu();
    }
}
