//! [`ClusterLab`]: the cluster lab's controller. It owns the broker (when
//! it is the lab's own), the local nodes, the network threads, and the
//! record of nodes and tasks; its methods never block on the network.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::broker::{self, OwnBroker};
use super::doctor::{Doctor, Presence, doctor};
use super::error::ClusterError;
use super::events::{CeleryEvent, TaskEventKind};
use super::files::RunDir;
use super::link::{BatchId, Gauges, Link, Report};
use super::node::{self, LocalNode, NodeId, Stop};
use super::nodes::NodeBook;
use super::report::{ClusterEvent, NodeEnd};
use super::settings::{BrokerChoice, BrokerUrl, ClusterSettings};
use super::speedup::Speedup;
use super::tasks::TaskBook;
use super::view::BrokerState;
use super::wire;
use crate::lab::{Lab, LabConfig, SHUTDOWN_GRACE, Spawner};
use crate::metrics::{ProcLoad, ProcSampler};

/// How often the pool processes are read from `/proc`.
const PROC_EVERY: Duration = Duration::from_millis(500);
/// How long shutdown waits for pool processes to follow their node.
const POOL_GONE_WAIT: Duration = Duration::from_secs(3);
/// Lines of a log quoted when a program ends by itself.
const LOG_LINES: usize = 5;

/// What shutting down did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterShutdown {
    /// Nodes that ended on SIGTERM within the grace.
    pub nodes_stopped: usize,
    /// Nodes killed after it.
    pub nodes_killed: usize,
    /// Pool processes still running afterwards (should be none).
    pub pool_left: Vec<u32>,
    /// The lab's own redis-server was stopped.
    pub broker_stopped: bool,
}

/// The cluster lab.
pub struct ClusterLab {
    pub(super) settings: ClusterSettings,
    pub(super) python: PathBuf,
    pub(super) hostname: String,
    pub(super) url: BrokerUrl,
    pub(super) broker: Option<OwnBroker>,
    pub(super) broker_state: BrokerState,
    pub(super) link: Link,
    pub(super) nodes: Vec<LocalNode>,
    pub(super) next_node: NodeId,
    pub(super) book: TaskBook,
    pub(super) node_book: NodeBook,
    pub(super) gauges: Option<Gauges>,
    pub(super) pool_loads: HashMap<NodeId, Vec<ProcLoad>>,
    pub(super) speedup: Speedup,
    pub(super) garbled: u64,
    pub(super) procs: ProcSampler,
    pub(super) last_procs: Option<Instant>,
    pub(super) next_batch: BatchId,
    /// Python lines of batches handed to the broker thread, by batch.
    pub(super) sending: HashMap<BatchId, String>,
    pub(super) pending: Vec<ClusterEvent>,
    pub(super) shut_down: bool,
    /// Between `node` and `@` in the names of the nodes the lab starts:
    /// empty on its own broker, `-` and the run's tag on a given one.
    pub(super) node_suffix: String,
    /// Starts every child from the engine's supervisor thread.
    pub(super) spawner: Spawner,
    // Dropped last: the folder holds the logs the children write, and the
    // supervisor thread of an engine of the lab's own (when it was opened
    // without one) is what their parent-death signal is tied to.
    pub(super) dir: RunDir,
    pub(super) own_engine: Option<Lab>,
}

impl ClusterLab {
    /// Checks what is installed, makes the private folder, starts the
    /// broker (unless one is given), the network threads and the first
    /// nodes, from a supervisor thread of the lab's own. Takes a few
    /// tenths of a second (Python is asked what it has); waits on no
    /// network. For tests, benchmarks and programs without an engine;
    /// proclab's engine uses [`ClusterLab::open_with`].
    pub fn open(settings: ClusterSettings) -> Result<ClusterLab, ClusterError> {
        settings.check().map_err(ClusterError::Settings)?;
        let found = doctor(&settings.redis_server, &settings.python_or_default());
        // No worker runs in this engine; its region is the smallest.
        let engine = Lab::new(LabConfig {
            max_workers: 1,
            pool_items: 1,
            iters_per_ms: Some(1),
            ..LabConfig::new()
        })
        .map_err(|e| ClusterError::Supervisor(e.to_string()))?;
        let spawner = engine.spawner();
        Self::start(settings, found, spawner, Some(engine))
    }

    /// Opens the lab with what [`doctor`] found (it may have run on
    /// another thread, so as not to hold the screen), starting every
    /// child through `spawner`, the engine's supervisor thread. Returns at
    /// once; fails with [`ClusterError::Missing`] if something the lab
    /// needs is not installed.
    pub fn open_with(
        settings: ClusterSettings,
        found: Doctor,
        spawner: Spawner,
    ) -> Result<ClusterLab, ClusterError> {
        settings.check().map_err(ClusterError::Settings)?;
        Self::start(settings, found, spawner, None)
    }

    fn start(
        settings: ClusterSettings,
        found: Doctor,
        spawner: Spawner,
        own_engine: Option<Lab>,
    ) -> Result<ClusterLab, ClusterError> {
        if let Some(missing) = missing(&settings, &found) {
            return Err(missing);
        }
        let dir = RunDir::create().map_err(ClusterError::Folder)?;
        let mut pending = Vec::new();
        let (broker, url) = match &settings.broker {
            BrokerChoice::Own => {
                let b =
                    OwnBroker::start(&spawner, &settings.redis_server, &dir).map_err(|error| {
                        ClusterError::BrokerSpawn {
                            program: settings.redis_server.display().to_string(),
                            error,
                        }
                    })?;
                pending.push(ClusterEvent::BrokerStarted {
                    port: b.port(),
                    pid: b.pid(),
                });
                let url = b.url();
                (Some(b), url)
            }
            BrokerChoice::External(url) => (None, url.clone()),
        };
        let link = Link::start(&url).map_err(ClusterError::Threads)?;
        let node_suffix = match settings.broker {
            BrokerChoice::Own => String::new(),
            BrokerChoice::External(_) => format!("-{}", dir.tag()),
        };
        let mut lab = ClusterLab {
            python: found.python,
            hostname: wire::hostname(),
            url,
            broker,
            broker_state: BrokerState::Starting,
            link,
            nodes: Vec::new(),
            next_node: 1,
            book: TaskBook::new(settings.visibility_timeout),
            node_book: NodeBook::default(),
            gauges: None,
            pool_loads: HashMap::new(),
            speedup: Speedup::default(),
            garbled: 0,
            procs: ProcSampler::new(),
            last_procs: None,
            next_batch: 1,
            sending: HashMap::new(),
            pending,
            shut_down: false,
            node_suffix,
            spawner,
            dir,
            own_engine,
            settings,
        };
        for _ in 0..lab.settings.nodes {
            lab.add_node()?;
        }
        Ok(lab)
    }

    pub fn settings(&self) -> &ClusterSettings {
        &self.settings
    }

    /// The broker's address (the lab's own, or the one given).
    pub fn broker_url(&self) -> &BrokerUrl {
        &self.url
    }

    /// The run's private folder (tasks module, logs).
    pub fn folder(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<ClusterEvent> {
        let now = Instant::now();
        let mut out = std::mem::take(&mut self.pending);
        self.poll_broker(now, &mut out);
        // The nodes' events first: a node's last "task-started", sent just
        // before it was killed, must be in the book when its end sorts what
        // it held into lost (acknowledged) and unacknowledged.
        for report in self.link.reports() {
            self.on_report(report, now, &mut out);
        }
        self.poll_nodes(now, &mut out);
        for name in self.node_book.newly_silent(now) {
            let held = self.book.node_died(&name, now);
            out.push(ClusterEvent::NodeSilent { name, held });
        }
        self.link.watch_tail(self.book.has_orphans());
        self.sample_pools(now);
        self.advance_speedup(&out);
        out.append(&mut self.pending);
        out
    }

    fn poll_broker(&mut self, now: Instant, out: &mut Vec<ClusterEvent>) {
        let Some(b) = self.broker.as_mut() else {
            return;
        };
        if let Some(code) = b.poll_exit() {
            self.broker_state = BrokerState::Exited { code };
            out.push(ClusterEvent::BrokerExited {
                code,
                lost: self.book.queue_lost(now),
                log: self.dir.log_tail(broker::LOG, LOG_LINES),
            });
        }
    }

    fn poll_nodes(&mut self, now: Instant, out: &mut Vec<ClusterEvent>) {
        for n in &mut self.nodes {
            if n.end_told {
                continue;
            }
            let Some(exitcode) = n.process.poll_exit() else {
                continue;
            };
            n.end_told = true;
            let _ = n.process.reap();
            n.ended_at = Some(now);
            let how = match n.stop {
                Some(Stop::Warm(_)) => NodeEnd::Stopped,
                Some(Stop::Killed(_)) => NodeEnd::Killed,
                None => NodeEnd::FromOutside,
            };
            let log = if how == NodeEnd::FromOutside {
                self.dir.log_tail(&LocalNode::log_name(n.id), LOG_LINES)
            } else {
                String::new()
            };
            self.node_book.ended(&n.name);
            self.pool_loads.remove(&n.id);
            // What it held is looked for at the queue's end too.
            self.link.watch_tail(true);
            out.push(ClusterEvent::NodeExited {
                id: n.id,
                name: n.name.clone(),
                pid: n.pid(),
                exitcode,
                how,
                held: self.book.node_died(&n.name, now),
                log,
            });
        }
    }

    fn on_report(&mut self, report: Report, now: Instant, out: &mut Vec<ClusterEvent>) {
        match report {
            Report::Up => {
                if self.broker_state != BrokerState::Up {
                    self.broker_state = BrokerState::Up;
                    out.push(ClusterEvent::BrokerUp);
                }
            }
            Report::Down(reason) => {
                // An ended server of our own says more than a refused connection.
                if !matches!(
                    self.broker_state,
                    BrokerState::Exited { .. } | BrokerState::Down { .. }
                ) {
                    out.push(ClusterEvent::BrokerDown {
                        reason: reason.clone(),
                    });
                    self.broker_state = BrokerState::Down { reason };
                }
            }
            Report::Sent {
                batch,
                count,
                started,
                done,
            } => {
                self.book.sent(batch, started);
                out.push(ClusterEvent::BatchSent {
                    batch,
                    count,
                    took: done.saturating_duration_since(started),
                    python: self.sending.remove(&batch).unwrap_or_default(),
                });
            }
            Report::SendFailed { batch, reason } => {
                self.book.not_sent(batch);
                self.sending.remove(&batch);
                out.push(ClusterEvent::BatchNotSent { batch, reason });
            }
            Report::Gauges(g) => {
                if self.book.has_orphans() {
                    out.extend(self.book.resolve_orphans(&g));
                }
                self.gauges = Some(g);
            }
            Report::Stats(s) => self.node_book.on_stats(s),
            Report::Events(events) => {
                for e in events {
                    match e {
                        CeleryEvent::Worker(w) => {
                            out.extend(self.node_book.on_worker_event(&w, now))
                        }
                        CeleryEvent::Task(t) => {
                            match &t.kind {
                                TaskEventKind::Succeeded { .. } => {
                                    self.node_book.task_done(&t.hostname, true, now)
                                }
                                TaskEventKind::Failed { .. } => {
                                    self.node_book.task_done(&t.hostname, false, now)
                                }
                                _ => {}
                            }
                            out.extend(self.book.on_task_event(&t, now));
                        }
                    }
                }
            }
            Report::Garbled(why) => {
                self.garbled += 1;
                out.push(ClusterEvent::Garbled { why });
            }
        }
    }

    fn sample_pools(&mut self, now: Instant) {
        if self
            .last_procs
            .is_some_and(|t| now.duration_since(t) < PROC_EVERY)
        {
            return;
        }
        self.last_procs = Some(now);
        for n in &self.nodes {
            if n.ended_at.is_some_and(|t| now.duration_since(t) < node::ORPHANS_FOR) {
                node::reap_orphaned_pool(n.pid());
            }
        }
        let pools: Vec<(NodeId, Vec<u32>)> = self
            .nodes
            .iter()
            .filter(|n| !n.end_told)
            .map(|n| (n.id, n.pool_pids()))
            .collect();
        let all: Vec<u32> = pools.iter().flat_map(|(_, p)| p.iter().copied()).collect();
        let loads = self.procs.sample(&all);
        self.pool_loads = pools
            .into_iter()
            .map(|(id, pids)| {
                let mine = loads
                    .iter()
                    .filter(|l| pids.contains(&l.pid))
                    .copied()
                    .collect();
                (id, mine)
            })
            .collect();
    }

    /// Stops everything the lab started: nodes (SIGTERM, SIGKILL after
    /// `grace`), then the network threads, then the lab's own
    /// redis-server. Their pool processes follow the nodes; this waits for
    /// them and reports any still running. A broker given with `--broker`
    /// is left running.
    pub fn shutdown(&mut self, grace: Duration) -> ClusterShutdown {
        let mut report = ClusterShutdown::default();
        if self.shut_down {
            return report;
        }
        self.speedup.stop();
        let mut pools: Vec<u32> = Vec::new();
        for n in &mut self.nodes {
            if !n.end_told && n.is_running() {
                pools.extend(n.pool_pids());
                let _ = n.signal(true);
            }
        }
        let deadline = Instant::now() + grace;
        for n in &mut self.nodes {
            if n.process.is_reaped() {
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if n.process.wait_exit(Some(left)).is_some() {
                report.nodes_stopped += usize::from(!n.end_told);
            } else {
                let _ = n.signal(false);
                n.process.wait_exit(None);
                report.nodes_killed += 1;
            }
            n.end_told = true;
            let _ = n.process.reap();
            n.ended_at.get_or_insert_with(Instant::now);
        }
        let deadline = Instant::now() + POOL_GONE_WAIT;
        while pools.iter().any(|&p| node::alive(p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        report.pool_left = pools.into_iter().filter(|&p| node::alive(p)).collect();
        for n in &self.nodes {
            if n.ended_at.is_some_and(|t| t.elapsed() < node::ORPHANS_FOR) {
                node::reap_orphaned_pool(n.pid());
            }
        }
        self.link.stop();
        if let Some(b) = self.broker.as_mut() {
            b.stop(grace);
            report.broker_stopped = true;
        }
        if let Some(engine) = self.own_engine.as_mut() {
            engine.shutdown(grace);
        }
        self.shut_down = true;
        report
    }
}

/// What the lab needs and `found` lacks, as the error that names it with
/// its install command; None when everything is there. redis-server is not
/// needed with a broker given.
pub fn missing(settings: &ClusterSettings, found: &Doctor) -> Option<ClusterError> {
    let own = settings.broker == BrokerChoice::Own;
    let mut missing: Vec<&str> = found.missing();
    if !own {
        missing.retain(|m| *m != "redis-server");
    }
    if missing.is_empty() {
        return None;
    }
    let mut fix = found.clone();
    if !own {
        fix.redis_server = Presence::Found {
            version: String::new(),
        };
    }
    Some(ClusterError::Missing {
        missing: missing.join(" and "),
        command: fix.install_command().unwrap_or_default(),
    })
}

impl Drop for ClusterLab {
    fn drop(&mut self) {
        self.shutdown(SHUTDOWN_GRACE);
    }
}
