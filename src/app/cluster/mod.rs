//! The cluster lab's UI state: Celery worker nodes on a Redis broker,
//! opened only when the lab is first shown. Its keys (a node more, a node
//! stopped or killed, acks_late, a batch, the speedup run...) become
//! effects on the engine's [`ClusterController`]; what the cluster reports
//! becomes the log's lines ([`narrate`]); the engine's view, read each
//! tick, is what the panel draws, with the queue's depth over time and
//! what the events told ([`view`]).

pub mod claims;
pub mod narrate;
pub mod update;
pub mod view;

use std::time::Duration;

pub use self::view::{DepthHistory, NodeEndNote, Stage, Tally};

use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::Lab;
use crate::lab::cluster::node::NodeId;
use crate::lab::cluster::settings::{
    DEFAULT_BATCH, DEFAULT_CONCURRENCY, DEFAULT_NODES, DEFAULT_VISIBILITY_TIMEOUT,
};
use crate::lab::cluster::view::BrokerState;
use crate::lab::cluster::{
    BrokerChoice, BrokerUrl, ClusterController, ClusterNews, ClusterSettings, ClusterView,
};
use crate::lab::engine::Engine;
use ratatui::crossterm::event::KeyCode;

/// What the command line opens the lab with (`--nodes`, `--concurrency`,
/// `--batch`, `--broker`, `--acks-late`, `--visibility-timeout`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterOpening {
    pub nodes: usize,
    pub concurrency: usize,
    pub batch: usize,
    /// A Redis already running; None for the lab's own redis-server.
    pub broker: Option<BrokerUrl>,
    pub acks_late: bool,
    pub visibility_timeout: Duration,
}

impl Default for ClusterOpening {
    fn default() -> Self {
        ClusterOpening {
            nodes: DEFAULT_NODES,
            concurrency: DEFAULT_CONCURRENCY,
            batch: DEFAULT_BATCH,
            broker: None,
            acks_late: false,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
        }
    }
}

impl ClusterOpening {
    /// The engine's settings for these.
    pub fn settings(&self) -> ClusterSettings {
        ClusterSettings {
            broker: self
                .broker
                .clone()
                .map_or(BrokerChoice::Own, BrokerChoice::External),
            nodes: self.nodes,
            concurrency: self.concurrency,
            batch: self.batch,
            acks_late: self.acks_late,
            visibility_timeout: self.visibility_timeout,
            ..ClusterSettings::default()
        }
    }
}

/// Everything the cluster panel shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterState {
    pub opening: ClusterOpening,
    pub stage: Stage,
    /// The engine's view as of the last look.
    pub view: Option<ClusterView>,
    pub history: DepthHistory,
    /// The node `k` kills, by name.
    pub selected: Option<String>,
    /// acks_late for the next tasks, as the keys left it.
    pub acks_late: bool,
    /// Pool processes of the next nodes, as the keys left them.
    pub concurrency: usize,
    pub tally: Tally,
    /// When the view was last read (time since start).
    pub looked_at: Option<Duration>,
}

impl ClusterState {
    pub fn is_open(&self) -> bool {
        self.stage == Stage::Open
    }

    /// The broker answers.
    pub fn broker_up(&self) -> bool {
        self.view
            .as_ref()
            .is_some_and(|v| v.broker.state == BrokerState::Up)
    }

    /// The node selected, as the view shows it.
    pub fn selected_node(&self) -> Option<&crate::lab::cluster::view::NodeView> {
        let name = self.selected.as_deref()?;
        self.view.as_ref()?.nodes.iter().find(|n| n.name == name)
    }
}

/// What the user asks of the cluster lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterAction {
    AddNode,
    StopNewest,
    KillNode,
    ToggleAcksLate,
    Batch,
    MoreConcurrency,
    LessConcurrency,
    RestartBroker,
    Speedup,
    /// Check what is installed again and open the lab.
    Open,
    PrevNode,
    NextNode,
}

/// What the loop must do for the cluster lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterEffect {
    Open,
    AddNode,
    StopNewest,
    Kill(NodeId),
    SetAcksLate(bool),
    SetConcurrency(usize),
    Batch,
    RestartBroker,
    Speedup,
    CancelSpeedup,
}

fn count(app: &App, f: impl Fn(&ClusterView) -> f64) -> f64 {
    app.cluster.view.as_ref().map_or(0.0, f)
}

impl AppLab for ClusterState {
    type Action = ClusterAction;
    type Effect = ClusterEffect;
    type Controller = ClusterController;
    type Opening = ClusterOpening;

    const ABOUT: &'static str =
        "Celery worker nodes on a Redis broker: tasks sent, lost, redelivered; the speedup";
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Cluster::TABLE];
    const ACTIONS: &'static [ActionInfo<ClusterAction>] = &[
        ActionInfo::new(
            ClusterAction::AddNode,
            "cluster-add-node",
            "node",
            "start a Celery node (celery -A tasks worker -n nodeK@%h)",
        ),
        ActionInfo::new(
            ClusterAction::StopNewest,
            "cluster-stop-node",
            "stop newest",
            "stop the newest node warmly: SIGTERM, it finishes its task",
        ),
        ActionInfo::new(
            ClusterAction::KillNode,
            "cluster-kill-node",
            "kill node",
            "kill the selected node: SIGKILL, no warm shutdown",
        ),
        ActionInfo::new(
            ClusterAction::ToggleAcksLate,
            "cluster-acks-late",
            "acks_late",
            "acks_late on or off for the tasks sent from now on",
        ),
        ActionInfo::new(
            ClusterAction::Batch,
            "cluster-batch",
            "batch",
            "send a batch: count_primes.delay(n) for each of K tasks",
        ),
        ActionInfo::new(
            ClusterAction::MoreConcurrency,
            "cluster-more-concurrency",
            "-c +1",
            "one pool process more for the nodes started from now on",
        ),
        ActionInfo::new(
            ClusterAction::LessConcurrency,
            "cluster-less-concurrency",
            "-c -1",
            "one pool process fewer for the nodes started from now on",
        ),
        ActionInfo::new(
            ClusterAction::RestartBroker,
            "cluster-restart-broker",
            "restart broker",
            "start the lab's redis-server again once it is gone",
        ),
        ActionInfo::new(
            ClusterAction::Speedup,
            "cluster-speedup",
            "speedup",
            "time the batch on 1, 2... nodes, beside Pool on one box",
        ),
        ActionInfo::new(
            ClusterAction::Open,
            "cluster-open",
            "open",
            "check again what the lab needs, and open it",
        ),
        ActionInfo::new(
            ClusterAction::PrevNode,
            "cluster-prev-node",
            "node",
            "select the previous node",
        ),
        ActionInfo::new(
            ClusterAction::NextNode,
            "cluster-next-node",
            "node",
            "select the next node",
        ),
    ];
    const METRICS: &'static [Metric] = &[
        Metric::choice(
            "cluster-open",
            "whether the cluster lab is open",
            |a| f64::from(u8::from(a.cluster.is_open())),
            &["closed", "open"],
        ),
        Metric::count("cluster-nodes", "Celery nodes online", |a| {
            count(a, |v| view::online(v) as f64)
        }),
        Metric::count("cluster-depth", "tasks waiting in the broker's queue", |a| {
            count(a, |v| v.depth.unwrap_or(0) as f64)
        }),
        Metric::count("cluster-unacked", "tasks taken and not acknowledged", |a| {
            count(a, |v| v.unacked.unwrap_or(0) as f64)
        }),
        Metric::count("cluster-held", "tasks the nodes have taken and not finished", |a| {
            count(a, |v| v.nodes.iter().map(|n| n.held.len()).sum::<usize>() as f64)
        }),
        Metric::count("cluster-running", "tasks running on a node now", |a| {
            count(a, |v| v.running as f64)
        }),
        Metric::count("cluster-succeeded", "tasks that succeeded", |a| {
            count(a, |v| v.nodes.iter().map(|n| n.succeeded).sum::<u64>() as f64)
        }),
        Metric::count("cluster-lost", "tasks lost with a node or the broker", |a| {
            a.cluster.tally.lost as f64
        }),
        Metric::count("cluster-redelivered", "tasks given to a node again", |a| {
            a.cluster.tally.redelivered as f64
        }),
        Metric::count("cluster-node-ends", "local nodes that ended", |a| {
            a.cluster.tally.node_ends as f64
        }),
        Metric::count("cluster-speedup-rows", "speedup batches timed on nodes", |a| {
            count(a, |v| v.speedup.rows.len() as f64)
        }),
        Metric::count("cluster-pool-rows", "speedup batches timed with Pool", |a| {
            count(a, |v| v.speedup.pool.len() as f64)
        }),
        Metric::choice(
            "cluster-broker",
            "whether the broker answers",
            |a| f64::from(u8::from(a.cluster.broker_up())),
            &["gone", "up"],
        ),
        Metric::choice(
            "cluster-acks-late",
            "acks_late for new tasks",
            |a| f64::from(u8::from(a.cluster.acks_late)),
            &["off", "on"],
        ),
    ];

    fn keys() -> Vec<(Key, Action, bool)> {
        let c = Action::Cluster;
        vec![
            (Key::char('b'), c(ClusterAction::Batch), true),
            (Key::char('n'), c(ClusterAction::AddNode), true),
            (Key::char('N'), c(ClusterAction::StopNewest), true),
            (Key::char('k'), c(ClusterAction::KillNode), true),
            (Key::char('a'), c(ClusterAction::ToggleAcksLate), true),
            (Key::char('s'), c(ClusterAction::Speedup), true),
            (Key::char('r'), c(ClusterAction::RestartBroker), true),
            (Key::char('o'), c(ClusterAction::Open), true),
            (Key::char('+'), c(ClusterAction::MoreConcurrency), false),
            (Key::char('='), c(ClusterAction::MoreConcurrency), false),
            (Key::char('-'), c(ClusterAction::LessConcurrency), false),
            (Key::plain(KeyCode::Left), c(ClusterAction::PrevNode), false),
            (Key::plain(KeyCode::Right), c(ClusterAction::NextNode), false),
        ]
    }

    /// Takes the settings; opened on this lab, starts opening it at once.
    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &ClusterOpening,
    ) -> Result<(), String> {
        let s = &mut app.cluster;
        s.opening = opening.clone();
        s.acks_late = opening.acks_late;
        s.concurrency = opening.concurrency;
        if start.lab == LabId::Cluster {
            let open = Effect::Cluster(ClusterEffect::Open);
            crate::app::perform::perform(app, engine, open);
        }
        Ok(())
    }

    fn applies(app: &App, action: ClusterAction) -> bool {
        update::applies(app, action)
    }

    fn label(app: &App, action: ClusterAction) -> &'static str {
        update::label(app, action)
    }

    fn update(app: &mut App, action: ClusterAction) -> Vec<Effect> {
        update::update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, ctl: &mut ClusterController, effect: ClusterEffect) {
        update::perform(app, lab, ctl, effect)
    }

    fn on_event(app: &mut App, event: ClusterNews) {
        narrate::on_event(app, event)
    }

    fn refresh(app: &mut App, _lab: &Lab, ctl: &ClusterController) -> bool {
        view::refresh(app, ctl)
    }

    /// Shown for the first time: the lab opens (what it needs is checked
    /// first, off the screen's thread).
    fn shown(app: &mut App) -> Vec<Effect> {
        match app.cluster.stage {
            Stage::Closed => vec![Effect::Cluster(ClusterEffect::Open)],
            _ => Vec::new(),
        }
    }

    fn help() -> Vec<String> {
        narrate::help()
    }

    /// The broker, acks_late and the settings of new nodes and batches.
    fn header(app: &App) -> String {
        let s = &app.cluster;
        let broker = match (&s.stage, &s.view) {
            (Stage::Open, Some(v)) => v
                .broker
                .url
                .trim_start_matches("redis://")
                .trim_end_matches("/0")
                .to_string(),
            (Stage::Checking, _) => "opening".into(),
            (Stage::Missing { .. }, _) => "not installed".into(),
            _ => "closed".into(),
        };
        format!(
            "{broker} · acks_late {} · -c {} · batch {} ",
            if s.acks_late { "on" } else { "off" },
            s.concurrency,
            s.opening.batch
        )
    }
}

#[cfg(test)]
mod tests;
