//! proclab's own CPU use while it draws 8 busy workers at 10 Hz, beside htop
//! refreshing every 0.1 s (`htop -d 1`) under the same load, in the same run.
//!
//! ```text
//! cargo bench --bench ui_cpu                     # 30 s each
//! PROCLAB_BENCH_SECS=10 cargo bench --bench ui_cpu
//! ```
//!
//! Both run in a 120x36 pseudo-terminal whose output is read as a terminal
//! would; the figure is utime+stime of the program (all its threads) over the
//! window, as a percentage of one core. htop comes from the distribution
//! (`benches/install-peers.sh`); without it, only proclab is measured.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/common/pty.rs"]
mod pty;

use std::time::Duration;

use proclab::lab::{Lab, LabConfig, Role, StartOptions, Workload};
use proclab::metrics::procstat;

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
const WARM_UP: Duration = Duration::from_secs(3);

fn window() -> Duration {
    let secs = std::env::var("PROCLAB_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    Duration::from_secs(secs)
}

/// CPU used by `pid` over the window, in percent of one core.
fn cpu_over_window(pid: u32) -> f64 {
    std::thread::sleep(WARM_UP);
    let before = procstat::read_process(pid)
        .expect("the program runs")
        .cpu_ticks;
    std::thread::sleep(window());
    let after = procstat::read_process(pid)
        .expect("the program still runs")
        .cpu_ticks;
    let secs = (after - before) as f64 / procstat::ticks_per_second() as f64;
    secs / window().as_secs_f64() * 100.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs = window().as_secs();
    println!("## UI CPU use, 8 busy workers, {secs} s window, 120x36 terminal\n");

    let htop = common::on_path("htop").map(|htop| {
        // The same load proclab will show: 8 CPU-bound workers.
        let mut lab = Lab::new(LabConfig::with_exe(PROCLAB)).unwrap();
        for _ in 0..8 {
            lab.start_with(StartOptions {
                role: Role::Tasks,
                workload: Workload::Cpu,
                tasks: None,
                task_ms: 1000,
                daemon: false,
            })
            .unwrap();
        }
        let mut screen = pty::Screen::start_program(htop.to_str().unwrap(), &["-d", "1"], 120, 36);
        let pct = cpu_over_window(screen.pid());
        screen.press("q");
        screen.wait_exit();
        drop(lab);
        pct
    });

    let mut screen = pty::Screen::start(&["--workers", "8", "--refresh-ms", "100"], 120, 36);
    screen.wait_for("p8.start()");
    let ours = cpu_over_window(screen.pid());
    screen.press("q");
    assert_eq!(screen.wait_exit(), 0);

    println!("| program | CPU (% of one core) | proclab / peer |");
    println!("| --- | --- | --- |");
    println!("| proclab --refresh-ms 100 (10 Hz) | {ours:.2} % | |");
    match htop {
        Some(h) => println!("| htop -d 1 (0.1 s) | {h:.2} % | {:.2} |", ours / h),
        None => println!("| htop | not installed (benches/install-peers.sh) | |"),
    }
}
