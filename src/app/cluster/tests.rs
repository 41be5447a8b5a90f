//! The cluster lab's state without an engine: what the keys ask for, what
//! the events say in the log and count, and what applies when.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use super::update::{applies, label};
use crate::app::metrics::metric;
use crate::app::{Action, App, LabId, Machine, Settings, update};
use crate::lab::StartOptions;
use crate::lab::cluster::nodes::NodeLife;
use crate::lab::cluster::view::{BrokerView, NodeView, SpeedupView};
use crate::lab::cluster::{ClusterEvent, NodeEnd, TaskKind};

fn node(name: &str, id: Option<u32>, local: bool) -> NodeView {
    NodeView {
        name: name.into(),
        id,
        local,
        pid: Some(4000 + id.unwrap_or(9)),
        life: NodeLife::Online,
        stop: None,
        exitcode: None,
        concurrency: Some(1),
        pool: Vec::new(),
        active: 0,
        processed: 0,
        succeeded: 0,
        failed: 0,
        prefetch: Some(1),
        heartbeat_age: Some(Duration::from_millis(300)),
        rate: 0.0,
        held: Vec::new(),
        shell_line: local.then(|| format!("celery ... -n {}", name)),
    }
}

fn view() -> ClusterView {
    ClusterView {
        broker: BrokerView {
            url: "redis://127.0.0.1:41234/0".into(),
            own: true,
            pid: Some(4000),
            state: BrokerState::Up,
            shell_line: None,
        },
        depth: Some(3),
        unacked: Some(2),
        unacked_tasks: Vec::new(),
        nodes: vec![
            node("node1@vm", Some(1), true),
            node("node2@vm", Some(2), true),
            node("far@elsewhere", None, false),
        ],
        rate: 0.0,
        running: 2,
        recent: Vec::new(),
        lost: Vec::new(),
        awaiting: Vec::new(),
        redelivered: Vec::new(),
        acks_late: false,
        concurrency: 1,
        batch: 20,
        task: TaskKind::CountPrimes { n: 300_000 },
        batch_line: "[count_primes.delay(300000) for _ in range(20)]".into(),
        visibility_timeout: Duration::from_secs(10),
        tasks_module: PathBuf::from("/tmp/x/tasks.py"),
        speedup: SpeedupView {
            running: None,
            rows: Vec::new(),
            overhead: None,
            pool: Vec::new(),
        },
        garbled: 0,
    }
}

fn app() -> App {
    let mut app = App::new(
        LabId::Cluster,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    app.cluster.concurrency = 1;
    app
}

fn open_app() -> App {
    let mut app = app();
    app.cluster.stage = Stage::Open;
    app.cluster.view = Some(view());
    view::keep_selection(&mut app.cluster);
    app
}

fn act(app: &mut App, a: ClusterAction) -> Vec<Effect> {
    update(app, Action::Cluster(a))
}

fn last_text(app: &App) -> String {
    app.log.last().map(|e| e.text.clone()).unwrap_or_default()
}

fn said(app: &App, needle: &str) -> bool {
    app.log.entries().any(|e| e.text.contains(needle))
}

#[test]
fn showing_the_lab_opens_it_once_and_never_at_start_on_another_lab() {
    let mut a = app();
    // What showing a lab asks beyond pausing the others' workers.
    let goto = |a: &mut App, lab| -> Vec<Effect> {
        update(a, Action::GotoLab(lab))
            .into_iter()
            .filter(|e| !matches!(e, Effect::Show(_)))
            .collect()
    };
    assert_eq!(
        goto(&mut a, LabId::Cluster),
        vec![Effect::Cluster(ClusterEffect::Open)]
    );
    // Checking: shown again, nothing more is asked.
    a.cluster.stage = Stage::Checking;
    assert!(goto(&mut a, LabId::Cluster).is_empty());
    // Other labs ask nothing when shown.
    assert!(goto(&mut a, LabId::Pool).is_empty());
    // Missing: the lab waits for o.
    a.cluster.stage = Stage::Missing {
        missing: "celery[redis]".into(),
        command: "pip".into(),
        found: Vec::new(),
    };
    assert!(goto(&mut a, LabId::Cluster).is_empty());
    assert!(applies(&a, ClusterAction::Open));
    assert!(!applies(&a, ClusterAction::Batch));
    assert_eq!(
        act(&mut a, ClusterAction::Open),
        vec![Effect::Cluster(ClusterEffect::Open)]
    );
}

#[test]
fn keys_before_the_lab_is_open_say_why_nothing_happens() {
    let mut a = app();
    a.cluster.stage = Stage::Missing {
        missing: "redis-server".into(),
        command: "apt-get install -y redis-server".into(),
        found: Vec::new(),
    };
    assert!(act(&mut a, ClusterAction::Batch).is_empty());
    assert!(
        last_text(&a).contains("install with apt-get install -y redis-server"),
        "{}",
        last_text(&a)
    );
}

#[test]
fn keys_ask_for_their_effects_and_remember_the_next_settings() {
    let mut a = open_app();
    assert_eq!(
        act(&mut a, ClusterAction::Batch),
        vec![Effect::Cluster(ClusterEffect::Batch)]
    );
    assert_eq!(
        act(&mut a, ClusterAction::ToggleAcksLate),
        vec![Effect::Cluster(ClusterEffect::SetAcksLate(true))]
    );
    assert!(a.cluster.acks_late);
    assert_eq!(label(&a, ClusterAction::ToggleAcksLate), "acks_late off");
    assert!(!applies(&a, ClusterAction::LessConcurrency));
    assert_eq!(
        act(&mut a, ClusterAction::MoreConcurrency),
        vec![Effect::Cluster(ClusterEffect::SetConcurrency(2))]
    );
    assert!(applies(&a, ClusterAction::LessConcurrency));
    assert!(ClusterState::header(&a).contains("acks_late on · -c 2 · batch 20"));
    // The broker answers: r does not apply.
    assert!(!applies(&a, ClusterAction::RestartBroker));
}

#[test]
fn k_kills_the_selected_local_node_and_refuses_a_node_elsewhere() {
    let mut a = open_app();
    // The newest local node is selected at first.
    assert_eq!(a.cluster.selected.as_deref(), Some("node2@vm"));
    assert_eq!(
        act(&mut a, ClusterAction::KillNode),
        vec![Effect::Cluster(ClusterEffect::Kill(2))]
    );
    act(&mut a, ClusterAction::NextNode);
    assert_eq!(a.cluster.selected.as_deref(), Some("far@elsewhere"));
    assert!(!applies(&a, ClusterAction::KillNode));
    assert!(act(&mut a, ClusterAction::KillNode).is_empty());
    assert!(last_text(&a).contains("another machine"), "{}", last_text(&a));
    act(&mut a, ClusterAction::NextNode);
    assert_eq!(a.cluster.selected.as_deref(), Some("node1@vm"));
    act(&mut a, ClusterAction::PrevNode);
    assert_eq!(a.cluster.selected.as_deref(), Some("far@elsewhere"));
}

#[test]
fn a_node_killed_from_outside_is_told_with_the_tasks_it_held() {
    let mut a = open_app();
    let held = vec![
        "3f2a1b9c-0000-4000-8000-000000000001".to_string(),
        "9b1c0d2e-0000-4000-8000-000000000002".to_string(),
    ];
    narrate::on_event(
        &mut a,
        ClusterNews::Cluster(ClusterEvent::NodeExited {
            id: 2,
            name: "node2@vm".into(),
            pid: 4002,
            exitcode: -9,
            how: NodeEnd::FromOutside,
            held: held.clone(),
            log: String::new(),
        }),
    );
    let text = last_text(&a);
    assert!(
        text.contains("node2@vm (pid 4002) ended from outside")
            && text.contains("killed by SIGKILL")
            && text.contains("it held 2 task(s): 3f2a1b9c, 9b1c0d2e"),
        "{text}"
    );
    let end = a.cluster.tally.last_end.clone().unwrap();
    assert_eq!((end.name.as_str(), end.held), ("node2@vm", held));
    assert_eq!(metric(&a, "cluster-node-ends"), Some(1.0));
}

#[test]
fn lost_and_redelivered_tasks_are_counted_and_said_with_the_timeout() {
    let mut a = open_app();
    let id = "3f2a1b9c-0000-4000-8000-000000000001".to_string();
    narrate::on_event(
        &mut a,
        ClusterNews::Cluster(ClusterEvent::TaskLost {
            id: id.clone(),
            node: "node2@vm".into(),
        }),
    );
    assert!(last_text(&a).contains("task 3f2a1b9c lost"));
    narrate::on_event(
        &mut a,
        ClusterNews::Cluster(ClusterEvent::TaskRedelivered {
            id: id.clone(),
            from: "node2@vm".into(),
            to: "node1@vm".into(),
            after_death: Some(Duration::from_secs(9)),
            after_delivery: Some(Duration::from_millis(10_400)),
        }),
    );
    assert!(
        last_text(&a).contains("redelivered to node1@vm, 10.4 s after node2@vm took it"),
        "{}",
        last_text(&a)
    );
    assert_eq!(metric(&a, "cluster-lost"), Some(1.0));
    assert_eq!(metric(&a, "cluster-redelivered"), Some(1.0));
    assert_eq!(a.cluster.tally.redeliveries[0].id, id);
}

#[test]
fn a_broker_that_ended_is_said_and_r_applies() {
    let mut a = open_app();
    narrate::on_event(
        &mut a,
        ClusterNews::Cluster(ClusterEvent::BrokerExited {
            code: -9,
            lost: vec!["77aa0000-0000".into()],
            log: String::new(),
        }),
    );
    assert!(said(&a, "the broker is gone; r starts it again"));
    assert!(said(&a, "lost with it"));
    a.cluster.view.as_mut().unwrap().broker.state = BrokerState::Exited { code: -9 };
    assert!(applies(&a, ClusterAction::RestartBroker));
    assert!(!applies(&a, ClusterAction::Batch));
    assert_eq!(metric(&a, "cluster-broker"), Some(0.0));
}

#[test]
fn what_is_missing_is_said_with_its_command_and_kept_for_the_panel() {
    let mut a = app();
    let doctor = crate::lab::cluster::doctor::doctor(
        std::path::Path::new("/nonexistent/redis-server"),
        std::path::Path::new("/nonexistent/python3"),
    );
    narrate::on_event(
        &mut a,
        ClusterNews::Missing {
            doctor,
            missing: "redis-server and python3".into(),
            command: "apt-get install -y redis-server".into(),
        },
    );
    assert!(last_text(&a).contains("install with: apt-get install -y redis-server"));
    let Stage::Missing { found, .. } = &a.cluster.stage else {
        panic!("{:?}", a.cluster.stage)
    };
    assert_eq!(found[0].0, "redis-server");
    assert!(found[0].1.starts_with("missing"));
    assert_eq!(metric(&a, "cluster-open"), Some(0.0));
}

#[test]
fn the_help_says_how_dask_ray_and_kubernetes_would_do_the_job() {
    let help = ClusterState::help().join("\n");
    for needle in [
        "client.map(count_primes, [300000] * 20)",
        "count_primes.remote(300000)",
        "kubectl scale deployment celery-worker --replicas=4",
    ] {
        assert!(help.contains(needle), "{help}");
    }
    assert!(help.lines().all(|l| l.chars().count() <= 76), "{help}");
}

#[test]
fn the_pool_peers_python_line_is_the_pools_map() {
    use crate::app::cluster::narrate::{pool_line, pool_name};
    use crate::lab::cluster::TaskKind;
    assert_eq!(
        pool_line(TaskKind::CountPrimes { n: 300_000 }, 2, 20),
        "with Pool(2) as pool: pool.map(count_primes, [300000] * 20, chunksize=1)"
    );
    assert_eq!(pool_name(3), "Pool(3)");
}
