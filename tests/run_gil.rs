//! The GIL verdict on real CPython: threads on a CPU-bound function share
//! about one core and are told to be held by the GIL; sleeping threads and
//! CPU-bound processes are not.

mod watch;

use std::time::{Duration, Instant};

use proclab::lab::run::{GilContext, Program, TreeSample, gil_verdict, gil_verdicts};
use watch::*;

/// Three workers of one kind; each CPU-bound one spins for `secs`.
const WORKERS: &str = r#"
import multiprocessing as mp, sys, threading, time

def spin(secs):
    end = time.monotonic() + secs
    x = 0
    while time.monotonic() < end:
        x += 1

if __name__ == "__main__":
    mode, secs = sys.argv[1], float(sys.argv[2])
    if mode == "threads":
        workers = [threading.Thread(target=spin, args=(secs,)) for _ in range(3)]
    elif mode == "sleepers":
        workers = [threading.Thread(target=time.sleep, args=(secs,)) for _ in range(3)]
    else:
        mp.set_start_method("fork")
        workers = [mp.Process(target=spin, args=(secs,)) for _ in range(3)]
    for w in workers:
        w.start()
    print("started")
    for w in workers:
        w.join()
"#;

/// How long the verdict's window lasts.
const WINDOW: Duration = Duration::from_millis(1500);

/// Idle and total ticks of the whole machine, from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap();
    let cpu: Vec<u64> = text
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // idle + iowait; the total leaves out guest time, already in user.
    (cpu[3] + cpu[4], cpu.iter().take(8).sum())
}

/// Runs WORKERS in `mode` and samples it over a window; returns the
/// samples and the cores that were free meanwhile.
fn watch_workers(mode: &str) -> (Vec<TreeSample>, f32) {
    let dir = Dir::new(&format!("gil-{mode}"));
    let script = dir.script("workers.py", WORKERS);
    let lab = lab();
    let mut w = Watch::new(Program::run(&lab, python(&dir, &script, &[mode, "20"])).unwrap());
    w.until_line("started");
    // The threads (or processes) are there once started has been printed.
    let (idle0, total0) = machine_ticks();
    let start = Instant::now();
    let mut window = Vec::new();
    while start.elapsed() < WINDOW {
        window.push(w.sample());
        std::thread::sleep(Duration::from_millis(100));
    }
    window.push(w.sample());
    let (idle1, total1) = machine_ticks();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f32;
    let free = (idle1 - idle0) as f32 / (total1 - total0).max(1) as f32 * cores;
    w.program.shutdown(Duration::from_millis(200));
    assert_eq!(w.left(), vec![]);
    (window, free)
}

#[test]
fn cpu_bound_threads_are_held_by_the_gil() {
    let (window, free) = watch_workers("threads");
    let ctx = GilContext {
        free_threaded: false,
        free_cores: Some(free),
    };
    let main = window.last().unwrap().processes[0].id;
    let verdict = gil_verdict(&window, main, ctx);
    let v = verdict.unwrap_or_else(|| {
        let last = window.last().unwrap();
        panic!(
            "no GIL verdict (free cores {free:.2}); threads: {:#?}",
            last.processes[0].threads
        )
    });
    assert_eq!(v.busy.len(), 3, "{v:#?}");
    assert!(v.cores_used > 0.25 && v.cores_used < 1.3, "{v:#?}");
    // The waiting threads are asleep in a condition wait, not runnable.
    assert!(v.busy.iter().all(|t| t.handoffs_per_sec > 30.0), "{v:#?}");
    // A free-threaded interpreter would not be held by a GIL.
    let free_threaded = GilContext {
        free_threaded: true,
        ..ctx
    };
    assert_eq!(gil_verdict(&window, main, free_threaded), None);
}

#[test]
fn sleeping_threads_are_not_held_by_the_gil() {
    let (window, free) = watch_workers("sleepers");
    let last = window.last().unwrap();
    assert_eq!(last.processes[0].thread_count, 4);
    let ctx = GilContext {
        free_threaded: false,
        free_cores: Some(free),
    };
    assert_eq!(gil_verdicts(&window, ctx), vec![]);
}

#[test]
fn cpu_bound_processes_are_not_held_by_the_gil() {
    let (window, free) = watch_workers("processes");
    assert_eq!(window.last().unwrap().processes.len(), 4);
    let ctx = GilContext {
        free_threaded: false,
        free_cores: Some(free),
    };
    assert_eq!(gil_verdicts(&window, ctx), vec![]);
    // Starved or not, a process with one thread is not held by a GIL.
    let starved = GilContext {
        free_cores: Some(0.0),
        ..ctx
    };
    assert_eq!(gil_verdicts(&window, starved), vec![]);
}
