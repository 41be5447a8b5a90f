//! The counter lab with real workers: exact modes are exact, the racy mode
//! really loses updates, the manager is a real server, and a worker killed
//! inside its critical section leaves the robust lock abandoned for the
//! next locker, who repairs it.

use std::time::{Duration, Instant};

use crate::common::*;
use proclab::lab::counter::{
    Abandoned, CounterEvent, CounterMode, CounterSection, CounterWait, RunResult, RunSpec,
};
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::shm::SectionId;
use proclab::lab::{Role, Status, WorkerId};
use proptest::prelude::*;

fn engine() -> Engine {
    // A fixed busy-loop rate: no worker here runs the calibrated loop.
    Engine::new(lab_with(|c| c.iters_per_ms = Some(1000)))
}

fn spec(mode: CounterMode, workers: u32, increments: u64) -> RunSpec {
    RunSpec {
        mode,
        workers,
        increments,
        slow: false,
    }
}

/// Polls the engine until `until` holds for one of its counter events,
/// collecting every counter event on the way.
fn poll_until(
    engine: &mut Engine,
    what: &str,
    until: impl Fn(&CounterEvent) -> bool,
) -> Vec<CounterEvent> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        for event in engine.poll() {
            if let EngineEvent::Counter(e) = event {
                let done = until(&e);
                seen.push(e);
                if done {
                    return seen;
                }
            }
        }
        assert!(
            start.elapsed() < PATIENCE,
            "gave up waiting for {what}; saw {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn finish(engine: &mut Engine) -> (RunResult, Vec<CounterEvent>) {
    let events = poll_until(engine, "the run's end", |e| {
        matches!(e, CounterEvent::RunFinished(_))
    });
    match events.last() {
        Some(CounterEvent::RunFinished(r)) => (*r, events),
        _ => unreachable!(),
    }
}

fn run(engine: &mut Engine, spec: RunSpec) -> RunResult {
    engine.counter.start_run(&mut engine.lab, spec).unwrap();
    finish(engine).0
}

/// Waits until a run worker holds the lock and returns it.
fn wait_holder(engine: &mut Engine) -> WorkerId {
    let mut holder = None;
    wait_until("a worker inside the critical section", || {
        engine.poll();
        holder = engine.counter.view().lock.holder;
        holder.is_some()
    });
    holder.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn locked_and_atomic_are_exact_for_any_workers_and_increments(
        locked in any::<bool>(),
        workers in 1u32..=4,
        increments in 1u64..=20_000,
    ) {
        let mode = if locked { CounterMode::Locked } else { CounterMode::Atomic };
        let mut engine = engine();
        let r = run(&mut engine, spec(mode, workers, increments));
        let expected = u64::from(workers) * increments;
        prop_assert_eq!(r.value, expected);
        prop_assert_eq!(r.done, expected);
        prop_assert_eq!(r.lost, 0);
        prop_assert_eq!(r.failed, 0);
    }
}

#[test]
fn racy_mode_loses_updates_on_two_cores() {
    let mut engine = engine();
    // Long enough that both workers are on a core at once even on a busy
    // machine; a few tries, since a race is never certain.
    let mut losses = Vec::new();
    for _ in 0..8 {
        let r = run(&mut engine, spec(CounterMode::Racy, 2, 20_000_000));
        assert_eq!(r.done, 40_000_000, "every increment was made");
        assert!(r.value <= r.done, "a race loses updates, never adds them");
        assert_eq!(r.lost, r.done as i64 - r.value as i64);
        losses.push(r.lost);
        if r.lost > 0 {
            return;
        }
    }
    panic!("no update lost in {} racy runs: {losses:?}", losses.len());
}

/// CPython's racy `Value` loses updates in every run of 2 x 200,000
/// increments, by an amount that varies from run to run (tests/python/
/// counter.py): the lab's default run (2 x 1,000,000) must too. Six runs,
/// most of which must lose: a property of the race, not a timing. (Before
/// increments went at Python's pace, a run on an idle machine was over in
/// 1 to 6 ms and lost nothing half the time, or nearly all.)
#[test]
fn the_default_racy_run_loses_updates_almost_every_time_and_by_varying_amounts() {
    let mut engine = Engine::new(lab());
    let runs: Vec<RunResult> = (0..6)
        .map(|_| {
            run(
                &mut engine,
                spec(
                    CounterMode::Racy,
                    2,
                    proclab::lab::counter::DEFAULT_INCREMENTS,
                ),
            )
        })
        .collect();
    let losses: Vec<i64> = runs.iter().map(|r| r.lost).collect();
    let ms = |d: Duration| (d.as_secs_f64() * 1000.0).round();
    let times: Vec<f64> = runs.iter().map(|r| ms(r.elapsed)).collect();
    let overlaps: Vec<f64> = runs.iter().map(|r| ms(r.overlap)).collect();
    eprintln!("losses {losses:?}; runs (ms) {times:?}; overlaps (ms) {overlaps:?}");
    let lost = losses.iter().filter(|&&l| l > 0).count();
    assert!(
        lost >= 5,
        "only {lost} of 6 default runs lost updates: {losses:?}"
    );
    let mut distinct = losses.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() >= 4, "the losses hardly vary: {losses:?}");
    assert!(
        runs.iter()
            .all(|r| r.overlap > Duration::ZERO && r.overlap <= r.elapsed),
        "the workers ran at once for part of each run: {overlaps:?} of {times:?}"
    );
    let total = 2 * proclab::lab::counter::DEFAULT_INCREMENTS as i64;
    assert!(
        losses.iter().all(|&l| l < total / 2 + total / 4),
        "a loss of all or nothing is not a race: {losses:?}"
    );
}

#[test]
fn the_manager_serves_every_increment_and_shuts_down() {
    let mut engine = engine();
    let started = engine
        .counter
        .start_run(&mut engine.lab, spec(CounterMode::Manager, 2, 3_000))
        .unwrap();
    let manager = started.manager.expect("manager mode starts a server");
    assert_eq!(engine.lab.snapshot()[0].role, Role::Manager);
    let (r, _) = finish(&mut engine);
    assert_eq!((r.value, r.done, r.lost), (6_000, 6_000, 0));
    // `manager.shutdown()`: the server returns, exitcode 0, and is joined.
    wait_until("the manager to be joined", || {
        engine.poll();
        engine.lab.status(manager).unwrap() == Status::Joined(0)
    });
}

#[test]
fn a_dead_manager_fails_every_proxy() {
    let mut engine = engine();
    let started = engine
        .counter
        .start_run(&mut engine.lab, spec(CounterMode::Manager, 2, 100_000_000))
        .unwrap();
    let manager = started.manager.unwrap();
    wait_until("increments to flow", || {
        engine.poll();
        engine.counter.view().run.is_some_and(|r| r.done > 100)
    });
    engine.lab.kill(manager).unwrap();
    let (r, events) = finish(&mut engine);
    assert!(events.contains(&CounterEvent::ManagerLost {
        id: manager,
        exitcode: -9
    }));
    assert_eq!(r.failed, 2, "BrokenPipeError in each worker: exitcode 1");
    for id in started.clients {
        assert_eq!(engine.lab.status(id).unwrap(), Status::Joined(1));
    }
}

#[test]
fn stopping_a_run_terminates_its_workers() {
    let mut engine = engine();
    let started = engine
        .counter
        .start_run(&mut engine.lab, spec(CounterMode::Locked, 2, u64::MAX / 4))
        .unwrap();
    wait_until("the run to start", || {
        engine.poll();
        engine.counter.view().run.is_some_and(|r| r.done > 0)
    });
    assert_eq!(engine.counter.stop_run(&mut engine.lab), started.clients);
    let (r, _) = finish(&mut engine);
    assert!(r.stopped);
    // A worker stopped between its write and its own count is off by one.
    assert!(r.lost.abs() <= 2, "{r:?}");
    for id in started.clients {
        assert_eq!(engine.lab.status(id).unwrap(), Status::Joined(-15));
    }
    assert!(!engine.counter.is_running());
}

#[test]
fn a_worker_killed_holding_the_lock_leaves_it_abandoned_for_the_next_locker() {
    let mut engine = engine();
    let started = engine
        .counter
        .start_run(
            &mut engine.lab,
            RunSpec {
                slow: true,
                ..spec(CounterMode::Locked, 2, 10)
            },
        )
        .unwrap();
    // Slow motion: the holder stays inside for 0.3 s at a time.
    let holder = wait_holder(&mut engine);
    let other = *started.clients.iter().find(|&&id| id != holder).unwrap();
    engine.lab.kill(holder).unwrap();
    let events = poll_until(&mut engine, "the abandoned lock", |e| {
        matches!(e, CounterEvent::LockAbandoned(_))
    });
    assert_eq!(
        events.last(),
        Some(&CounterEvent::LockAbandoned(Abandoned {
            by: Some(holder),
            exitcode: Some(-9),
            recovered_by: Some(other),
        }))
    );
    let sec: &CounterSection = engine.lab.region().section(SectionId::Counter);
    assert_eq!(
        sec.abandoned.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "EOWNERDEAD, once"
    );
    // The lab goes on: the survivor keeps incrementing under the repaired lock.
    let before = engine
        .lab
        .snapshot()
        .iter()
        .find(|w| w.id == other)
        .unwrap()
        .aux;
    wait_until("the survivor to go on", || {
        engine.poll();
        engine
            .lab
            .snapshot()
            .iter()
            .find(|w| w.id == other)
            .unwrap()
            .aux
            > before
    });
    engine.counter.stop_run(&mut engine.lab);
    finish(&mut engine);
}

#[test]
fn a_lock_abandoned_with_nobody_left_is_repaired_before_the_next_run() {
    let mut engine = engine();
    let slow = RunSpec {
        slow: true,
        ..spec(CounterMode::Locked, 1, 10)
    };
    engine.counter.start_run(&mut engine.lab, slow).unwrap();
    let holder = wait_holder(&mut engine);
    engine.lab.terminate(holder).unwrap();
    let (r, events) = finish(&mut engine);
    assert_eq!(r.failed, 1);
    let died = CounterEvent::HolderDied {
        id: Some(holder),
        exitcode: Some(-15),
    };
    if !events.contains(&died) {
        // The run may end in the same poll that sees the death.
        poll_until(&mut engine, "the dead holder", |e| *e == died);
    }
    assert_eq!(engine.counter.view().lock.holder, Some(holder));
    assert!(engine.counter.view().lock.holder_dead);

    let next = engine
        .counter
        .start_run(&mut engine.lab, spec(CounterMode::Locked, 2, 1_000))
        .unwrap();
    assert_eq!(
        next.repaired,
        Some(Abandoned {
            by: Some(holder),
            exitcode: Some(-15),
            recovered_by: None,
        })
    );
    let (r, _) = finish(&mut engine);
    assert_eq!((r.value, r.lost), (2_000, 0), "the repaired lock works");
}

#[test]
fn workers_say_what_they_wait_on_in_slow_motion() {
    let mut engine = engine();
    engine
        .counter
        .start_run(
            &mut engine.lab,
            RunSpec {
                slow: true,
                ..spec(CounterMode::Locked, 2, 10)
            },
        )
        .unwrap();
    let mut seen = (false, false);
    wait_until("one worker holding the lock and one waiting", || {
        engine.poll();
        for w in engine.lab.snapshot() {
            match CounterWait::decode(w.wait) {
                CounterWait::Holds(_) => seen.0 = true,
                CounterWait::Lock => seen.1 = true,
                _ => {}
            }
        }
        seen == (true, true)
    });
    let lock = &engine.counter.view().lock;
    assert!(lock.holder.is_some());
    engine.counter.stop_run(&mut engine.lab);
    finish(&mut engine);
}

#[test]
fn one_run_at_a_time() {
    let mut engine = engine();
    engine
        .counter
        .start_run(&mut engine.lab, spec(CounterMode::Locked, 1, u64::MAX / 4))
        .unwrap();
    let again = engine
        .counter
        .start_run(&mut engine.lab, spec(CounterMode::Atomic, 1, 10));
    assert!(again.unwrap_err().to_string().contains("still going"));
    engine.counter.stop_run(&mut engine.lab);
    finish(&mut engine);
}
