//! `update` without a terminal or an engine: actions in, effects and log out.

use super::*;
use crate::lab::slot::Phase;

pub(crate) fn snap(id: WorkerId, status: Status) -> WorkerSnapshot {
    WorkerSnapshot {
        id,
        pid: 1000 + id,
        role: crate::lab::Role::Tasks,
        status,
        daemon: false,
        workload: Workload::Cpu,
        phase: Phase::Cpu,
        tasks_done: 0,
        progress: 0.0,
        join_pending: false,
        heartbeat_age: None,
        sigterm_sent: false,
        wait: 0,
        aux: 0,
    }
}

fn app() -> App {
    App::new(
        LabId::Lifecycle,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    )
}

const RUNNING: Status = Status::Alive { paused: false };
const PAUSED: Status = Status::Alive { paused: true };

#[test]
fn spawn_starts_a_worker_with_the_current_settings() {
    let mut a = app();
    a.settings.start.daemon = true;
    let effects = update(&mut a, Action::Spawn);
    assert_eq!(effects, vec![Effect::Start(a.settings.start)]);
}

#[test]
fn pause_toggles_on_the_selected_worker() {
    let mut a = app();
    a.on_workers(vec![snap(1, RUNNING), snap(2, PAUSED)]);
    a.selected = Some(1);
    assert_eq!(update(&mut a, Action::TogglePause), vec![Effect::Pause(1)]);
    a.selected = Some(2);
    assert_eq!(update(&mut a, Action::TogglePause), vec![Effect::Resume(2)]);
    assert_eq!(a.action_label(Action::TogglePause), "resume");
}

#[test]
fn signals_to_an_ended_worker_say_why_nothing_happens() {
    let mut a = app();
    a.on_workers(vec![snap(1, Status::Exited(-15))]);
    assert!(update(&mut a, Action::Terminate).is_empty());
    let last = a.log.last().unwrap();
    assert!(last.text.contains("already ended"), "{}", last.text);
    assert!(!a.applies(Action::Kill));
    assert!(a.applies(Action::Join));
    assert!(a.applies(Action::JoinAll));
}

#[test]
fn with_no_worker_the_log_says_how_to_start_one() {
    let mut a = app();
    assert!(update(&mut a, Action::Kill).is_empty());
    assert!(a.log.last().unwrap().text.contains("start one with s"));
}

#[test]
fn selection_moves_and_stays_in_bounds() {
    let mut a = app();
    a.on_workers(vec![snap(1, RUNNING), snap(2, RUNNING), snap(3, RUNNING)]);
    assert_eq!(a.selected, Some(3), "the newest is selected first");
    update(&mut a, Action::SelectNext);
    assert_eq!(a.selected, Some(3));
    update(&mut a, Action::SelectPrev);
    assert_eq!(a.selected, Some(2));
    update(&mut a, Action::SelectFirst);
    update(&mut a, Action::SelectPrev);
    assert_eq!(a.selected, Some(1));
    update(&mut a, Action::SelectRow(2));
    assert_eq!(a.selected, Some(3));
    update(&mut a, Action::SelectRow(9));
    assert_eq!(
        a.selected,
        Some(3),
        "a click below the rows changes nothing"
    );
}

#[test]
fn toggles_change_settings_and_say_the_python() {
    let mut a = app();
    update(&mut a, Action::ToggleDaemon);
    assert!(a.settings.start.daemon);
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("p.daemon = True  # before p.start()")
    );
    update(&mut a, Action::ToggleWorkload);
    assert_eq!(a.settings.start.workload, Workload::Io);
    assert_eq!(
        update(&mut a, Action::ToggleAutoJoin),
        vec![Effect::SetAutoJoin(true)]
    );
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut a = app();
    update(&mut a, Action::ToggleHelp);
    assert_eq!(a.help, Some(0));
    update(&mut a, Action::ScrollDown);
    update(&mut a, Action::ScrollDown);
    update(&mut a, Action::ScrollUp);
    assert_eq!(a.help, Some(1));
    update(&mut a, Action::CloseOverlay);
    assert_eq!(a.help, None);
}

#[test]
fn the_first_quit_begins_pythons_exit_and_the_second_leaves() {
    let mut a = app();
    assert_eq!(update(&mut a, Action::Quit), vec![Effect::BeginExit]);
    assert!(!a.quitting, "the exit is begun by the engine first");
    a.exit_wait = Some(vec![1, 2]);
    assert_eq!(update(&mut a, Action::Quit), vec![Effect::Quit]);
    assert!(a.quitting);
}

#[test]
fn the_footer_lists_only_keys_that_apply() {
    let mut a = app();
    let footer = |a: &App| -> Vec<Action> {
        a.keymap
            .footer(a.lab, a.overlay())
            .into_iter()
            .map(|b| b.action)
            .filter(|&act| a.applies(act))
            .collect()
    };
    let empty = footer(&a);
    assert!(empty.contains(&Action::Spawn));
    assert!(!empty.contains(&Action::Kill));
    a.on_workers(vec![snap(1, RUNNING)]);
    assert!(footer(&a).contains(&Action::Kill));
}

#[test]
fn a_selection_of_a_forgotten_worker_moves_to_a_row() {
    let mut a = app();
    a.on_workers(vec![snap(1, RUNNING), snap(2, RUNNING)]);
    // A lab's own list (the pipeline's stages) named a worker whose row
    // was cleared since.
    a.selected = Some(9);
    update(&mut a, Action::ToggleKeys);
    assert_eq!(a.selected, Some(2));
}
