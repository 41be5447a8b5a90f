//! The queue lab's `update` without a terminal or an engine.

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
fn rate_keys_step_and_say_the_python() {
    let mut a = app(LabId::Queue);
    let effects = update(&mut a, Action::Queue(QueueAction::ProducersFaster));
    assert_eq!(
        effects,
        vec![Effect::Queue(QueueEffect::SetRates {
            producer: 8,
            consumer: 8
        })]
    );
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("time.sleep(1/8)  # between puts")
    );
    update(&mut a, Action::Queue(QueueAction::ConsumersSlower));
    assert_eq!(a.queue.consumer_rate, 5);
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("time.sleep(1/5)  # the work on each item, in consumers")
    );
    // Flat out, the line is a comment, not a sleep of nothing.
    a.queue.producer_rate = crate::lab::queue::RATES[crate::lab::queue::RATES.len() - 2];
    update(&mut a, Action::Queue(QueueAction::ProducersFaster));
    assert_eq!(a.queue.producer_rate, 0);
    assert_eq!(
        a.log.last().unwrap().python.as_deref(),
        Some("# no sleep between puts: flat out")
    );
}

#[test]
fn stop_and_sentinel_keys_apply_only_with_someone_to_stop() {
    let mut a = app(LabId::Queue);
    let stop = Action::Queue(QueueAction::StopProducer);
    let sentinel = Action::Queue(QueueAction::Sentinel);
    assert!(!a.applies(stop) && !a.applies(sentinel));
    a.on_workers(vec![worker(1, Role::Producer), worker(2, Role::Consumer)]);
    assert!(a.applies(stop) && a.applies(sentinel));
    assert!(a.applies(Action::Queue(QueueAction::Shutdown)));
}

#[test]
fn every_lab_key_is_in_the_help_and_has_a_label() {
    let map = crate::app::Keymap::standard();
    for b in &map.bindings {
        if let Action::Queue(_) = b.action {
            assert!(!b.action.label().is_empty());
            assert!(b.action.describe().len() > 10, "{:?}", b.action);
        }
    }
}
