//! The cluster lab through the app, on a real engine with real Celery
//! nodes and a real redis-server (no terminal): opened by being shown, a
//! node killed from outside told with the tasks it held, redis-server
//! killed told as the broker gone with `r` offered, `r` bringing it back,
//! and the engine's shutdown leaving no process.

use std::time::{Duration, Instant};

use crate::common::*;
use proclab::app::cluster::{ClusterAction, Stage};
use proclab::app::metrics::metric;
use proclab::app::{Action, App, LabId, Machine, Settings, Startup, perform, update};
use proclab::lab::StartOptions;
use proclab::lab::cluster::node::children;
use proclab::lab::engine::Engine;

const LIMIT: Duration = Duration::from_secs(90);

fn act(app: &mut App, engine: &mut Engine, action: Action) {
    for effect in update(app, action) {
        perform::perform(app, engine, effect);
    }
}

/// Ticks as the loop does until `cond` holds.
fn tick_until(app: &mut App, engine: &mut Engine, what: &str, cond: impl Fn(&App) -> bool) {
    let start = Instant::now();
    let began = app.now;
    loop {
        app.now = began + start.elapsed();
        perform::tick(app, engine);
        if cond(app) {
            return;
        }
        let log: Vec<String> = app.log.entries().map(|e| e.text.clone()).collect();
        assert!(
            start.elapsed() < LIMIT,
            "gave up waiting for {what}; the log:\n{}",
            log.join("\n")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn m(app: &App, name: &str) -> f64 {
    metric(app, name).unwrap()
}

fn said(app: &App, needle: &str) -> bool {
    app.log.entries().any(|e| e.text.contains(needle))
}

fn kill(pid: u32) {
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
}

#[test]
fn kills_from_outside_are_told_and_r_brings_the_broker_back() {
    let mut engine = Engine::new(lab());
    let mut app = App::new(
        LabId::Lifecycle,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    let mut startup = Startup::default();
    startup.cluster.nodes = 2;
    startup.cluster.batch = 6;
    proclab::app::open(&mut app, &mut engine, &startup).unwrap();
    perform::tick(&mut app, &mut engine);
    assert_eq!(app.cluster.stage, Stage::Closed, "not opened at start");
    act(&mut app, &mut engine, Action::GotoLab(LabId::Cluster));
    tick_until(&mut app, &mut engine, "two nodes online", |a| {
        m(a, "cluster-nodes") == 2.0
    });
    let view = app.cluster.view.clone().unwrap();
    let broker = view.broker.pid.expect("the lab's own redis-server");
    let mut ours = vec![broker];
    for n in &view.nodes {
        ours.push(n.pid.unwrap());
        ours.extend(children(n.pid.unwrap()));
    }

    // A node killed from outside while it runs a task: which node, which
    // tasks it held.
    act(&mut app, &mut engine, Action::Cluster(ClusterAction::Batch));
    tick_until(&mut app, &mut engine, "both nodes running", |a| {
        m(a, "cluster-running") >= 2.0
    });
    let victim = app.cluster.selected_node().cloned().unwrap();
    let held = victim.held.clone();
    assert!(!held.is_empty());
    kill(victim.pid.unwrap());
    let name = victim.name.clone();
    tick_until(&mut app, &mut engine, "the end told", |a| {
        said(
            a,
            &format!("{name} (pid {}) ended from outside", victim.pid.unwrap()),
        )
    });
    // The node may take one more task between the look and the kill: what
    // it held then is among what the report names.
    let end = app.cluster.tally.last_end.clone().unwrap();
    assert_eq!(end.name, name);
    for id in &held {
        assert!(end.held.contains(id), "{id} in {:?}", end.held);
    }
    for id in &end.held {
        assert!(said(&app, &id[..8]), "the held task {id} is named");
    }

    // redis-server killed from outside: the broker is gone, r is offered.
    kill(broker);
    tick_until(&mut app, &mut engine, "the broker gone", |a| {
        said(a, "the broker is gone; r starts it again") && m(a, "cluster-broker") == 0.0
    });
    let restart = Action::Cluster(ClusterAction::RestartBroker);
    assert!(app.applies(restart));
    assert!(!app.applies(Action::Cluster(ClusterAction::Batch)));
    act(&mut app, &mut engine, restart);
    tick_until(&mut app, &mut engine, "the broker back", |a| {
        m(a, "cluster-broker") == 1.0
    });
    let new_broker = app.cluster.view.as_ref().unwrap().broker.pid.unwrap();
    assert_ne!(new_broker, broker);
    ours.push(new_broker);
    assert!(!app.applies(restart));

    engine.shutdown(Duration::from_millis(500));
    for pid in ours {
        wait_until(&format!("process {pid} gone"), || gone(pid));
    }
    // No broker or node is left among this process's children (other
    // tests' workers, running beside this one, may be).
    let left: Vec<u32> = children(std::process::id())
        .into_iter()
        .filter(|&p| proclab::lab::cluster::node::alive(p))
        .filter(|&p| {
            std::fs::read(format!("/proc/{p}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                c.contains("celery") || c.contains("redis-server")
            })
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
