//! The sync lab with real workers: the semaphore never admits more than k,
//! each worker says what it waits on, and a worker that dies holding a
//! permit takes it with it.

use std::time::{Duration, Instant};

use crate::common::*;
use proclab::app::sync::role_state;
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::sync::{SyncEvent, SyncWait};
use proclab::lab::{Role, WorkerId};

fn engine(permits: u32, parties: u32) -> Engine {
    let engine = Engine::new(lab_with(|c| c.iters_per_ms = Some(1000)));
    let mut e = engine;
    e.sync.set_permits(&e.lab, permits).unwrap();
    e.sync.set_parties(&e.lab, parties).unwrap();
    e
}

fn start(engine: &mut Engine, n: usize, hold_ms: u64) -> Vec<WorkerId> {
    (0..n)
        .map(|_| engine.sync.start_worker(&mut engine.lab, hold_ms).unwrap())
        .collect()
}

/// The wait state of every live sync worker, in words, after a poll.
fn states(engine: &mut Engine) -> Vec<String> {
    engine.poll();
    engine
        .lab
        .snapshot()
        .into_iter()
        .filter(|w| w.role == Role::Sync && w.status.is_alive())
        .map(|w| role_state(w.wait).unwrap_or_default())
        .collect()
}

#[test]
fn a_semaphore_never_lets_more_than_k_in() {
    let mut engine = engine(2, 5);
    start(&mut engine, 5, 20);
    engine.sync.set_event(&engine.lab, true).unwrap();
    let start = Instant::now();
    let mut most_held = 0;
    wait_until("forty entries into the critical section", || {
        engine.poll();
        let v = engine.sync.view();
        most_held = most_held.max(v.held);
        v.entries >= 40
    });
    let v = engine.sync.view();
    // The workers' own record of entries and exits, apart from the
    // semaphore's count.
    assert!(
        v.most_inside <= 2,
        "{} inside at once with k=2",
        v.most_inside
    );
    assert_eq!(v.most_inside, 2, "five workers do fill both permits");
    assert!(most_held <= 2);
    assert!(v.rounds >= 7, "the barrier released every round: {v:?}");
    assert!(start.elapsed() < PATIENCE);
}

#[test]
fn each_worker_says_what_it_waits_on() {
    // Parties one more than workers: everyone ends up waiting at the barrier.
    let mut engine = engine(1, 3);
    // Long enough inside that the other worker surely reaches the semaphore.
    let ids = start(&mut engine, 2, 600);
    wait_until("both workers waiting for the event", || {
        states(&mut engine) == ["waiting for event", "waiting for event"]
    });
    assert_eq!(engine.sync.view().at_event, ids);

    engine.sync.set_event(&engine.lab, true).unwrap();
    wait_until("one inside, the other on the semaphore", || {
        let s = states(&mut engine);
        s.contains(&"in critical section".to_string())
            && s.contains(&"waiting on semaphore (1/1 held)".to_string())
    });

    wait_until("both at the barrier", || {
        states(&mut engine) == ["waiting at barrier 2/3", "waiting at barrier 2/3"]
    });
    assert_eq!(engine.sync.view().rounds, 0);
    // Cleared before the barrier lets them go: cleared after, one worker
    // could pass the event before it and the other not, and the first
    // would wait at the barrier for ever.
    engine.sync.set_event(&engine.lab, false).unwrap();
    engine.sync.set_parties(&engine.lab, 2).unwrap();
    wait_until("the barrier to release them", || {
        engine.poll();
        engine.sync.view().rounds == 1
    });
    wait_until("both stopped at the cleared event", || {
        states(&mut engine) == ["waiting for event", "waiting for event"]
    });
}

#[test]
fn a_worker_killed_holding_a_permit_takes_it_with_it() {
    let mut engine = engine(1, 2);
    let ids = start(&mut engine, 2, 5_000);
    engine.sync.set_event(&engine.lab, true).unwrap();
    let mut inside = None;
    wait_until("a worker inside", || {
        engine.poll();
        inside = engine.sync.view().in_section.first().copied();
        inside.is_some()
    });
    let victim = inside.unwrap();
    engine.lab.terminate(victim).unwrap();
    let start = Instant::now();
    let mut events = Vec::new();
    while !events.contains(&SyncEvent::PermitLost {
        id: victim,
        exitcode: -15,
    }) {
        events.extend(engine.poll().into_iter().filter_map(|e| match e {
            EngineEvent::Sync(s) => Some(s),
            _ => None,
        }));
        assert!(start.elapsed() < PATIENCE, "no PermitLost: {events:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let v = engine.sync.view();
    assert_eq!(
        (v.held, v.lost),
        (1, 1),
        "the permit is gone with its holder"
    );
    // The other worker waits for a permit that never comes back, until k grows.
    let other = *ids.iter().find(|&&id| id != victim).unwrap();
    wait_until("the other waiting on the semaphore", || {
        engine.poll();
        engine.sync.view().at_semaphore == [other]
    });
    engine.sync.set_permits(&engine.lab, 2).unwrap();
    wait_until("the other inside", || {
        engine.poll();
        engine.sync.view().in_section == [other]
    });
    let slot_word = engine
        .lab
        .snapshot()
        .into_iter()
        .find(|w| w.id == other)
        .unwrap()
        .wait;
    assert_eq!(SyncWait::decode(slot_word), SyncWait::Inside);
}

#[test]
fn a_party_killed_inside_the_barriers_wait_hangs_it_for_good_as_in_python() {
    let mut engine = engine(5, 3);
    let first = start(&mut engine, 1, 0)[0];
    engine.sync.set_event(&engine.lab, true).unwrap();
    wait_until("the first at the barrier", || {
        engine.poll();
        engine.sync.view().at_barrier == [first]
    });
    engine.lab.kill(first).unwrap();
    wait_until("its death at the barrier told", || {
        engine
            .poll()
            .contains(&EngineEvent::Sync(SyncEvent::DiedAtBarrier {
                id: first,
                exitcode: -9,
            }))
    });
    // Two more make three arrivals: in CPython the last one waits for the
    // dead one to wake, and nobody passes.
    let others = start(&mut engine, 2, 0);
    wait_until("both at the barrier", || {
        engine.poll();
        engine.sync.view().at_barrier == others
    });
    std::thread::sleep(Duration::from_millis(800));
    engine.poll();
    let v = engine.sync.view();
    assert!(v.barrier_hung, "{v:?}");
    assert_eq!(v.rounds, 0, "nobody passed: {v:?}");
    assert_eq!(v.at_barrier, others, "both still wait");
    // A new barrier is refused while they wait at the old one.
    let err = engine.sync.set_parties(&engine.lab, 2).unwrap_err();
    assert!(err.to_string().contains("hangs"), "{err}");
    for &id in &others {
        engine.lab.kill(id).unwrap();
        engine.lab.join(id, Some(PATIENCE)).unwrap();
    }
    engine.poll();
    engine.sync.set_parties(&engine.lab, 2).unwrap();
    start(&mut engine, 2, 0);
    wait_until("a new barrier to release its parties", || {
        engine.poll();
        engine.sync.view().rounds > 0
    });
    assert!(!engine.sync.view().barrier_hung);
}
