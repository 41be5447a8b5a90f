//! The pool beside CPython's `multiprocessing.Pool`, measured in the same
//! run on the same machine: two workers, 20,000 trivial items (`x * x`),
//! from submitting the job to holding every result.
//!
//! ```text
//! cargo bench --bench pool
//! PROCLAB_BENCH_ROUNDS=20 cargo bench --bench pool   # rounds of the slow runs
//! ```
//!
//! Runs: `map` with chunksize 1, `map` with Python's default chunksize
//! (2,500 here), and `imap_unordered` with chunksize 1, each result taken by
//! the caller as it arrives. Both pools are started and warmed up before
//! the clock starts, as `with Pool(2) as pool:` would be.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Stats, python3, rounds};
use proclab::lab::engine::Engine;
use proclab::lab::pool::{ChunkChoice, Cost, JobSpec, Method, Outcome, spec::work};
use proclab::lab::{Lab, LabConfig};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
const ITEMS: u32 = 20_000;
const PATIENCE: Duration = Duration::from_secs(60);

fn job(method: Method, chunk: ChunkChoice) -> JobSpec {
    JobSpec {
        method,
        items: ITEMS,
        chunk,
        workers: 2,
        maxtasks: None,
        cost: Cost::Uniform,
        item_us: 0,
        init_ms: 0,
    }
}

/// `results = pool.map(work, items, chunksize)`: the whole list, in order.
fn map(e: &mut Engine, chunk: ChunkChoice) -> Duration {
    let t = Instant::now();
    e.pool.submit(&mut e.lab, job(Method::Map, chunk)).unwrap();
    let outcome = e.pool.wait_run(&mut e.lab, PATIENCE);
    let results = e.pool.results(&e.lab).expect("every result");
    let took = t.elapsed();
    assert_eq!(outcome, Some(Outcome::Done));
    assert_eq!(results.len(), ITEMS as usize);
    assert!(
        results
            .iter()
            .enumerate()
            .all(|(i, &r)| r == work(i as u64))
    );
    took
}

/// `for r in pool.imap_unordered(work, items, chunksize=1): total += r`.
fn imap_unordered(e: &mut Engine) -> Duration {
    let t = Instant::now();
    e.pool
        .submit(
            &mut e.lab,
            job(Method::ImapUnordered, ChunkChoice::Fixed(1)),
        )
        .unwrap();
    let mut got = Vec::with_capacity(ITEMS as usize);
    let mut total = 0u64;
    while got.len() < ITEMS as usize {
        e.pool
            .wait_for(&mut e.lab, PATIENCE, |c| c.has_undrained() || !c.running());
        let before = got.len();
        e.pool.drain(&e.lab, &mut got);
        for &(_, r) in &got[before..] {
            total = total.wrapping_add(r);
        }
        assert!(
            got.len() > before || e.pool.running(),
            "the run ended short"
        );
    }
    let took = t.elapsed();
    let expected = (0..u64::from(ITEMS))
        .map(work)
        .fold(0u64, u64::wrapping_add);
    assert_eq!(total, expected);
    took
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

fn measure(n: usize, mut f: impl FnMut() -> Duration) -> Stats {
    Stats::of((0..n).map(|_| f()).collect())
}

fn fmt(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 0.1 {
        format!("{s:.3} s")
    } else {
        format!("{:.3} ms", s * 1e3)
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let slow = rounds(20);
    let fast = slow * 10;
    let lab = Lab::new(LabConfig {
        pool_items: ITEMS as usize,
        ..LabConfig::with_exe(PROCLAB)
    })
    .unwrap();
    let mut e = Engine::new(lab);
    // Start the pool and warm it up.
    for _ in 0..3 {
        map(&mut e, ChunkChoice::Default);
    }

    let ours = [
        (
            "map, chunksize 1",
            measure(slow, || map(&mut e, ChunkChoice::Fixed(1))),
        ),
        (
            "map, default chunksize (2,500)",
            measure(fast, || map(&mut e, ChunkChoice::Default)),
        ),
        (
            "imap_unordered, chunksize 1",
            measure(slow, || imap_unordered(&mut e)),
        ),
    ];
    // The pool's workers, idle after every run: their resident memory.
    std::thread::sleep(Duration::from_millis(500));
    let ours_rss = e
        .pool
        .worker_ids()
        .into_iter()
        .filter_map(|id| rss_kib(e.lab.pid(id).ok()?))
        .max()
        .unwrap_or(0);
    drop(e);

    let py = python3().and_then(|py| {
        let out = std::process::Command::new(py)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/benches/python/pool.py"
            ))
            .args([ITEMS.to_string(), 5.to_string(), 100.to_string()])
            .output()
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).ok()
    });
    let keys = [
        "map_chunksize_1",
        "map_default",
        "imap_unordered_chunksize_1",
    ];

    println!("## Pool(2), {ITEMS} trivial items\n");
    println!("| run | proclab median | proclab p99 | CPython median | CPython / proclab |");
    println!("| --- | --- | --- | --- | --- |");
    for ((name, stats), key) in ours.iter().zip(keys) {
        let median = stats.quantile(0.5);
        let (py_median, ratio) = match &py {
            Some(py) => {
                let s = py[key]["median_s"].as_f64().unwrap_or(f64::NAN);
                (
                    fmt(Duration::from_secs_f64(s)),
                    format!("{:.1}x", s / median.as_secs_f64()),
                )
            }
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {name} | {} | {} | {py_median} | {ratio} |",
            fmt(median),
            fmt(stats.quantile(0.99)),
        );
    }
    let mib = |kib: f64| kib / 1024.0;
    println!("\n| idle pool worker after the runs | RSS | proclab / CPython |");
    println!("| --- | --- | --- |");
    println!("| proclab | {:.1} MiB | |", mib(ours_rss as f64));
    match &py {
        Some(py) => {
            let theirs = py["idle_worker_rss_kib"].as_f64().unwrap_or(f64::NAN);
            println!(
                "| CPython (fork) | {:.1} MiB | {:.2} |",
                mib(theirs),
                ours_rss as f64 / theirs
            );
            println!(
                "\nCPython {}; proclab {slow} rounds of the chunksize-1 runs, {fast} of the default; CPython 5 and 100.",
                py["python"].as_str().unwrap_or("?")
            )
        }
        None => println!("\npython3 not found: CPython's figures were not measured."),
    }
}
