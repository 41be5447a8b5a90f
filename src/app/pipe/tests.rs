//! The pipe lab's `update` without a terminal or an engine.

use super::*;
use crate::app::tests::snap;
use crate::app::{Action, App, Effect, LabId, Machine, Settings, update};
use crate::lab::{Role, StartOptions, Status, WorkerSnapshot};

fn app(lab: LabId) -> App {
    App::new(
        lab,
        Settings {
            start: StartOptions::default(),
            auto_join: false,
            max_workers: 8,
        },
        Machine { cores: 2 },
    )
}

fn worker(id: u32, role: Role) -> WorkerSnapshot {
    WorkerSnapshot {
        role,
        ..snap(id, Status::Alive { paused: false })
    }
}

#[test]
fn a_pipe_starts_only_when_none_runs() {
    let mut a = app(LabId::Pipe);
    let start = Action::Pipe(PipeAction::Start);
    assert!(a.applies(start));
    update(&mut a, Action::Pipe(PipeAction::ToggleMode));
    assert_eq!(
        update(&mut a, start),
        vec![Effect::Pipe(PipeEffect::Start(PipeMode::Stream))]
    );
    a.on_workers(vec![worker(1, Role::Sender), worker(2, Role::Receiver)]);
    assert!(!a.applies(start));
}

#[test]
fn every_lab_key_is_in_the_help_and_has_a_label() {
    let map = crate::app::Keymap::standard();
    for b in &map.bindings {
        if let Action::Pipe(_) = b.action {
            assert!(!b.action.label().is_empty());
            assert!(b.action.describe().len() > 10, "{:?}", b.action);
        }
    }
}
