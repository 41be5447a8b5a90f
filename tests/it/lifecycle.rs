//! The lifecycle as the app tells it, with real workers and no terminal:
//! keys as actions, effects performed on a real engine, the log's lines
//! and the worker rows read back, as CPython would have them.

use std::time::Duration;

use crate::common::*;
use proclab::app::{self, Action, App, LabId, Machine, Settings, perform};
use proclab::lab::engine::Engine;
use proclab::lab::{StartOptions, Status, Workload};
use proclab::metrics::ProcLoad;

fn session(start: StartOptions) -> (App, Engine) {
    let engine = Engine::new(lab());
    let app = App::new(
        LabId::Lifecycle,
        Settings {
            start,
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    );
    (app, engine)
}

/// A key's action, carried out as the loop does.
fn act(app: &mut App, engine: &mut Engine, action: Action) {
    for effect in app::update(app, action) {
        perform::perform(app, engine, effect);
    }
}

fn pythons(app: &App) -> Vec<String> {
    app.log.entries().filter_map(|e| e.python.clone()).collect()
}

fn texts(app: &App) -> String {
    app.log
        .entries()
        .map(|e| e.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The row of worker `id`, with `/proc` read as the sampler would.
fn row_state(app: &mut App, id: u32) -> String {
    let pid = app.workers.iter().find(|w| w.id == id).unwrap().pid;
    if let Some(st) = proclab::metrics::procstat::read_process(pid) {
        app.procs.insert(
            pid,
            ProcLoad {
                pid,
                state: st.state,
                cpu_percent: 0.0,
                threads: st.threads,
                rss_bytes: 0,
            },
        );
    }
    app.rows().into_iter().find(|r| r.id == id).unwrap().state
}

fn tick_until(app: &mut App, engine: &mut Engine, what: &str, cond: impl Fn(&App) -> bool) {
    wait_until(what, || {
        perform::tick(app, engine);
        cond(app)
    });
}

#[test]
fn terminate_on_a_paused_worker_waits_for_sigcont_then_ends_with_minus_15() {
    let (mut app, mut engine) = session(forever());
    act(&mut app, &mut engine, Action::Spawn);
    let pid = engine.lab.pid(1).unwrap();
    wait_state(pid, "R");
    act(&mut app, &mut engine, Action::TogglePause);
    wait_state(pid, "T");
    act(&mut app, &mut engine, Action::Terminate);
    assert!(
        pythons(&app).contains(&"p1.terminate()  # SIGTERM waits".to_string()),
        "{:?}",
        pythons(&app)
    );
    assert!(
        !pythons(&app).iter().any(|p| p.contains("SIGCONT")),
        "no SIGCONT"
    );
    std::thread::sleep(Duration::from_millis(300));
    perform::tick(&mut app, &mut engine);
    assert_eq!(state(pid), Some('T'), "still stopped, still alive");
    assert_eq!(row_state(&mut app, 1), "SIGTERM pending (stopped)");

    // p: SIGCONT, and the pending SIGTERM acts.
    act(&mut app, &mut engine, Action::TogglePause);
    assert!(pythons(&app).contains(&"os.kill(p1.pid, signal.SIGCONT)  # ends: -15".to_string()));
    tick_until(&mut app, &mut engine, "the worker to end", |a| {
        a.workers[0].status == Status::Exited(-15)
    });
    let zombie = pythons(&app).last().cloned().unwrap();
    assert_eq!(zombie, "# p1 ended: a zombie until reaped");
    let said = texts(&app);
    for call in [
        "join()",
        "is_alive()",
        "exitcode",
        "active_children()",
        "start()",
    ] {
        assert!(said.contains(call), "the zombie line names {call}: {said}");
    }
    assert!(!said.contains("until joined"), "{said}");
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn quit_terminates_daemons_and_waits_for_the_others_as_python_does() {
    let io = StartOptions {
        workload: Workload::Io,
        tasks: Some(2),
        task_ms: 400,
        ..forever()
    };
    let (mut app, mut engine) = session(io);
    act(&mut app, &mut engine, Action::Spawn);
    act(&mut app, &mut engine, Action::Spawn);
    app.settings.start = StartOptions {
        daemon: true,
        tasks: None,
        ..io
    };
    act(&mut app, &mut engine, Action::Spawn);
    perform::tick(&mut app, &mut engine);

    act(&mut app, &mut engine, Action::Quit);
    assert!(!app.quitting, "a Python parent would wait for p1 and p2");
    assert_eq!(app.exit_wait, Some(vec![1, 2]));
    let py = pythons(&app);
    assert!(py.contains(&"# at exit: daemons terminate(), others join()".to_string()));
    assert!(py.contains(&"# Python waits here for p1, p2".to_string()));
    assert_eq!(
        engine.lab.join(3, Some(PATIENCE)).unwrap(),
        Some(-15),
        "the daemon got SIGTERM"
    );

    // They end by themselves, and then the parent exits.
    tick_until(&mut app, &mut engine, "p1 and p2 to end", |a| a.quitting);
    assert_eq!(engine.lab.status(1).unwrap().exitcode(), Some(0));
    assert_eq!(engine.lab.status(2).unwrap().exitcode(), Some(0));
    engine.shutdown(Duration::from_secs(2));
}

#[test]
fn a_second_quit_terminates_the_workers_python_would_wait_for() {
    let (mut app, mut engine) = session(forever());
    act(&mut app, &mut engine, Action::Spawn);
    act(&mut app, &mut engine, Action::Quit);
    assert!(!app.quitting);
    std::thread::sleep(Duration::from_millis(200));
    perform::tick(&mut app, &mut engine);
    assert!(!app.quitting, "a worker that never ends holds the exit");
    act(&mut app, &mut engine, Action::Quit);
    assert!(app.quitting);
    let report = engine.shutdown(Duration::from_secs(2));
    assert_eq!(report.terminated, 1);
    assert_eq!(engine.lab.status(1).unwrap(), Status::Joined(-15));
}

#[test]
fn quit_with_only_daemons_leaves_at_once() {
    let (mut app, mut engine) = session(StartOptions {
        daemon: true,
        ..forever()
    });
    act(&mut app, &mut engine, Action::Spawn);
    act(&mut app, &mut engine, Action::Quit);
    assert!(app.quitting, "no worker a Python parent would wait for");
    assert_eq!(engine.lab.join(1, Some(PATIENCE)).unwrap(), Some(-15));
}
