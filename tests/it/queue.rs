//! The queue with real producer and consumer processes: back-pressure,
//! sentinel shutdown, exact loss counting, a corrupted message, and waiters
//! killed in their sleep; then a property test of exactly-once delivery.

use std::time::{Duration, Instant};

use crate::common::*;
use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::queue::{QueueEvent, wait};
use proclab::lab::{Status, WorkerId, WorkerSnapshot};
use proptest::prelude::*;

fn engine() -> Engine {
    Engine::new(lab())
}

fn worker(engine: &Engine, id: WorkerId) -> WorkerSnapshot {
    engine
        .lab
        .snapshot()
        .into_iter()
        .find(|w| w.id == id)
        .expect("a worker we started")
}

/// Polls the engine until `cond` holds, gathering the queue's events.
fn poll_until(
    engine: &mut Engine,
    what: &str,
    mut cond: impl FnMut(&mut Engine) -> bool,
) -> Vec<QueueEvent> {
    let start = Instant::now();
    let mut events = Vec::new();
    loop {
        events.extend(engine.poll().into_iter().filter_map(|e| match e {
            EngineEvent::Queue(q) => Some(q),
            _ => None,
        }));
        if cond(engine) {
            return events;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "gave up after {PATIENCE:?} waiting for {what}; totals {:?}",
            engine.queue.stats(&engine.lab).totals
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn exited(engine: &Engine, id: WorkerId) -> Option<i32> {
    engine.lab.status(id).ok().and_then(Status::exitcode)
}

#[test]
fn a_full_queue_blocks_producers_until_it_is_drained() {
    let mut e = engine();
    e.queue.set_capacity(&mut e.lab, 4).unwrap();
    e.queue.set_rates(&e.lab, 0, 0);
    let p = e.queue.add_producer(&mut e.lab, None).unwrap();
    poll_until(&mut e, "the queue to fill and the producer to block", |e| {
        e.queue.stats(&e.lab).totals.depth() == 4 && worker(e, p).wait == wait::PUT
    });
    // Blocked: no progress at all while nobody gets.
    let put = e.queue.stats(&e.lab).totals.tail;
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(
        e.queue.stats(&e.lab).totals.tail,
        put,
        "a blocked producer puts nothing"
    );
    assert_eq!(worker(&e, p).wait, wait::PUT);

    let c = e.queue.add_consumer(&mut e.lab).unwrap();
    poll_until(&mut e, "the producer to resume", |e| {
        e.queue.stats(&e.lab).totals.tail > put + 100
    });
    let ids = e.queue.begin_shutdown(&mut e.lab);
    assert_eq!(ids, vec![p]);
    poll_until(&mut e, "the shutdown", |e| {
        exited(e, p).is_some() && exited(e, c).is_some()
    });
    assert_eq!((exited(&e, p), exited(&e, c)), (Some(0), Some(0)));
}

#[test]
fn consumers_drain_the_backlog_then_stop_on_their_sentinels() {
    let mut e = engine();
    e.queue.set_capacity(&mut e.lab, 256).unwrap();
    e.queue.set_rates(&e.lab, 0, 2000);
    // A consumer stopped early by its own sentinel stays a zombie until
    // the shutdown joins every consumer.
    let early = e.queue.add_consumer(&mut e.lab).unwrap();
    assert!(e.queue.send_sentinel(&mut e.lab));
    poll_until(&mut e, "the early consumer to return", |e| {
        exited(e, early) == Some(0)
    });
    let producers = [
        e.queue.add_producer(&mut e.lab, Some(60)).unwrap(),
        e.queue.add_producer(&mut e.lab, Some(60)).unwrap(),
    ];
    poll_until(&mut e, "the producers to put all", |e| {
        producers.iter().all(|&p| exited(e, p) == Some(0))
    });
    assert_eq!(
        e.queue.stats(&e.lab).totals.depth(),
        120,
        "a backlog of 120"
    );
    let consumers = [
        e.queue.add_consumer(&mut e.lab).unwrap(),
        e.queue.add_consumer(&mut e.lab).unwrap(),
    ];
    e.queue.begin_shutdown(&mut e.lab);
    // Joined, not only ended: a consumer may end between the engine's
    // reaping and the queue's look, and is reaped at the next poll.
    let events = poll_until(&mut e, "both consumers to stop and be joined", |e| {
        consumers
            .iter()
            .all(|&c| matches!(e.lab.status(c), Ok(Status::Joined(_))))
    });
    let events: Vec<QueueEvent> = events.into_iter().chain(e.queue.poll(&mut e.lab)).collect();
    for c in consumers {
        assert_eq!(
            exited(&e, c),
            Some(0),
            "a consumer stopped by a sentinel returns"
        );
    }
    for c in consumers.into_iter().chain([early]) {
        assert!(
            matches!(e.lab.status(c), Ok(Status::Joined(0))),
            "consumer {c} joined: {:?}",
            e.lab.status(c)
        );
    }
    let t = e.queue.stats(&e.lab).totals;
    assert_eq!(t.tail, 123, "120 items and 3 sentinels");
    assert_eq!((t.done, t.lost, t.depth(), t.unfinished()), (123, 0, 0, 0));
    assert!(t.balanced());
    let done: u64 = consumers.iter().map(|&c| worker(&e, c).tasks_done).sum();
    assert_eq!(done, 120, "the whole backlog was worked through first");
    assert!(
        events.contains(&QueueEvent::ProducersStopped { consumers: 2 }),
        "{events:?}"
    );
    assert!(events.contains(&QueueEvent::Stopped), "{events:?}");
}

#[test]
fn a_consumer_killed_while_it_holds_an_item_loses_exactly_that_item() {
    let mut e = engine();
    e.queue.set_rates(&e.lab, 0, 1);
    let p = e.queue.add_producer(&mut e.lab, Some(5)).unwrap();
    let c = e.queue.add_consumer(&mut e.lab).unwrap();
    poll_until(&mut e, "the consumer to work on an item", |e| {
        worker(e, c).wait == wait::WORK && exited(e, p) == Some(0)
    });
    e.lab.kill(c).unwrap();
    let events = poll_until(&mut e, "the loss to be counted", |e| {
        e.queue.stats(&e.lab).totals.lost > 0
    });
    assert!(
        events.contains(&QueueEvent::Lost { id: c, count: 1 }),
        "{events:?}"
    );
    let t = e.queue.stats(&e.lab).totals;
    assert_eq!((t.lost, t.depth(), t.done), (1, 4, 0));
    assert_eq!(
        t.unfinished(),
        5,
        "the lost item is never done: q.join() would hang"
    );
    assert!(t.balanced());
}

#[test]
fn waiters_killed_in_their_sleep_hang_nobody() {
    // glibc's condition variables hang the next signaller after a waiter
    // is killed; the queue's futex words must not.
    let mut e = engine();
    e.queue.set_capacity(&mut e.lab, 2).unwrap();
    e.queue.set_rates(&e.lab, 0, 0);
    for _ in 0..3 {
        let c = e.queue.add_consumer(&mut e.lab).unwrap();
        poll_until(&mut e, "a consumer to wait on get", |e| {
            worker(e, c).wait == wait::GET
        });
        e.lab.kill(c).unwrap();
        e.lab.join(c, Some(PATIENCE)).unwrap();
    }
    for _ in 0..3 {
        let p = e.queue.add_producer(&mut e.lab, None).unwrap();
        poll_until(&mut e, "a producer to block on put", |e| {
            worker(e, p).wait == wait::PUT
        });
        e.lab.kill(p).unwrap();
        e.lab.join(p, Some(PATIENCE)).unwrap();
    }
    let c = e.queue.add_consumer(&mut e.lab).unwrap();
    let p = e.queue.add_producer(&mut e.lab, Some(500)).unwrap();
    poll_until(&mut e, "500 items to pass", |e| {
        exited(e, p) == Some(0) && e.queue.stats(&e.lab).totals.depth() == 0
    });
    assert!(e.queue.send_sentinel(&mut e.lab));
    poll_until(&mut e, "the consumer to stop", |e| exited(e, c) == Some(0));
    let t = e.queue.stats(&e.lab).totals;
    assert_eq!(t.lost, 0);
    assert!(t.balanced());
}

#[test]
fn a_corrupted_message_is_counted_and_skipped() {
    let mut e = engine();
    e.queue.set_rates(&e.lab, 0, 0);
    let p = e.queue.add_producer(&mut e.lab, Some(10)).unwrap();
    poll_until(&mut e, "ten items queued", |e| exited(e, p) == Some(0));
    assert!(e.queue.scribble(&e.lab, 3).unwrap());
    let c = e.queue.add_consumer(&mut e.lab).unwrap();
    let events = poll_until(&mut e, "the queue to drain", |e| {
        let t = e.queue.stats(&e.lab).totals;
        t.depth() == 0 && t.unfinished() == 0
    });
    let events: Vec<QueueEvent> = events.into_iter().chain(e.queue.poll(&mut e.lab)).collect();
    assert!(
        events.contains(&QueueEvent::Corrupt { total: 1 }),
        "{events:?}"
    );
    assert_eq!(
        worker(&e, c).tasks_done,
        9,
        "the nine good items were worked"
    );
    assert!(worker(&e, c).status.is_alive(), "the consumer went on");
}

/// One run of the property: producers put their items flat out, consumers
/// work through them, one consumer may be killed midway; then the clean
/// shutdown. Every message put must be done or counted lost, once.
fn run_mix(producers: &[u64], consumers: usize, capacity: u64, kill: bool) {
    let mut e = engine();
    e.queue.set_capacity(&mut e.lab, capacity).unwrap();
    e.queue.set_rates(&e.lab, 0, 5000);
    let cs: Vec<WorkerId> = (0..consumers)
        .map(|_| e.queue.add_consumer(&mut e.lab).unwrap())
        .collect();
    let ps: Vec<WorkerId> = producers
        .iter()
        .map(|&n| e.queue.add_producer(&mut e.lab, Some(n)).unwrap())
        .collect();
    let total: u64 = producers.iter().sum();
    let mut killed = None;
    if kill {
        poll_until(&mut e, "a third of the items to be got", |e| {
            e.queue.stats(&e.lab).totals.head * 3 >= total
        });
        e.lab.kill(cs[0]).unwrap();
        killed = Some(cs[0]);
        // Seen ended before the shutdown counts the consumers left: on a
        // busy machine SIGKILL takes a moment, and a consumer still alive
        // would be owed a sentinel of its own.
        poll_until(&mut e, "the killed consumer to end", |e| {
            exited(e, cs[0]).is_some()
        });
        // Someone has to drain the rest.
        e.queue.add_consumer(&mut e.lab).unwrap();
    }
    // Every producer puts all it has; then the shutdown.
    poll_until(&mut e, "the producers to finish", |e| {
        ps.iter().all(|&p| exited(e, p).is_some())
    });
    e.queue.begin_shutdown(&mut e.lab);
    poll_until(&mut e, "every worker to end", |e| {
        e.lab.snapshot().iter().all(|w| !w.status.is_alive())
    });
    e.queue.poll(&mut e.lab);
    for w in e.lab.snapshot() {
        if Some(w.id) != killed {
            assert_eq!(
                w.status.exitcode(),
                Some(0),
                "worker {} ({:?})",
                w.id,
                w.role
            );
        }
    }
    let t = e.queue.stats(&e.lab).totals;
    let sentinels = t.tail - total;
    assert!(t.consistent);
    assert_eq!(t.depth(), 0);
    assert_eq!(t.done + t.lost, t.tail, "each message done or lost: {t:?}");
    assert!(
        t.balanced(),
        "the identities add up: none lost uncounted, none twice: {t:?}"
    );
    if !kill {
        assert_eq!(t.lost, 0);
    }
    assert!(sentinels >= consumers as u64);
    for (&p, &n) in ps.iter().zip(producers) {
        assert_eq!(worker(&e, p).tasks_done, n, "producer {p} put all it had");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        max_shrink_iters: 4,
        .. ProptestConfig::default()
    })]

    #[test]
    fn every_message_is_delivered_once_or_counted_lost(
        producers in prop::collection::vec(1u64..400, 1..4),
        consumers in 1usize..4,
        capacity in 1u64..64,
        kill in any::<bool>(),
    ) {
        run_mix(&producers, consumers, capacity, kill);
    }
}

#[test]
fn workers_killed_at_random_moments_leave_the_counts_exact() {
    // Flat out, workers spend much of their time inside the queue's lock:
    // some of these kills land there, and the next locker must repair.
    let mut e = engine();
    e.queue.set_capacity(&mut e.lab, 32).unwrap();
    e.queue.set_rates(&e.lab, 0, 0);
    let p = e.queue.add_producer(&mut e.lab, None).unwrap();
    let mut lost = 0;
    for round in 0..20u64 {
        let c = e.queue.add_consumer(&mut e.lab).unwrap();
        let seen = e.queue.stats(&e.lab).totals.head;
        poll_until(&mut e, "the consumer to get going", |e| {
            e.queue.stats(&e.lab).totals.head > seen + 100
        });
        // Spread the kills over the consumer's loop.
        std::thread::sleep(Duration::from_micros(137 * round));
        e.lab.kill(c).unwrap();
        e.lab.join(c, Some(PATIENCE)).unwrap();
        poll_until(&mut e, "the fold", |_| true);
        lost = e.queue.stats(&e.lab).totals.lost;
    }
    e.lab.kill(p).unwrap();
    e.lab.join(p, Some(PATIENCE)).unwrap();
    let t = e.queue.stats(&e.lab).totals;
    eprintln!("lost {lost}, lock repaired {} times", t.repaired);
    assert!(t.consistent);
    assert_eq!(t.done + t.lost + t.depth(), t.tail, "{t:?}");
    assert!(t.balanced(), "{t:?}");
}
