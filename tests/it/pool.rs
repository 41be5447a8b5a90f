//! The pool with real worker processes: results as a sequential map gives
//! them, each item once, `maxtasksperchild` recycling, and a worker killed
//! mid-job, which a Python pool would hang on and proclab must not.

use std::collections::HashSet;

use crate::common::*;
use proclab::app::pool::view::{CellState, PoolView, RunView};
use proclab::lab::engine::Engine;
use proclab::lab::pool::{
    ChunkChoice, Cost, JobSpec, Method, Outcome, PoolError, PoolEvent, spec::work,
};
use proclab::lab::{Lab, Status};

fn engine() -> Engine {
    Engine::new(lab_with(|c| c.pool_items = 5_000))
}

fn job(method: Method, items: u32, chunk: ChunkChoice) -> JobSpec {
    JobSpec {
        method,
        items,
        chunk,
        workers: 2,
        maxtasks: None,
        cost: Cost::Uniform,
        item_us: 0,
        init_ms: 0,
    }
}

/// Runs `spec` to the end and returns the results in the order the caller got them.
fn run_job(e: &mut Engine, spec: JobSpec) -> Vec<(u32, u64)> {
    e.pool.submit(&mut e.lab, spec).expect("the job starts");
    let mut got = Vec::new();
    let lab: &mut Lab = &mut e.lab;
    let ended = e.pool.wait_for(lab, PATIENCE, |c| !c.running());
    assert!(
        ended,
        "the run did not end in time: {:?}\n{:?}",
        e.pool.take_events(),
        PoolView::of(&e.pool, &e.lab).run
    );
    e.pool.drain(&e.lab, &mut got);
    assert_eq!(e.pool.outcome(), Some(Outcome::Done));
    got
}

#[test]
fn every_method_gives_a_sequential_maps_results() {
    let mut e = engine();
    let items = 3_000;
    for method in Method::ALL {
        for chunk in [
            ChunkChoice::Default,
            ChunkChoice::Fixed(1),
            ChunkChoice::Fixed(700),
        ] {
            let ids = e.pool.worker_ids();
            let before: u64 = e.pool.items_by_worker(&e.lab).iter().map(|(_, n)| n).sum();
            let got = run_job(&mut e, job(method, items, chunk));
            // Every item computed exactly once: the workers' own counts add up.
            let after: u64 = e.pool.items_by_worker(&e.lab).iter().map(|(_, n)| n).sum();
            let before = if e.pool.worker_ids() == ids {
                before
            } else {
                0
            };
            assert_eq!(after - before, u64::from(items), "{method:?} {chunk:?}");
            let mut by_item: Vec<u64> = vec![u64::MAX; items as usize];
            let mut seen = HashSet::new();
            for &(i, r) in &got {
                assert!(seen.insert(i), "{method:?}: item {i} delivered twice");
                by_item[i as usize] = r;
            }
            let expected: Vec<u64> = (0..u64::from(items)).map(work).collect();
            assert_eq!(by_item, expected, "{method:?} {chunk:?}");
            if method.ordered() {
                let order: Vec<u32> = got.iter().map(|&(i, _)| i).collect();
                assert!(order.is_sorted(), "{method:?} delivers in order");
            }
            assert_eq!(
                e.pool.results(&e.lab).unwrap(),
                expected,
                "the list map returns"
            );
        }
    }
}

#[test]
fn maxtasksperchild_recycles_workers_and_the_results_stay_right() {
    let mut e = engine();
    let spec = JobSpec {
        maxtasks: Some(3),
        ..job(Method::Imap, 40, ChunkChoice::Fixed(2))
    };
    let got = run_job(&mut e, spec);
    let items: Vec<u32> = got.iter().map(|&(i, _)| i).collect();
    assert_eq!(items, (0..40).collect::<Vec<_>>());
    assert!(got.iter().all(|&(i, r)| r == work(u64::from(i))));
    let events = e.pool.take_events();
    let retired: Vec<(u32, u32)> = events
        .iter()
        .filter_map(|ev| match ev {
            PoolEvent::Retired { pid, tasks, .. } => Some((*pid, *tasks)),
            _ => None,
        })
        .collect();
    let replaced = events
        .iter()
        .filter(|ev| matches!(ev, PoolEvent::Replaced { .. }))
        .count();
    // 20 tasks, at most 3 each: at least 7 processes, so 5 retired at least.
    assert!(retired.len() >= 5, "{events:?}");
    assert!(retired.iter().all(|&(_, tasks)| tasks == 3));
    assert!(replaced >= retired.len() - 2, "{events:?}");
    // No process did more than 3 tasks: every worker the engine saw, alive or joined.
    for w in e.lab.snapshot() {
        assert!(
            w.tasks_done <= 3,
            "worker {} did {} tasks",
            w.id,
            w.tasks_done
        );
    }
    let pids: HashSet<u32> = e.lab.snapshot().iter().map(|w| w.pid).collect();
    assert!(pids.len() >= 7, "fresh pids: {pids:?}");
    // Retired workers are joined, with exitcode 0.
    for (pid, _) in retired {
        let w = e.lab.snapshot().into_iter().find(|w| w.pid == pid).unwrap();
        assert_eq!(w.status, Status::Joined(0));
    }
}

/// Starts a slow job, kills the worker that holds chunk 0, and runs the
/// engine until the run ends. Returns the events and the final view.
fn kill_mid_job(method: Method) -> (Vec<PoolEvent>, RunView, Engine) {
    let mut e = engine();
    let spec = JobSpec {
        item_us: 2_000,
        ..job(method, 400, ChunkChoice::Fixed(50))
    };
    e.pool.submit(&mut e.lab, spec).unwrap();
    // Wait until some worker is inside a chunk, then kill it.
    let mut victim = None;
    wait_until("a worker inside a chunk", || {
        let view = PoolView::of(&e.pool, &e.lab);
        let run = view.run.unwrap();
        victim = run
            .cells
            .iter()
            .find(|c| c.state == CellState::Running)
            .map(|c| c.serial);
        victim.is_some()
    });
    let ids = e.pool.worker_ids();
    // The serial is the start order: the first pool worker is serial 1.
    let id = ids[(victim.unwrap() - 1) as usize];
    e.lab.kill(id).unwrap();
    let mut events = e.pool.take_events();
    let ended = e.pool.wait_for(&mut e.lab, PATIENCE, |c| !c.running());
    assert!(ended, "proclab must not hang on a lost chunk");
    events.extend(e.pool.take_events());
    let run = PoolView::of(&e.pool, &e.lab).run.unwrap();
    (events, run, e)
}

#[test]
fn a_worker_killed_mid_job_loses_its_chunk_and_the_pool_says_it_would_hang() {
    let (events, run, mut e) = kill_mid_job(Method::Map);
    assert_eq!(run.outcome, Outcome::Hung, "{events:?}");
    assert_eq!(run.lost_items, 50, "one chunk of 50 lost");
    assert_eq!(run.lost.len(), 1);
    assert_eq!(run.done_items, 350, "every other chunk done");
    assert_eq!(
        run.delivered_items, 0,
        "map returns nothing: it waits forever"
    );
    let died = events
        .iter()
        .find_map(|ev| match ev {
            PoolEvent::Died { exitcode, lost, .. } => Some((*exitcode, lost.clone())),
            _ => None,
        })
        .expect("the death is told");
    assert_eq!(died.0, -9);
    assert_eq!(died.1, run.lost);
    assert!(
        events
            .iter()
            .any(|ev| matches!(ev, PoolEvent::Replaced { .. })),
        "a Pool replaces the dead worker: {events:?}"
    );
    // The pool still works: a new run succeeds on it.
    let got = run_again(&mut e);
    assert_eq!(got, 400);
}

fn run_again(e: &mut Engine) -> usize {
    run_job(e, job(Method::Map, 400, ChunkChoice::Default)).len()
}

#[test]
fn an_executor_that_loses_a_worker_is_broken() {
    let (events, run, mut e) = kill_mid_job(Method::Futures);
    assert_eq!(run.outcome, Outcome::Broken, "{events:?}");
    assert!(run.failed_items > 0);
    let broken = events
        .iter()
        .find_map(|ev| match ev {
            PoolEvent::Broken { terminated, .. } => Some(terminated.clone()),
            _ => None,
        })
        .expect("the executor breaks");
    assert_eq!(broken.len(), 1, "the other worker is terminated");
    // Its workers are gone; the next run starts a fresh executor.
    let got = run_job(&mut e, job(Method::Futures, 100, ChunkChoice::Default));
    assert_eq!(got.len(), 100);
    let old = broken[0];
    wait_until("the terminated worker to be joined", || {
        e.pool.poll(&mut e.lab);
        matches!(e.lab.status(old), Ok(Status::Joined(_)))
    });
}

#[test]
fn jobs_that_do_not_fit_are_refused_with_the_reason() {
    let mut e = engine();
    let err = e
        .pool
        .submit(&mut e.lab, job(Method::Map, 9_000, ChunkChoice::Default))
        .unwrap_err();
    assert!(matches!(err, PoolError::TooManyItems { .. }), "{err}");
    assert!(err.to_string().contains("--items 9000"), "{err}");
    let err = e
        .pool
        .submit(
            &mut e.lab,
            JobSpec {
                workers: 0,
                ..job(Method::Map, 10, ChunkChoice::Default)
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("1 to 52"), "{err}");
    assert_eq!(e.lab.live_count(), 0, "nothing was started");
}

#[test]
fn a_second_run_waits_for_the_first() {
    let mut e = engine();
    let slow = JobSpec {
        item_us: 5_000,
        ..job(Method::Imap, 200, ChunkChoice::Fixed(10))
    };
    e.pool.submit(&mut e.lab, slow).unwrap();
    let err = e.pool.submit(&mut e.lab, slow).unwrap_err();
    assert!(matches!(err, PoolError::Busy(1)), "{err}");
}
