//! The task book's rules, on events made by hand.

use super::*;
use crate::lab::cluster::events::TaskEvent;
use crate::lab::cluster::link::Unacked;

fn spec(id: &str) -> TaskSpec {
    TaskSpec {
        id: id.into(),
        delivery_tag: format!("tag-{id}"),
        name: "tasks.count_primes".into(),
        args: vec![10.into()],
        args_repr: "(10,)".into(),
    }
}

fn ev(id: &str, node: &str, kind: TaskEventKind) -> TaskEvent {
    TaskEvent {
        kind,
        id: id.into(),
        hostname: node.into(),
        timestamp: 0.0,
    }
}

fn received(id: &str, node: &str) -> TaskEvent {
    ev(
        id,
        node,
        TaskEventKind::Received {
            name: "tasks.count_primes".into(),
            args: "(10,)".into(),
        },
    )
}

fn gauges(at: Instant, held: &[&str], tail: &[&str]) -> Gauges {
    Gauges {
        depth: tail.len() as u64,
        unacked: held.len() as u64,
        held: held
            .iter()
            .map(|id| Unacked {
                id: id.to_string(),
                delivery_tag: format!("tag-{id}"),
                since_epoch: Some(epoch_now() - 4.0),
            })
            .collect(),
        tail: tail.iter().map(|s| s.to_string()).collect(),
        tail_read: true,
        at,
    }
}

#[test]
fn a_batch_follows_each_task_and_ends_when_all_have() {
    let mut book = TaskBook::new(Duration::from_secs(10));
    let t0 = Instant::now();
    book.sending(1, &[spec("a"), spec("b")], t0);
    // An event may come before the broker thread says the batch is sent.
    assert!(book.on_task_event(&received("a", "n1"), t0).is_empty());
    book.sent(1, t0);
    book.on_task_event(&ev("a", "n1", TaskEventKind::Started), t0);
    let ok = TaskEventKind::Succeeded {
        result: "4".into(),
        runtime: 0.1,
    };
    assert!(
        book.on_task_event(&ev("a", "n1", ok.clone()), t0)
            .is_empty()
    );
    let failed = TaskEventKind::Failed {
        exception: "ValueError()".into(),
    };
    let t1 = t0 + Duration::from_secs(2);
    let out = book.on_task_event(&ev("b", "n2", failed), t1);
    assert!(matches!(&out[0], ClusterEvent::TaskFailed { id, .. } if id == "b"));
    let ClusterEvent::BatchDone {
        batch,
        count,
        wall,
        succeeded,
        failed,
        lost,
    } = out[1]
    else {
        panic!("{out:?}")
    };
    assert_eq!((batch, count, succeeded, failed, lost), (1, 2, 1, 1, 0));
    assert_eq!(wall, Duration::from_secs(2));
    let a = book.get("a").unwrap();
    let kinds: Vec<StepKind> = a.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Sent,
            StepKind::Received,
            StepKind::Started,
            StepKind::Succeeded
        ]
    );
    assert_eq!(a.result.as_deref(), Some("4"));
}

#[test]
fn a_dead_nodes_tasks_are_lost_or_redelivered_as_the_broker_says() {
    let mut book = TaskBook::new(Duration::from_secs(10));
    let t0 = Instant::now();
    book.sending(1, &[spec("run"), spec("held"), spec("back"), spec("q")], t0);
    book.sent(1, t0);
    for id in ["run", "held", "back"] {
        book.on_task_event(&received(id, "n1"), t0);
    }
    book.on_task_event(&ev("run", "n1", TaskEventKind::Started), t0);
    let died = t0 + Duration::from_secs(1);
    assert_eq!(book.node_died("n1", died), ["back", "held", "run"]);
    assert!(book.has_orphans());
    // A reading asked for before the death decides nothing, nor one
    // without the queue's tail.
    assert!(book.resolve_orphans(&gauges(t0, &["held"], &[])).is_empty());
    let mut no_tail = gauges(died + Duration::from_millis(100), &["held"], &["back"]);
    no_tail.tail_read = false;
    assert!(book.resolve_orphans(&no_tail).is_empty());
    let out = book.resolve_orphans(&gauges(
        died + Duration::from_millis(200),
        &["held"],
        &["back"],
    ));
    assert!(!book.has_orphans());
    assert!(out.contains(&ClusterEvent::TaskLost {
        id: "run".into(),
        node: "n1".into()
    }));
    let due = out.iter().find_map(|e| match e {
        ClusterEvent::TaskAwaitingRedelivery { id, due_in, .. } if id == "held" => *due_in,
        _ => None,
    });
    // Taken 4 s ago with a 10 s timeout: about 6 s to go.
    let due = due.unwrap().as_secs_f64();
    assert!((5.0..=6.5).contains(&due), "{due}");
    assert_eq!(
        book.get("back").unwrap().state,
        TaskState::AwaitingRedelivery
    );

    let later = died + Duration::from_secs(11);
    let out = book.on_task_event(&received("held", "n2"), later);
    let [
        ClusterEvent::TaskRedelivered {
            from,
            to,
            after_death,
            after_delivery,
            ..
        },
    ] = &out[..]
    else {
        panic!("{out:?}")
    };
    assert_eq!((from.as_str(), to.as_str()), ("n1", "n2"));
    assert_eq!(*after_death, Some(Duration::from_secs(11)));
    assert!(after_delivery.unwrap() >= Duration::from_secs(4));
    assert_eq!(book.get("held").unwrap().redeliveries, 1);
}

#[test]
fn a_lost_task_heard_of_again_is_redelivered_and_counted_once() {
    let mut book = TaskBook::new(Duration::from_secs(10));
    let t0 = Instant::now();
    book.sending(7, &[spec("x")], t0);
    book.sent(7, t0);
    book.on_task_event(&received("x", "n1"), t0);
    book.node_died("n1", t0);
    let out = book.resolve_orphans(&gauges(t0 + Duration::from_millis(1), &[], &[]));
    assert!(matches!(
        out.last(),
        Some(ClusterEvent::BatchDone { lost: 1, .. })
    ));
    let out = book.on_task_event(&received("x", "n2"), t0);
    assert!(matches!(&out[..], [ClusterEvent::TaskRedelivered { .. }]));
    let ok = TaskEventKind::Succeeded {
        result: "4".into(),
        runtime: 0.1,
    };
    // The batch was reported done already: not again.
    assert!(book.on_task_event(&ev("x", "n2", ok), t0).is_empty());
}

#[test]
fn the_queue_of_an_ended_broker_is_lost_and_an_unsent_batch_forgotten() {
    let mut book = TaskBook::new(Duration::from_secs(10));
    let t0 = Instant::now();
    book.sending(1, &[spec("a"), spec("b")], t0);
    book.sent(1, t0);
    book.on_task_event(&received("a", "n1"), t0);
    assert_eq!(book.queue_lost(t0), ["b"]);
    book.sending(2, &[spec("c")], t0);
    book.not_sent(2);
    assert!(book.get("c").is_none());
}
