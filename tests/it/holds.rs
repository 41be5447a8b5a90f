//! Labs that do not spoil each other, with real workers read from `/proc`:
//! a lab not shown has its workers paused (T) and resumed when it is shown
//! again; a worker paused by hand stays paused; a race's hold and a lab's
//! hold on one worker both have to end before it runs.

use crate::common::*;

use proclab::app::{self, Action, App, LabId, Machine, Settings, Startup, perform, update};
use proclab::lab::engine::Engine;
use proclab::lab::{Held, Hold};

/// proclab opened on the lifecycle lab with two CPU-bound workers.
fn opened(keep_running: bool) -> (App, Engine) {
    let mut engine = Engine::new(lab());
    let settings = Settings {
        start: forever(),
        auto_join: false,
        max_workers: 16,
    };
    let mut app = App::new(LabId::Lifecycle, settings, Machine { cores: 2 });
    let start = Startup {
        lab: LabId::Lifecycle,
        workers: Some(2),
        start: forever(),
        keep_running,
        ..Startup::default()
    };
    app::open(&mut app, &mut engine, &start).unwrap();
    (app, engine)
}

fn act(app: &mut App, engine: &mut Engine, action: Action) {
    for effect in update(app, action) {
        perform::perform(app, engine, effect);
    }
}

fn pids(app: &App) -> Vec<u32> {
    app.workers.iter().map(|w| w.pid).collect()
}

fn logged(app: &App, text: &str) -> bool {
    app.log
        .entries()
        .any(|e| e.text.contains(text) || e.python.as_deref().is_some_and(|p| p.contains(text)))
}

#[test]
fn another_lab_pauses_the_workers_and_coming_back_resumes_them() {
    let (mut app, mut engine) = opened(false);
    let [p1, p2] = pids(&app)[..] else {
        panic!("two workers")
    };
    wait_state(p1, "RS");

    act(&mut app, &mut engine, Action::GotoLab(LabId::Counter));
    wait_state(p1, "T");
    wait_state(p2, "T");
    assert!(logged(&app, "os.kill(p.pid, signal.SIGSTOP)"));
    assert!(logged(
        &app,
        "Lifecycle: workers 1 and 2 paused while Counter is shown (B keeps them running)"
    ));
    // Tab onwards through the other labs: nothing more to pause.
    let lines = app.log.len();
    act(&mut app, &mut engine, Action::NextLab);
    assert_eq!(app.log.len(), lines, "no worker paused twice");

    act(&mut app, &mut engine, Action::GotoLab(LabId::Lifecycle));
    wait_state(p1, "RS");
    wait_state(p2, "RS");
    assert!(logged(&app, "os.kill(p.pid, signal.SIGCONT)"));
    assert!(logged(&app, "back in Lifecycle: workers 1 and 2 resumed"));
}

#[test]
fn a_worker_paused_by_hand_stays_paused() {
    let (mut app, mut engine) = opened(false);
    let [p1, p2] = pids(&app)[..] else {
        panic!("two workers")
    };
    act(&mut app, &mut engine, Action::SelectFirst);
    act(&mut app, &mut engine, Action::TogglePause);
    wait_state(p1, "T");

    act(&mut app, &mut engine, Action::GotoLab(LabId::Pool));
    wait_state(p2, "T");
    assert!(logged(
        &app,
        "Lifecycle: worker 2 paused while Pool is shown"
    ));
    act(&mut app, &mut engine, Action::GotoLab(LabId::Lifecycle));
    wait_state(p2, "RS");
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(state(p1), Some('T'), "paused by hand: not resumed");
    assert!(logged(&app, "back in Lifecycle: worker 2 resumed"));
}

#[test]
fn keep_running_leaves_every_lab_running() {
    let (mut app, mut engine) = opened(true);
    let [p1, _] = pids(&app)[..] else {
        panic!("two workers")
    };
    act(&mut app, &mut engine, Action::GotoLab(LabId::Gil));
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(matches!(state(p1), Some('R' | 'S')), "{:?}", state(p1));

    // B pauses them after all, and B again lets them run.
    act(&mut app, &mut engine, Action::ToggleBackground);
    wait_state(p1, "T");
    act(&mut app, &mut engine, Action::ToggleBackground);
    wait_state(p1, "RS");
    assert!(logged(
        &app,
        "every lab keeps running, shown or not: workers 1 and 2 resumed"
    ));
}

#[test]
fn two_holds_on_one_worker_both_end_before_it_runs() {
    let mut lab = lab();
    let id = lab.start_with(forever()).unwrap();
    let pid = lab.pid(id).unwrap();
    assert_eq!(lab.hold(id, Hold::Away).unwrap(), Held::Stopped);
    assert_eq!(lab.hold(id, Hold::Race).unwrap(), Held::Already);
    wait_state(pid, "T");
    assert!(!lab.release(id, Hold::Race).unwrap(), "still away");
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(state(pid), Some('T'));
    assert!(lab.release(id, Hold::Away).unwrap());
    wait_state(pid, "RS");

    // Paused by hand: no hold takes it, none resumes it.
    lab.pause(id).unwrap();
    assert_eq!(lab.hold(id, Hold::Race).unwrap(), Held::No);
    assert!(!lab.release(id, Hold::Race).unwrap());
    wait_state(pid, "T");
    // Held, then paused by hand: the hold is gone with it.
    lab.resume(id).unwrap();
    assert_eq!(lab.hold(id, Hold::Away).unwrap(), Held::Stopped);
    lab.pause(id).unwrap();
    assert!(!lab.release(id, Hold::Away).unwrap());
    wait_state(pid, "T");
    lab.shutdown(proclab::lab::SHUTDOWN_GRACE);
    assert!(gone(pid));
}
