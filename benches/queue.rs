//! The queue and pipes beside CPython's `multiprocessing`, measured in the
//! same run on the same machine.
//!
//! ```text
//! cargo bench --bench queue                 # 5 runs of each figure
//! PROCLAB_BENCH_ROUNDS=9 cargo bench --bench queue
//! ```
//!
//! Figures, each the median of the runs: messages per second through the
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

fn median(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut v: Vec<f64> = (0..runs).map(|_| f()).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let runs = rounds(5);
    let mut e = Engine::new(Lab::new(LabConfig::with_exe(PROCLAB)).unwrap());
    // Warm the page cache and the loader.
    queue_rate(&mut e, queue::BATCH_MAX);

    let ours = [
        (
            "queue, up to 64 per lock taking",
            median(runs, || queue_rate(&mut e, queue::BATCH_MAX)),
        ),
        (
            "queue, one message per lock taking",
            median(runs, || queue_rate(&mut e, 1)),
        ),
        (
            "pipe one way, up to 256 per write",
            median(runs, || pipe_rate(&mut e, 256)),
        ),
        (
            "pipe one way, one write per message",
            median(runs, || pipe_rate(&mut e, 1)),
        ),
        ("pipe round trips", median(runs, || round_trips(&mut e))),
    ];

    let py = python3().and_then(|py| {
        let out = std::process::Command::new(py)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/benches/python/mp_queue.py"
            ))
            .arg(PY_N.to_string())
            .arg(runs.to_string())
            .output()
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).ok()
    });
    println!("## Queue and pipes ({runs} runs, medians)\n");
    let Some(py) = py else {
        println!("python3 not found: CPython's figures were not measured.\n");
        for (what, rate) in ours {
            println!("proclab {what}: {} messages/s", thousands(rate));
        }
        return;
    };
    // CPython's best of a tuple and an int message.
    let best = |key: &str| {
        ["tuple", "int"]
            .iter()
            .filter_map(|k| py[k][key].as_f64())
            .fold(f64::NAN, f64::max)
    };
    let peers = [
        ("Queue", best("queue")),
        ("JoinableQueue + task_done", best("joinable")),
        ("Pipe(duplex=False)", best("pipe")),
        ("Pipe() round trips", best("round_trips")),
    ];
    println!(
        "| proclab | per s | CPython {} | per s | proclab / CPython |",
        py["python"].as_str().unwrap_or("?")
    );
    println!("| --- | --- | --- | --- | --- |");
    let rows = [(0, 0), (0, 1), (1, 1), (2, 2), (3, 2), (4, 3)];
    for (o, p) in rows {
        let (what, rate) = ours[o];
        let (peer, peer_rate) = peers[p];
        println!(
            "| {what} | {} | {peer} | {} | {:.1}x |",
            thousands(rate),
            thousands(peer_rate),
            rate / peer_rate
        );
    }
    println!("\nproclab's queue is always joinable: every consumer marks each item done.");
}
