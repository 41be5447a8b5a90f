//! The nodes the lab knows of, local or not, as their events and `stats`
//! replies describe them: who is online, how busy, how fast.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::events::{WorkerEvent, WorkerEventKind};
use super::report::ClusterEvent;
use super::stats::NodeStats;

/// The window over which tasks per second are counted.
pub const RATE_WINDOW: Duration = Duration::from_secs(5);
/// Celery's rule: a node is alive while its last heartbeat is younger than
/// twice its interval (`HEARTBEAT_EXPIRE_WINDOW` = 200 %).
pub const HEARTBEAT_EXPIRY: f64 = 2.0;

/// Where a node is, as the lab knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeLife {
    /// Started by the lab, not heard from yet.
    Starting,
    Online,
    /// Said `worker-offline`.
    Offline,
    /// Heartbeats stopped (a node of another machine).
    Silent,
    /// Its process ended (a local node).
    Ended,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeRecord {
    pub name: String,
    /// Started by this lab on this machine.
    pub local: bool,
    pub pid: Option<u32>,
    pub life: NodeLife,
    /// Seconds between heartbeats.
    pub freq: f64,
    /// From its last heartbeat.
    pub active: u32,
    pub processed: u64,
    /// Counted from task events.
    pub succeeded: u64,
    pub failed: u64,
    pub last_heartbeat: Option<Instant>,
    pub stats: Option<NodeStats>,
    done: VecDeque<Instant>,
}

impl NodeRecord {
    fn new(name: &str, local: bool) -> NodeRecord {
        NodeRecord {
            name: name.to_string(),
            local,
            pid: None,
            life: NodeLife::Starting,
            freq: 2.0,
            active: 0,
            processed: 0,
            succeeded: 0,
            failed: 0,
            last_heartbeat: None,
            stats: None,
            done: VecDeque::new(),
        }
    }

    /// Tasks ended per second over the last [`RATE_WINDOW`].
    pub fn rate(&self, now: Instant) -> f64 {
        let recent = self
            .done
            .iter()
            .filter(|&&t| now.saturating_duration_since(t) <= RATE_WINDOW)
            .count();
        recent as f64 / RATE_WINDOW.as_secs_f64()
    }

    pub fn is_up(&self) -> bool {
        self.life == NodeLife::Online
    }
}

#[derive(Debug, Default)]
pub struct NodeBook {
    nodes: Vec<NodeRecord>,
}

impl NodeBook {
    pub fn all(&self) -> &[NodeRecord] {
        &self.nodes
    }

    pub fn get(&self, name: &str) -> Option<&NodeRecord> {
        self.nodes.iter().find(|n| n.name == name)
    }

    fn entry(&mut self, name: &str, local: bool) -> &mut NodeRecord {
        match self.nodes.iter().position(|n| n.name == name) {
            Some(i) => &mut self.nodes[i],
            None => {
                self.nodes.push(NodeRecord::new(name, local));
                self.nodes.last_mut().expect("just pushed")
            }
        }
    }

    /// A local node the lab has just started.
    pub fn started(&mut self, name: &str, pid: u32) {
        let n = self.entry(name, true);
        n.local = true;
        n.pid = Some(pid);
        n.life = NodeLife::Starting;
    }

    /// A local node's process ended.
    pub fn ended(&mut self, name: &str) {
        let n = self.entry(name, true);
        n.life = NodeLife::Ended;
        n.active = 0;
    }

    pub fn on_worker_event(&mut self, e: &WorkerEvent, now: Instant) -> Vec<ClusterEvent> {
        let n = self.entry(&e.hostname, false);
        if e.pid.is_some() && !n.local {
            n.pid = e.pid;
        }
        if e.freq > 0.0 {
            n.freq = e.freq;
        }
        n.active = e.active;
        n.processed = e.processed;
        let was = n.life;
        match e.kind {
            WorkerEventKind::Online | WorkerEventKind::Heartbeat => {
                n.last_heartbeat = Some(now);
                // A local node's end is known from its process, not its events.
                if was != NodeLife::Ended {
                    n.life = NodeLife::Online;
                }
            }
            WorkerEventKind::Offline => {
                if was != NodeLife::Ended {
                    n.life = NodeLife::Offline;
                }
                n.active = 0;
            }
        }
        match (was, n.life) {
            (NodeLife::Online, NodeLife::Online) | (_, NodeLife::Ended) => Vec::new(),
            (_, NodeLife::Online) => vec![ClusterEvent::NodeOnline {
                name: n.name.clone(),
                pid: n.pid,
                local: n.local,
            }],
            (NodeLife::Offline, NodeLife::Offline) => Vec::new(),
            (_, NodeLife::Offline) => vec![ClusterEvent::NodeOffline {
                name: n.name.clone(),
            }],
            _ => Vec::new(),
        }
    }

    pub fn on_stats(&mut self, s: NodeStats) {
        let n = self.entry(&s.hostname, false);
        if n.pid.is_none() {
            n.pid = s.pid;
        }
        n.stats = Some(s);
    }

    /// A task ended on `name` (succeeded or failed).
    pub fn task_done(&mut self, name: &str, ok: bool, now: Instant) {
        let n = self.entry(name, false);
        if ok {
            n.succeeded += 1;
        } else {
            n.failed += 1;
        }
        n.done.push_back(now);
        while n
            .done
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) > RATE_WINDOW)
        {
            n.done.pop_front();
        }
    }

    /// Nodes of other machines whose heartbeats have stopped: marked silent
    /// and returned by name.
    pub fn newly_silent(&mut self, now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        for n in &mut self.nodes {
            let Some(beat) = n.last_heartbeat else {
                continue;
            };
            let expiry = Duration::from_secs_f64(n.freq * HEARTBEAT_EXPIRY);
            if !n.local
                && n.life == NodeLife::Online
                && now.saturating_duration_since(beat) > expiry
            {
                n.life = NodeLife::Silent;
                n.active = 0;
                out.push(n.name.clone());
            }
        }
        out
    }

    /// Tasks ended per second over the last [`RATE_WINDOW`], all nodes.
    pub fn rate(&self, now: Instant) -> f64 {
        self.nodes.iter().map(|n| n.rate(now)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(kind: WorkerEventKind, name: &str) -> WorkerEvent {
        WorkerEvent {
            kind,
            hostname: name.into(),
            pid: Some(7),
            freq: 2.0,
            active: 1,
            processed: 3,
            timestamp: 0.0,
        }
    }

    #[test]
    fn a_remote_node_comes_online_and_goes_silent_after_two_intervals() {
        let mut book = NodeBook::default();
        let t0 = Instant::now();
        let said = book.on_worker_event(&beat(WorkerEventKind::Heartbeat, "a@far"), t0);
        assert!(matches!(
            &said[..],
            [ClusterEvent::NodeOnline { local: false, .. }]
        ));
        assert!(
            book.on_worker_event(&beat(WorkerEventKind::Heartbeat, "a@far"), t0)
                .is_empty()
        );
        assert!(book.newly_silent(t0 + Duration::from_secs(3)).is_empty());
        assert_eq!(book.newly_silent(t0 + Duration::from_secs(5)), ["a@far"]);
        assert_eq!(book.get("a@far").unwrap().life, NodeLife::Silent);
    }

    #[test]
    fn a_local_node_stays_ended_and_counts_its_rate() {
        let mut book = NodeBook::default();
        let t0 = Instant::now();
        book.started("node1@me", 99);
        book.on_worker_event(&beat(WorkerEventKind::Online, "node1@me"), t0);
        assert_eq!(book.get("node1@me").unwrap().pid, Some(99));
        for _ in 0..10 {
            book.task_done("node1@me", true, t0);
        }
        assert!((book.rate(t0) - 2.0).abs() < 1e-9);
        book.ended("node1@me");
        book.on_worker_event(&beat(WorkerEventKind::Heartbeat, "node1@me"), t0);
        assert_eq!(book.get("node1@me").unwrap().life, NodeLife::Ended);
        assert!(book.newly_silent(t0 + Duration::from_secs(60)).is_empty());
    }
}
