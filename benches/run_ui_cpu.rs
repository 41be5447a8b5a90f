//! proclab's own CPU while it watches a real Python program
//! (`proclab run`, instrumented, 10 Hz), beside htop refreshing every
//! 0.1 s (`htop -d 1`) while the same program runs, in the same run.
//!
//! ```text
//! cargo bench --bench run_ui_cpu                   # 30 s each
//! PROCLAB_BENCH_SECS=10 cargo bench --bench run_ui_cpu
//! ```
//!
//! The program is busy in every way the view follows: eight CPU-bound
//! `multiprocessing` processes, each putting an item on one Queue every
//! 10 ms (800 puts a second, and their gets), so proclab reads a nine
//! process tree every 250 ms and takes in the instrumentation's reports
//! every 100 ms. Both programs draw into a 120x36 pseudo-terminal; the
//! figure is utime+stime of proclab's (or htop's) own process, all its
//! threads, over the window, in percent of one core. The program itself
//! is not counted on either side.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/common/pty.rs"]
mod pty;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use proclab::metrics::procstat;

const WARM_UP: Duration = Duration::from_secs(3);

/// Eight processes spinning and putting on one Queue, the parent getting,
/// for `argv[1]` seconds.
const BUSY: &str = r#"
import multiprocessing as mp, sys, time

def work(q, until):
    x = 0
    next_put = time.monotonic()
    while time.monotonic() < until:
        x += 1
        if time.monotonic() >= next_put:
            q.put(x)
            next_put += 0.01
    q.put(None)

if __name__ == "__main__":
    mp.set_start_method("fork")
    until = time.monotonic() + float(sys.argv[1])
    q = mp.Queue()
    ps = [mp.Process(target=work, args=(q, until), name=f"busy-{i}") for i in range(8)]
    for p in ps:
        p.start()
    print("started", flush=True)
    done = 0
    while done < len(ps):
        if q.get() is None:
            done += 1
    for p in ps:
        p.join()
"#;

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
    let before = procstat::read_process(pid).expect("it runs").cpu_ticks;
    std::thread::sleep(window());
    let after = procstat::read_process(pid)
        .expect("it still runs")
        .cpu_ticks;
    let secs = (after - before) as f64 / procstat::ticks_per_second() as f64;
    secs / window().as_secs_f64() * 100.0
}

/// How long the program runs: the window, its warm-up, and a margin.
fn lifetime() -> String {
    (window() + WARM_UP + Duration::from_secs(10))
        .as_secs()
        .to_string()
}

/// Load average over the last minute, to say how busy the machine was.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().next().unwrap_or("?").to_string())
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if common::python3().is_none() {
        eprintln!("python3 not found: nothing to watch");
        return;
    }
    let secs = window().as_secs();
    println!("## proclab run: UI CPU, 8 busy processes on a Queue, {secs} s window, 120x36\n");
    let load_before = load();

    let htop = common::on_path("htop").map(|htop| {
        let mut program = Command::new("python3")
            .args(["-c", BUSY, &lifetime()])
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("python3 runs");
        let mut screen = pty::Screen::start_program(htop.to_str().unwrap(), &["-d", "1"], 120, 36);
        let pct = cpu_over_window(screen.pid());
        screen.press("q");
        screen.wait_exit();
        unsafe {
            libc::kill(-(program.id() as i32), libc::SIGKILL);
        }
        let _ = program.wait();
        pct
    });

    let life = lifetime();
    let mut screen = pty::Screen::start(
        &[
            "--refresh-ms",
            "100",
            "run",
            "--",
            "python3",
            "-c",
            BUSY,
            &life,
        ],
        120,
        36,
    );
    screen.wait_for("busy-7");
    let ours = cpu_over_window(screen.pid());
    screen.press("q");
    assert_eq!(screen.wait_exit(), 0);

    println!("| program | CPU (% of one core) | proclab / htop |");
    println!("| --- | --- | --- |");
    println!("| proclab run, 10 Hz, instrumented | {ours:.2} % | |");
    match htop {
        Some(h) => println!("| htop -d 1 (0.1 s) | {h:.2} % | {:.2} |", ours / h),
        None => println!("| htop | not installed (benches/install-peers.sh) | |"),
    }
    println!(
        "\nload average (1 min) before: {load_before}, after: {}",
        load()
    );
}
