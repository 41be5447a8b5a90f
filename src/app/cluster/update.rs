//! The cluster lab's keys: whether each applies now, what it does to the
//! state, and its effect carried out on the engine's controller (the only
//! place the lab's UI side calls the cluster).

use crate::app::narrate::Line;
use crate::app::{App, Effect};
use crate::lab::Lab;
use crate::lab::cluster::settings::MAX_CONCURRENCY;
use crate::lab::cluster::view::BrokerState;
use crate::lab::cluster::{ClusterController, SpeedupPlan};

use super::narrate::{self, error};
use super::view::{Stage, step_selection};
use super::{ClusterAction, ClusterEffect};

/// No-op tasks a speedup run times for the broker's cost per task.
pub const SPEEDUP_NOOPS: usize = 100;
/// The most nodes a speedup run goes up to.
pub const SPEEDUP_MOST_NODES: usize = 4;

/// Whether an action would do anything now.
pub fn applies(app: &App, action: ClusterAction) -> bool {
    let s = &app.cluster;
    if action == ClusterAction::Open {
        return matches!(
            s.stage,
            Stage::Closed | Stage::Missing { .. } | Stage::Failed(_)
        );
    }
    let Some(view) = s.view.as_ref().filter(|_| s.is_open()) else {
        return false;
    };
    let up = view.broker.state == BrokerState::Up;
    match action {
        ClusterAction::Batch => up,
        ClusterAction::KillNode => s
            .selected_node()
            .is_some_and(|n| n.local && n.exitcode.is_none()),
        ClusterAction::StopNewest => view
            .nodes
            .iter()
            .any(|n| n.local && n.exitcode.is_none() && n.stop.is_none()),
        ClusterAction::RestartBroker => {
            view.broker.own && matches!(view.broker.state, BrokerState::Exited { .. })
        }
        ClusterAction::MoreConcurrency => s.concurrency < MAX_CONCURRENCY,
        ClusterAction::LessConcurrency => s.concurrency > 1,
        ClusterAction::PrevNode | ClusterAction::NextNode => view.nodes.len() > 1,
        _ => true,
    }
}

/// The footer's word, which follows the state.
pub fn label(app: &App, action: ClusterAction) -> &'static str {
    let s = &app.cluster;
    match action {
        ClusterAction::ToggleAcksLate if s.acks_late => "acks_late off",
        ClusterAction::ToggleAcksLate => "acks_late on",
        ClusterAction::Speedup if speedup_running(app) => "stop speedup",
        other => crate::app::labs::info::<super::ClusterState>(other).map_or("", |i| i.label),
    }
}

fn speedup_running(app: &App) -> bool {
    app.cluster
        .view
        .as_ref()
        .is_some_and(|v| v.speedup.running.is_some())
}

/// Applies an action; returns what the loop must do.
pub fn update(app: &mut App, action: ClusterAction) -> Vec<Effect> {
    let e = |effect| vec![Effect::Cluster(effect)];
    let running = speedup_running(app);
    let s = &mut app.cluster;
    if action == ClusterAction::Open {
        return match s.stage {
            Stage::Open | Stage::Checking => Vec::new(),
            _ => e(ClusterEffect::Open),
        };
    }
    if !s.is_open() {
        let why = match &s.stage {
            Stage::Checking => "the cluster lab is still opening".to_string(),
            Stage::Missing { command, .. } => {
                format!("the cluster lab is not open: install with {command}, then press o")
            }
            _ => "the cluster lab is not open: o opens it".to_string(),
        };
        app.say(narrate::error(why));
        return Vec::new();
    }
    match action {
        ClusterAction::AddNode => e(ClusterEffect::AddNode),
        ClusterAction::StopNewest => e(ClusterEffect::StopNewest),
        ClusterAction::KillNode => {
            let target = s.selected_node().map(|n| (n.name.clone(), n.id, n.local));
            match target {
                Some((_, Some(id), true)) => e(ClusterEffect::Kill(id)),
                Some((name, _, _)) => {
                    app.say(error(format!(
                        "{name} runs on another machine: proclab starts and kills nodes only on this one"
                    )));
                    Vec::new()
                }
                None => {
                    app.say(error("no node is selected (← → select one)".into()));
                    Vec::new()
                }
            }
        }
        ClusterAction::ToggleAcksLate => {
            s.acks_late = !s.acks_late;
            e(ClusterEffect::SetAcksLate(s.acks_late))
        }
        ClusterAction::Batch => e(ClusterEffect::Batch),
        ClusterAction::MoreConcurrency | ClusterAction::LessConcurrency => {
            let up = action == ClusterAction::MoreConcurrency;
            let c = if up {
                (s.concurrency + 1).min(MAX_CONCURRENCY)
            } else {
                s.concurrency.saturating_sub(1).max(1)
            };
            s.concurrency = c;
            e(ClusterEffect::SetConcurrency(c))
        }
        ClusterAction::RestartBroker => e(ClusterEffect::RestartBroker),
        ClusterAction::Speedup if running => e(ClusterEffect::CancelSpeedup),
        ClusterAction::Speedup => e(ClusterEffect::Speedup),
        ClusterAction::PrevNode | ClusterAction::NextNode => {
            step_selection(s, action == ClusterAction::NextNode);
            Vec::new()
        }
        ClusterAction::Open => Vec::new(),
    }
}

/// The speedup's plan: the lab's batch on 1, 2... nodes (as many as the
/// cores, 2 to 4), after its cost per task, and beside Pool.
pub fn speedup_plan(app: &App) -> Option<SpeedupPlan> {
    let view = app.cluster.view.as_ref()?;
    let most = app.machine.cores.clamp(2, SPEEDUP_MOST_NODES);
    Some(SpeedupPlan {
        nodes: (1..=most).collect(),
        task: view.task,
        batch: view.batch,
        noop_tasks: SPEEDUP_NOOPS,
        pool: true,
    })
}

/// Carries out an effect on the controller, and logs what it did.
pub fn perform(app: &mut App, _lab: &mut Lab, ctl: &mut ClusterController, effect: ClusterEffect) {
    if effect == ClusterEffect::Open {
        app.cluster.stage = Stage::Checking;
        let mut settings = app.cluster.opening.settings();
        settings.acks_late = app.cluster.acks_late;
        settings.concurrency = app.cluster.concurrency;
        ctl.open(settings);
        app.say(Line {
            python: None,
            text: "cluster lab: checking for redis-server, python3 and celery, then starting \
                   the broker and the nodes"
                .into(),
            level: crate::app::log::Level::Note,
        });
        return;
    }
    let plan = speedup_plan(app);
    let Some(cluster) = ctl.lab_mut() else {
        app.say(error("the cluster lab is not open".into()));
        return;
    };
    let line = match effect {
        ClusterEffect::Open => None,
        ClusterEffect::AddNode => cluster.add_node().err().map(|e| error(e.to_string())),
        ClusterEffect::StopNewest => Some(match cluster.stop_newest() {
            Ok(id) => {
                let name = node_name(cluster, id);
                narrate::stopping(&name, cluster.node_pid(id).unwrap_or(0))
            }
            Err(e) => error(e.to_string()),
        }),
        ClusterEffect::Kill(id) => {
            let name = node_name(cluster, id);
            let pid = cluster.node_pid(id).unwrap_or(0);
            Some(match cluster.kill_node(id) {
                Ok(()) => narrate::killing(&name, pid),
                Err(e) => error(e.to_string()),
            })
        }
        ClusterEffect::SetAcksLate(on) => {
            cluster.set_acks_late(on);
            let s = cluster.settings();
            Some(narrate::acks_late_set(on, s.task, s.visibility_timeout))
        }
        ClusterEffect::SetConcurrency(c) => Some(match cluster.set_concurrency(c) {
            Ok(()) => narrate::concurrency_set(c, &cluster.next_node_stem()),
            Err(e) => error(e.to_string()),
        }),
        ClusterEffect::Batch => {
            cluster.send_batch();
            None
        }
        ClusterEffect::RestartBroker => cluster.restart_broker().err().map(|e| error(e.to_string())),
        ClusterEffect::Speedup => {
            let plan = plan.expect("the lab is open: it has a view");
            let text = format!(
                "speedup run: {} no-op tasks on 1 node for the broker's cost, then {} x {} on {} \
                 node(s), then the same with Pool on this machine",
                plan.noop_tasks,
                plan.batch,
                plan.task.python_call(false).replace(".delay", ""),
                plan.nodes
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Some(match cluster.start_speedup(plan) {
                Ok(()) => crate::app::narrate::note(None, text),
                Err(e) => error(e.to_string()),
            })
        }
        ClusterEffect::CancelSpeedup => {
            cluster.cancel_speedup();
            Some(crate::app::narrate::note(
                None,
                "speedup run stopped".to_string(),
            ))
        }
    };
    if let Some(line) = line {
        app.say(line);
    }
    // What the command started is reported at once, not at the next tick.
    for event in cluster.poll() {
        super::narrate::on_event(app, crate::lab::cluster::ClusterNews::Cluster(event));
    }
    app.cluster.looked_at = None;
    super::view::refresh(app, ctl);
}

fn node_name(cluster: &crate::lab::cluster::ClusterLab, id: u32) -> String {
    cluster
        .view()
        .nodes
        .iter()
        .find(|n| n.id == Some(id))
        .map_or_else(|| format!("node {id}"), |n| n.name.clone())
}
