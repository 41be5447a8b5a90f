//! The labs' `update` without a terminal or an engine.

use super::*;
use crate::app::tests::snap;
use crate::app::{Action, Effect, Machine, Settings, update};
use crate::lab::StartOptions;

fn app(lab: crate::app::LabId) -> App {
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
fn rate_keys_step_and_say_the_python() {
    let mut a = app(crate::app::LabId::Queue);
    let effects = update(&mut a, Action::Comms(CommsAction::ProducersFaster));
    assert_eq!(
        effects,
        vec![Effect::Comms(CommsEffect::SetQueueRates {
            producer: 8,
            consumer: 8
        })]
    );
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("time.sleep(1/8)  # in producers")
    );
    update(&mut a, Action::Comms(CommsAction::ConsumersSlower));
    assert_eq!(a.comms.queue.consumer_rate, 5);
}

#[test]
fn stop_and_sentinel_keys_apply_only_with_someone_to_stop() {
    let mut a = app(crate::app::LabId::Queue);
    let stop = Action::Comms(CommsAction::StopProducer);
    let sentinel = Action::Comms(CommsAction::Sentinel);
    assert!(!a.applies(stop) && !a.applies(sentinel));
    a.on_workers(vec![worker(1, Role::Producer), worker(2, Role::Consumer)]);
    assert!(a.applies(stop) && a.applies(sentinel));
    assert!(a.applies(Action::Comms(CommsAction::ShutdownQueue)));
}

#[test]
fn a_pipe_starts_only_when_none_runs() {
    let mut a = app(crate::app::LabId::Pipe);
    let start = Action::Comms(CommsAction::StartPipe);
    assert!(a.applies(start));
    update(&mut a, Action::Comms(CommsAction::TogglePipeMode));
    assert_eq!(
        update(&mut a, start),
        vec![Effect::Comms(CommsEffect::StartPipe(PipeMode::Stream))]
    );
    a.on_workers(vec![worker(1, Role::Sender), worker(2, Role::Receiver)]);
    assert!(!a.applies(start));
}

#[test]
fn stage_keys_move_the_selection_and_change_its_time() {
    let mut a = app(crate::app::LabId::Pipeline);
    assert_eq!(a.comms.pipeline.selected, 1, "process is selected first");
    update(&mut a, Action::Comms(CommsAction::StageNext));
    update(&mut a, Action::Comms(CommsAction::StageNext));
    assert_eq!(a.comms.pipeline.selected, 2, "stays on the last stage");
    assert_eq!(
        update(&mut a, Action::Comms(CommsAction::StageSlower)),
        vec![Effect::Comms(CommsEffect::SetStageMs { stage: 2, ms: 100 })]
    );
}

#[test]
fn every_lab_key_is_in_the_help_and_has_a_label() {
    let map = crate::app::Keymap::standard();
    for b in &map.bindings {
        if let Action::Comms(c) = b.action {
            assert!(!c.label().is_empty());
            assert!(c.describe().len() > 10, "{c:?}");
        }
    }
}
