//! The queue and pipes beside CPython's `multiprocessing`, measured in the
//! same run on the same machine.
//!
//! ```text
//! cargo bench --bench queue                 # 5 rounds
//! PROCLAB_BENCH_ROUNDS=9 cargo bench --bench queue
//! ```
//!
//! Each round runs every figure once, proclab's and CPython's in turn, so
//! both meet the same load on a shared machine. Figures, each the median
//! of the rounds: messages per second through the
//! queue from one producer process to one consumer process (batched, as
//! proclab's workers move them at full speed, and one message per lock
//! taking); through a pipe one way (several messages per write at full
//! speed, and one write per message); and round trips per second over a
//! duplex pipe. CPython: `Queue`, `JoinableQueue` with `task_done`,
//! `Pipe(duplex=False)` and a `Pipe()` ping-pong, with a tuple message (what
//! proclab's items carry) and with an int; the faster of the two is the
//! peer.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{python3, rounds};
use proclab::lab::engine::Engine;
use proclab::lab::pipe::PipeMode;
use proclab::lab::{Lab, LabConfig, queue};

const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
/// Messages per run through proclab's queue and pipe.
const N: u64 = 1_000_000;
/// Messages per run for CPython, about a second's worth.
const PY_N: u64 = 200_000;

/// Messages per second from one producer to one consumer, between the
/// first message got and the last (read every 200 µs).
fn queue_rate(e: &mut Engine, batch: usize) -> f64 {
    e.queue.set_capacity(&mut e.lab, 1024).unwrap();
    e.queue.set_rates(&e.lab, 0, 0);
    e.queue.set_batch(&e.lab, batch);
    let c = e.queue.add_consumer(&mut e.lab).unwrap();
    let p = e.queue.add_producer(&mut e.lab, Some(N)).unwrap();
    let ring = queue::ring(e.lab.region());
    let mut first = None;
    let last = loop {
        let head = ring.totals(Duration::ZERO).head;
        if first.is_none() && head > 0 {
            first = Some((Instant::now(), head));
        }
        if head >= N {
            break Instant::now();
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let (t0, h0) = first.expect("messages arrived");
    assert_eq!(e.lab.join(p, None).unwrap(), Some(0));
    assert!(e.queue.send_sentinel(&mut e.lab));
    assert_eq!(e.lab.join(c, None).unwrap(), Some(0));
    e.poll();
    let t = queue::ring(e.lab.region()).totals(Duration::from_secs(1));
    assert!(t.balanced() && t.lost == 0, "{t:?}");
    (N - h0) as f64 / (last - t0).as_secs_f64()
}

/// Messages per second one way through an OS pipe, between the first and
/// the last received (timed by the receiver).
fn pipe_rate(e: &mut Engine, batch: usize) -> f64 {
    e.pipe.set_mode(PipeMode::Stream);
    e.pipe.set_rate(&e.lab, 0);
    e.pipe.set_batch(&e.lab, batch);
    let [a, b] = e.pipe.start(&mut e.lab, Some(N)).unwrap();
    assert_eq!(e.lab.join(a, None).unwrap(), Some(0));
    assert_eq!(e.lab.join(b, None).unwrap(), Some(0));
    assert_eq!(e.pipe.stats(&e.lab).count, N);
    e.pipe.received_rate(&e.lab).unwrap()
}

/// Round trips per second over a socket pair.
fn round_trips(e: &mut Engine) -> f64 {
    e.pipe.set_mode(PipeMode::PingPong);
    e.pipe.set_rate(&e.lab, 0);
    let [a, b] = e.pipe.start(&mut e.lab, Some(N / 10)).unwrap();
    assert_eq!(e.lab.join(a, None).unwrap(), Some(0));
    assert_eq!(e.lab.join(b, None).unwrap(), Some(0));
    e.pipe.received_rate(&e.lab).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One CPython run of `figure` with messages of `kind`, in messages per
/// second.
fn cpython(py: &std::path::Path, figure: &str, kind: &str) -> Option<f64> {
    let out = std::process::Command::new(py)
        .arg(SCRIPT)
        .args([figure, kind, &PY_N.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/mp_queue.py");
const PEERS: [(&str, &str); 4] = [
    ("queue", "Queue"),
    ("joinable", "JoinableQueue + task_done"),
    ("pipe", "Pipe(duplex=False)"),
    ("round_trips", "Pipe() round trips"),
];

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let runs = rounds(5);
    let mut e = Engine::new(Lab::new(LabConfig::with_exe(PROCLAB)).unwrap());
    // Warm the page cache and the loader.
    queue_rate(&mut e, queue::BATCH_MAX);
    let py = python3();
    let version = py.as_ref().and_then(|py| {
        let out = std::process::Command::new(py)
            .args([SCRIPT, "version"])
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    });

    // Rounds interleave proclab's runs and CPython's, so that both meet
    // the same load on a shared machine.
    let mut ours: [Vec<f64>; 5] = Default::default();
    let mut theirs: [Vec<f64>; 4] = Default::default();
    for _ in 0..runs {
        ours[0].push(queue_rate(&mut e, queue::BATCH_MAX));
        ours[1].push(queue_rate(&mut e, 1));
        ours[2].push(pipe_rate(&mut e, 256));
        ours[3].push(pipe_rate(&mut e, 1));
        ours[4].push(round_trips(&mut e));
        if let Some(py) = &py {
            for (i, (figure, _)) in PEERS.iter().enumerate() {
                // CPython's best of a tuple and an int message.
                let best = ["tuple", "int"]
                    .iter()
                    .filter_map(|kind| cpython(py, figure, kind))
                    .fold(f64::NAN, f64::max);
                theirs[i].push(best);
            }
        }
    }
    let names = [
        "queue, up to 64 per lock taking",
        "queue, one message per lock taking",
        "pipe one way, up to 256 per write",
        "pipe one way, one write per message",
        "pipe round trips",
    ];
    let ours: Vec<f64> = ours.into_iter().map(median).collect();
    println!("## Queue and pipes ({runs} rounds, medians)\n");
    let Some(version) = version else {
        println!("python3 not found: CPython's figures were not measured.\n");
        for (what, rate) in names.iter().zip(&ours) {
            println!("proclab {what}: {} messages/s", thousands(*rate));
        }
        return;
    };
    let theirs: Vec<f64> = theirs.into_iter().map(median).collect();
    println!("| proclab | per s | CPython {version} | per s | proclab / CPython |");
    println!("| --- | --- | --- | --- | --- |");
    for (o, p) in [(0, 0), (0, 1), (1, 1), (2, 2), (3, 2), (4, 3)] {
        println!(
            "| {} | {} | {} | {} | {:.1}x |",
            names[o],
            thousands(ours[o]),
            PEERS[p].1,
            thousands(theirs[p]),
            ours[o] / theirs[p]
        );
    }
    println!("\nproclab's queue is always joinable: every consumer marks each item done.");
}
