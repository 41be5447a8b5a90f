//! The cluster lab on real Celery nodes and a real redis-server, in one run
//! on one broker (`scripts/install-cluster-deps.sh` installs both):
//!
//! ```text
//! cargo bench --bench cluster
//! PROCLAB_BENCH_ROUNDS=5 cargo bench --bench cluster   # rounds of the producer runs
//! ```
//!
//! - Tasks sent per second by proclab's producer (Rust, the `redis`
//!   crate) beside Python's `count_primes.delay(n)` in a loop, with no node
//!   running so that nothing competes: one LPUSH per task waiting for each
//!   reply (what `delay()` does), and one LPUSH per batch. Python times
//!   its own loop, after a first `delay()` has opened the connection.
//! - What each task costs the broker and Celery: a batch of no-op tasks
//!   on one node (concurrency 1), its wall time over its tasks.
//! - The speedup: the same batch of `count_primes(300000)` on 1 node,
//!   then on 2.
//! - Redelivery: a node killed while it runs an `acks_late` task, and how
//!   long the task takes to reach the other node with the lab's visibility
//!   timeout (10 s).

#[path = "common/mod.rs"]
mod common;
// The tests' probe of what other programs use of the CPU.
#[path = "../tests/cluster_common/mod.rs"]
mod cluster_common;

use std::time::{Duration, Instant};

use cluster_common::CpuProbe;
use common::{Stats, rounds};
use proclab::lab::cluster::producer::{Producer, specs};
use proclab::lab::cluster::{ClusterEvent, ClusterLab, ClusterSettings, SpeedupPlan, TaskKind};

const SENT: usize = 5_000;
const PRIMES: TaskKind = TaskKind::CountPrimes { n: 300_000 };
const PATIENCE: Duration = Duration::from_secs(300);

fn wait(
    lab: &mut ClusterLab,
    what: &str,
    mut done: impl FnMut(&ClusterLab, &[ClusterEvent]) -> bool,
) -> Vec<ClusterEvent> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        seen.extend(lab.poll());
        if done(lab, &seen) {
            return seen;
        }
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn clear_queue(p: &mut Producer) {
    let _: u64 = redis::cmd("DEL")
        .arg("celery")
        .query(p.connection())
        .unwrap();
}

/// Python's loop, timed by Python: seconds for `SENT` calls of `delay()`.
fn python_delay_loop(lab: &ClusterLab) -> Duration {
    let script = format!(
        "import time, tasks\n\
         tasks.count_primes.delay(300000)\n\
         t = time.perf_counter()\n\
         for _ in range({SENT}):\n    tasks.count_primes.delay(300000)\n\
         print(time.perf_counter() - t)\n"
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .env("PYTHONPATH", lab.folder())
        .env("PROCLAB_BROKER", lab.broker_url().to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    Duration::from_secs_f64(secs)
}

fn rate(d: Duration) -> f64 {
    SENT as f64 / d.as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test discovery.
    }
    let n = rounds(3);
    let mut lab = ClusterLab::open(ClusterSettings {
        nodes: 0,
        ..ClusterSettings::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    wait(&mut lab, "the broker", |_, seen| {
        seen.contains(&ClusterEvent::BrokerUp)
    });
    let mut producer = Producer::connect(lab.broker_url()).unwrap();
    let name = PRIMES.task_name(false);
    let (args, repr) = (PRIMES.args(), PRIMES.args_repr());

    let (mut each, mut batched, mut python) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let tasks = specs(&name, &args, &repr, SENT);
        let t = Instant::now();
        producer.push_each(&tasks).unwrap();
        each.push(t.elapsed());
        clear_queue(&mut producer);
        let tasks = specs(&name, &args, &repr, SENT);
        let t = Instant::now();
        producer.push(&tasks).unwrap();
        batched.push(t.elapsed());
        clear_queue(&mut producer);
        python.push(python_delay_loop(&lab));
        clear_queue(&mut producer);
    }
    let (each, batched, python) = (Stats::of(each), Stats::of(batched), Stats::of(python));
    let (re, rb, rp) = (
        rate(each.quantile(0.5)),
        rate(batched.quantile(0.5)),
        rate(python.quantile(0.5)),
    );
    println!("## Sending {SENT} tasks (median of {n})\n");
    println!("| sender | tasks/s | beside Python |");
    println!("| --- | --- | --- |");
    println!("| Python `delay()` in a loop | {rp:.0} | 1 |");
    println!(
        "| proclab, one LPUSH per task | {re:.0} | {:.1}x |",
        re / rp
    );
    println!(
        "| proclab, one LPUSH per batch | {rb:.0} | {:.1}x |",
        rb / rp
    );

    lab.start_speedup(SpeedupPlan {
        nodes: vec![1, 2],
        task: PRIMES,
        batch: 20,
        noop_tasks: 200,
        pool: true,
    })
    .unwrap();
    let (mut start, mut foreign, mut looked) = (None, Vec::new(), 0);
    wait(&mut lab, "the speedup run", |lab, seen| {
        for e in &seen[looked..] {
            match e {
                ClusterEvent::BatchSent { .. } => start = Some(CpuProbe::take(lab)),
                ClusterEvent::SpeedupMeasured { .. } => {
                    let from: CpuProbe = start.take().expect("a batch before its end");
                    foreign.push(from.foreign_cores(&CpuProbe::take(lab)));
                }
                _ => {}
            }
        }
        looked = seen.len();
        !lab.speedup_running()
    });
    let view = lab.view();
    let overhead = view.speedup.overhead.expect("measured");
    println!(
        "\n## What a task costs the broker and Celery\n\n{} no-op tasks on 1 node: {:.0} ms, \
         {:.2} ms a task\n",
        overhead.tasks,
        overhead.wall.as_secs_f64() * 1e3,
        overhead.per_task.as_secs_f64() * 1e3
    );
    let rows = &view.speedup.rows;
    println!("## 20 x count_primes(300000)\n");
    println!("| nodes | wall | speedup | cores used by other programs meanwhile |");
    println!("| --- | --- | --- | --- |");
    for (r, f) in rows.iter().zip(&foreign) {
        println!(
            "| {} | {:.2} s | {:.2}x | {f:.1} |",
            r.nodes,
            r.wall.as_secs_f64(),
            r.speedup_over(&rows[0])
        );
    }

    // Redelivery: with two nodes online, an acks_late task killed mid-run.
    lab.set_acks_late(true);
    lab.set_batch(TaskKind::Sleep { seconds: 2.0 }, 2).unwrap();
    let batch = lab.send_batch();
    let mut victim = None;
    wait(&mut lab, "a node running a task", |lab, _| {
        victim = lab
            .view()
            .nodes
            .iter()
            .find(|n| n.local && !n.held.is_empty())
            .map(|n| n.id.unwrap());
        victim.is_some()
    });
    lab.kill_node(victim.unwrap()).unwrap();
    let seen = wait(&mut lab, "the batch", |_, seen| {
        seen.iter()
            .any(|e| matches!(e, ClusterEvent::BatchDone { batch: b, .. } if *b == batch))
    });
    let back = seen.iter().find_map(|e| match e {
        ClusterEvent::TaskRedelivered {
            after_delivery,
            after_death,
            ..
        } => Some((*after_delivery, *after_death)),
        _ => None,
    });
    let (delivery, death) = back.expect("the killed node's task was redelivered");
    println!(
        "\n## Redelivery (visibility timeout {:?})\n\nreceived again {:.1} s after the dead node \
         took it, {:.1} s after it was found dead",
        view.visibility_timeout,
        delivery.unwrap_or_default().as_secs_f64(),
        death.unwrap_or_default().as_secs_f64()
    );
    lab.shutdown(Duration::from_secs(5));
}
