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
        vec![Effect::Pipe(PipeEffect::Start(
            PipeMode::Stream,
            crate::lab::comms::Ends::Closed
        ))]
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

#[test]
fn the_ends_key_sets_the_next_pipe_and_says_its_python() {
    use crate::lab::comms::Ends;
    let mut a = app(LabId::Pipe);
    update(&mut a, Action::Pipe(PipeAction::ToggleEnds));
    assert_eq!(a.pipe.ends, Ends::Open);
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("# no close() anywhere: every process keeps a and b")
    );
    assert_eq!(
        update(&mut a, Action::Pipe(PipeAction::Start)),
        vec![Effect::Pipe(PipeEffect::Start(PipeMode::PingPong, Ends::Open))]
    );
}

#[test]
fn a_start_says_which_ends_each_process_closes() {
    use crate::lab::comms::Ends;
    let python = |ends| {
        narrate::pipe_started(PipeMode::Stream, ends, [1, 2])
            .into_iter()
            .map(|l| l.python.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        python(Ends::Closed),
        [
            "r, w = Pipe(duplex=False)",
            "p1.start(); p2.start()",
            "r.close(); w.close()  # in the parent, after start()",
            "r.close()  # first thing in p1, which uses w",
            "w.close()  # first thing in p2, which uses r",
        ]
    );
    assert_eq!(
        python(Ends::Open),
        [
            "r, w = Pipe(duplex=False)",
            "p1.start(); p2.start()",
            "# no close() anywhere: every process keeps r and w",
        ]
    );
}

#[test]
fn an_end_held_open_names_who_holds_it() {
    use crate::lab::comms::holders::Holder;
    use crate::lab::pipe::PipeEvent;
    let event = PipeEvent::HeldOpen {
        id: 2,
        role: Role::Receiver,
        holders: vec![
            Holder {
                pid: 700,
                worker: None,
            },
            Holder {
                pid: 702,
                worker: Some(2),
            },
        ],
    };
    let line = narrate::pipe_event(&event);
    assert_eq!(
        line.python.as_deref(),
        Some("r.recv()  # in p2: blocks forever, w is still open in the parent, p2")
    );
    assert_eq!(
        line.text,
        "worker 2 (receiver) waits in recv() for ever: w is still open in proclab (pid 700, the parent) and worker 2 (pid 702, itself)"
    );
    let eof = narrate::pipe_event(&PipeEvent::Eof {
        id: 2,
        role: Role::Pong,
    });
    assert_eq!(
        eof.python.as_deref(),
        Some("b.recv()  # in p2: EOFError, every copy of a is closed")
    );
}
