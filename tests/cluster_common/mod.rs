//! Helpers of the cluster lab's tests: opening a lab that fails with the
//! install command when Celery or redis-server is missing, waiting on its
//! events, a Redis of the test's own, the machine's idle cores.
#![allow(dead_code)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use proclab::lab::cluster::nodes::NodeLife;
use proclab::lab::cluster::tasks::{StepKind, TaskState};
use proclab::lab::cluster::view::TaskPath;
use proclab::lab::cluster::{
    BrokerUrl, ClusterError, ClusterEvent, ClusterLab, ClusterSettings, TaskKind,
};

/// Tests take one lock and run one after another: Celery nodes start in
/// seconds on a busy 2-core machine, and speedups are measured on it.
pub static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// `count_primes(300000)`: about half a second here, and its answer.
pub const PRIMES: TaskKind = TaskKind::CountPrimes { n: 300_000 };
pub const PRIMES_ANSWER: &str = "25997";

pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn open(settings: ClusterSettings) -> ClusterLab {
    match ClusterLab::open(settings) {
        Ok(lab) => lab,
        Err(e @ ClusterError::Missing { .. }) => {
            panic!("{e} (or run scripts/install-cluster-deps.sh as root)")
        }
        Err(e) => panic!("the cluster lab did not open: {e}"),
    }
}

/// Polls until `done` holds for what was reported so far (all of it, in
/// order), or panics with it after `limit`.
pub fn wait_for(
    lab: &mut ClusterLab,
    what: &str,
    limit: Duration,
    mut done: impl FnMut(&ClusterLab, &[ClusterEvent]) -> bool,
) -> Vec<ClusterEvent> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        seen.extend(lab.poll());
        if done(lab, &seen) {
            return seen;
        }
        assert!(
            start.elapsed() < limit,
            "gave up after {limit:?} waiting for {what}; saw {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn count(events: &[ClusterEvent], pred: impl Fn(&ClusterEvent) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}

pub fn online_locals(lab: &ClusterLab) -> usize {
    lab.view()
        .nodes
        .iter()
        .filter(|n| n.local && n.life == NodeLife::Online)
        .count()
}

pub fn batch_done(events: &[ClusterEvent], batch: u32) -> Option<&ClusterEvent> {
    events
        .iter()
        .find(|e| matches!(e, ClusterEvent::BatchDone { batch: b, .. } if *b == batch))
}

pub const START: Duration = Duration::from_secs(60);

/// Idle cores over half a second, from `/proc/stat`.
pub fn idle_cores() -> f64 {
    let read = || -> (u64, u64) {
        let stat = std::fs::read_to_string("/proc/stat").unwrap();
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        (cpu[3] + cpu[4], cpu.iter().sum())
    };
    let (idle0, total0) = read();
    std::thread::sleep(Duration::from_millis(500));
    let (idle1, total1) = read();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    (idle1 - idle0) as f64 / (total1 - total0).max(1) as f64 * cores
}

/// Waits (up to `limit`) until `cores` cores are idle; returns the last reading.
pub fn wait_for_idle_cores(cores: f64, limit: Duration) -> f64 {
    let start = Instant::now();
    loop {
        let idle = idle_cores();
        if idle >= cores || start.elapsed() > limit {
            return idle;
        }
    }
}

/// CPU used by the whole machine, and by the lab's processes (its
/// redis-server, nodes and their pool processes), in clock ticks.
pub struct CpuProbe {
    at: Instant,
    busy: u64,
    ours: u64,
}

impl CpuProbe {
    pub fn take(lab: &ClusterLab) -> CpuProbe {
        let stat = std::fs::read_to_string("/proc/stat").unwrap();
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal: all but idle and iowait.
        let busy = cpu[..8].iter().sum::<u64>() - cpu[3] - cpu[4];
        let mut pids: Vec<u32> = lab.broker_pid().into_iter().collect();
        for id in lab.running_nodes() {
            pids.extend(lab.node_pid(id));
            pids.extend(lab.node_pool(id));
        }
        let ours = pids
            .iter()
            .filter_map(|&p| proclab::metrics::procstat::read_process(p))
            .map(|s| s.cpu_ticks)
            .sum();
        CpuProbe {
            at: Instant::now(),
            busy,
            ours,
        }
    }

    /// Cores used on average by other programs between two probes.
    pub fn foreign_cores(&self, later: &CpuProbe) -> f64 {
        let ticks = proclab::metrics::procstat::ticks_per_second() as f64;
        let theirs = later.busy.saturating_sub(self.busy) as f64
            - later.ours.saturating_sub(self.ours) as f64;
        theirs.max(0.0) / ticks / later.at.duration_since(self.at).as_secs_f64().max(1e-3)
    }
}

/// Of the time either of two nodes ran tasks of the paths given (one
/// batch, sent at once), the share when both did.
pub fn overlap_of_two_nodes(paths: &[TaskPath]) -> f64 {
    let mut by_node: std::collections::BTreeMap<String, Vec<(f64, f64)>> = Default::default();
    for t in paths {
        let at = |k: StepKind| {
            t.steps
                .iter()
                .find(|s| s.kind == k)
                .map(|s| s.after.as_secs_f64())
        };
        if let (Some(a), Some(b), Some(node)) =
            (at(StepKind::Started), at(StepKind::Succeeded), &t.holder)
        {
            by_node.entry(node.clone()).or_default().push((a, b));
        }
    }
    let nodes: Vec<&Vec<(f64, f64)>> = by_node.values().collect();
    let [a, b] = nodes[..] else {
        return 0.0;
    };
    let both: f64 = a
        .iter()
        .flat_map(|x| {
            b.iter()
                .map(move |y| (x.1.min(y.1) - x.0.max(y.0)).max(0.0))
        })
        .sum();
    let all = a.iter().chain(b.iter());
    let start = all.clone().map(|x| x.0).fold(f64::MAX, f64::min);
    let end = all.map(|x| x.1).fold(0.0, f64::max);
    both / (end - start).max(1e-9)
}

/// The first node holding a running task and one received behind it, or
/// (with `acks_late`, which leaves no room to take a second) only running.
pub fn busy_node(lab: &ClusterLab, want_held: usize) -> Option<(u32, Vec<String>)> {
    let view = lab.view();
    view.nodes.iter().find_map(|n| {
        let running = view
            .recent
            .iter()
            .any(|t| t.holder.as_deref() == Some(n.name.as_str()) && t.state == TaskState::Running);
        (n.local && running && n.held.len() == want_held).then(|| (n.id.unwrap(), n.held.clone()))
    })
}

pub fn hostname() -> String {
    proclab::lab::cluster::wire::hostname()
}

/// A redis-server of the test's own, as a Redis someone already runs.
pub struct TestRedis {
    pub child: std::process::Child,
    pub port: u16,
}

impl TestRedis {
    pub fn start() -> TestRedis {
        let port = proclab::lab::cluster::broker::free_port().unwrap();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/install-cluster-deps.sh installs it)");
        let redis = TestRedis { child, port };
        let start = Instant::now();
        while redis.connect().is_err() {
            assert!(start.elapsed() < START, "redis-server did not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    pub fn url(&self) -> BrokerUrl {
        BrokerUrl::localhost(self.port)
    }

    pub fn connect(&self) -> redis::RedisResult<redis::Connection> {
        let client = redis::Client::open(self.url().to_string())?;
        client.get_connection_with_timeout(Duration::from_secs(1))
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
