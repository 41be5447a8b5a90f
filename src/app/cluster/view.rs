//! What the cluster panel draws besides the engine's view: where the lab
//! is in its opening, the queue's depth over time, the selected node, and
//! what the events told (tasks lost and redelivered, with how long the
//! broker took; the last node that ended and what it held).

use std::collections::VecDeque;
use std::time::Duration;

use crate::app::App;
use crate::lab::cluster::ClusterView;
use crate::lab::cluster::lazy::ClusterController;
use crate::lab::cluster::nodes::NodeLife;

/// Depth readings kept for the history.
pub const HISTORY: usize = 240;
/// Time between two readings kept.
pub const HISTORY_EVERY: Duration = Duration::from_millis(250);
/// The view is read at most this often (ticks come every 10 ms while a
/// speedup run is timed).
pub const LOOK_EVERY: Duration = Duration::from_millis(100);
/// Redeliveries remembered with their timing.
pub const REDELIVERIES_KEPT: usize = 20;

/// Where the lab is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stage {
    /// Not opened yet: nothing runs.
    #[default]
    Closed,
    /// What it needs is being checked; it opens next.
    Checking,
    Open,
    /// Something it needs is not installed.
    Missing {
        missing: String,
        /// The one command that installs it.
        command: String,
        /// What was found: (what, version or why not).
        found: Vec<(String, String)>,
    },
    /// It could not open, for this reason.
    Failed(String),
}

/// The queue's depth, one reading every [`HISTORY_EVERY`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepthHistory {
    pub depths: VecDeque<u64>,
    /// When the last reading was kept (time since start).
    pub at: Option<Duration>,
}

impl DepthHistory {
    pub fn push(&mut self, now: Duration, depth: u64) {
        if self.at.is_some_and(|t| now.saturating_sub(t) < HISTORY_EVERY) {
            return;
        }
        self.at = Some(now);
        if self.depths.len() == HISTORY {
            self.depths.pop_front();
        }
        self.depths.push_back(depth);
    }

    pub fn deepest(&self) -> u64 {
        self.depths.iter().copied().max().unwrap_or(0)
    }
}

/// A task given to a node again, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redelivery {
    pub id: String,
    pub from: String,
    pub to: String,
    /// Since the first node took it: what the visibility timeout counts.
    pub after_delivery: Option<Duration>,
}

/// How the last local node that ended, ended, and what it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEndNote {
    pub name: String,
    pub pid: Option<u32>,
    /// "killed (k)", "stopped warmly", "killed from outside": in words.
    pub how: String,
    pub held: Vec<String>,
}

/// What the events told, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub lost: usize,
    pub redelivered: usize,
    /// Local nodes that ended, however.
    pub node_ends: usize,
    pub batches_done: usize,
    /// The latest redeliveries, newest last.
    pub redeliveries: VecDeque<Redelivery>,
    pub last_end: Option<NodeEndNote>,
}

impl Tally {
    pub fn redelivered(&mut self, r: Redelivery) {
        self.redelivered += 1;
        if self.redeliveries.len() == REDELIVERIES_KEPT {
            self.redeliveries.pop_front();
        }
        self.redeliveries.push_back(r);
    }
}

/// Nodes online in a view.
pub fn online(v: &ClusterView) -> usize {
    v.nodes.iter().filter(|n| n.life == NodeLife::Online).count()
}

/// Reads the engine's view (at most every [`LOOK_EVERY`]); returns whether
/// anything shown changed.
pub fn refresh(app: &mut App, ctl: &ClusterController) -> bool {
    let Some(cluster) = ctl.lab() else {
        return false;
    };
    let now = app.now;
    let s = &mut app.cluster;
    if s.looked_at.is_some_and(|t| now.saturating_sub(t) < LOOK_EVERY) {
        return false;
    }
    s.looked_at = Some(now);
    let view = cluster.view();
    if let Some(depth) = view.depth {
        s.history.push(now, depth);
    }
    let changed = s.view.as_ref() != Some(&view);
    s.view = Some(view);
    keep_selection(s);
    changed
}

/// The selection stays on a node that runs; else it goes to the newest
/// local node that does (so `k` always has one to kill), or any node.
pub fn keep_selection(s: &mut super::ClusterState) {
    let Some(view) = &s.view else {
        return;
    };
    let live = |n: &&crate::lab::cluster::view::NodeView| {
        matches!(n.life, NodeLife::Online | NodeLife::Starting) && n.stop.is_none()
    };
    if s
        .selected
        .as_deref()
        .is_some_and(|name| view.nodes.iter().filter(live).any(|n| n.name == name))
    {
        return;
    }
    let pick = view
        .nodes
        .iter()
        .filter(live)
        .rfind(|n| n.local)
        .or_else(|| view.nodes.iter().find(live));
    if let Some(n) = pick {
        s.selected = Some(n.name.clone());
    }
}

/// Moves the selection one node on (or back), among every node shown.
pub fn step_selection(s: &mut super::ClusterState, forward: bool) {
    let Some(view) = &s.view else {
        return;
    };
    let names: Vec<&str> = view.nodes.iter().map(|n| n.name.as_str()).collect();
    if names.is_empty() {
        return;
    }
    let at = s
        .selected
        .as_deref()
        .and_then(|name| names.iter().position(|n| *n == name));
    let next = match (at, forward) {
        (None, _) => 0,
        (Some(i), true) => (i + 1) % names.len(),
        (Some(i), false) => (i + names.len() - 1) % names.len(),
    };
    s.selected = Some(names[next].to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_keeps_one_reading_a_quarter_second_and_forgets_the_oldest() {
        let mut h = DepthHistory::default();
        h.push(Duration::ZERO, 5);
        h.push(Duration::from_millis(100), 9);
        assert_eq!(h.depths, [5]);
        for i in 1..=HISTORY as u64 {
            h.push(HISTORY_EVERY * i as u32, i);
        }
        assert_eq!(h.depths.len(), HISTORY);
        assert_eq!(h.depths.front(), Some(&1));
        assert_eq!(h.deepest(), HISTORY as u64);
    }
}
