//! The queue lab's log lines, each with the Python that does the same,
//! taken from the claims table (`claims::Queue`). Workers are `p1`, `p2`,
//! ... by their number, whatever their role, as everywhere in proclab.

use super::claims::Queue;
use crate::app::comms::{error, rate_words};
use crate::app::narrate::{Line, line, note};
use crate::lab::WorkerId;
use crate::lab::queue::QueueEvent;

fn p(id: WorkerId) -> String {
    format!("p{id}")
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn producer_started(id: WorkerId, pid: u32, rate: u32) -> Line {
    line(
        Queue::ProducerStart.fill(&[("p", &p(id))]),
        format!(
            "producer {id} (pid {pid}) puts items into q, {}",
            rate_words(rate)
        ),
    )
}

pub fn consumer_started(id: WorkerId, pid: u32, rate: u32) -> Line {
    line(
        Queue::ConsumerStart.fill(&[("p", &p(id))]),
        format!(
            "consumer {id} (pid {pid}) gets items from q, {}",
            rate_words(rate)
        ),
    )
}

pub fn producer_stopping(id: WorkerId) -> Line {
    line(
        Queue::StopProducer.fill(&[("id", &id.to_string())]),
        format!("producer {id} returns after its current put"),
    )
}

pub fn no_producer() -> Line {
    note(None, "no producer is running: start one with p".into())
}

pub fn sentinel_sent(depth: u64) -> Line {
    let place = if depth == 0 {
        "goes into an empty queue".to_string()
    } else {
        format!("waits behind {}", plural(depth, "item", "items"))
    };
    line(
        Queue::Sentinel.code().to_string(),
        format!("one consumer will stop: the sentinel {place}"),
    )
}

pub fn no_consumer_left() -> Line {
    note(
        None,
        "every running consumer already has a sentinel coming".into(),
    )
}

pub fn producer_rate(rate: u32) -> Line {
    let python = if rate == 0 {
        Queue::NoPace.code().to_string()
    } else {
        Queue::Pace.fill(&[("rate", &rate.to_string())])
    };
    line(python, format!("each producer puts {}", rate_words(rate)))
}

pub fn consumer_rate(rate: u32) -> Line {
    let python = if rate == 0 {
        Queue::NoWork.code().to_string()
    } else {
        Queue::Work.fill(&[("rate", &rate.to_string())])
    };
    line(
        python,
        format!("each consumer works through {}", rate_words(rate)),
    )
}

pub fn join_returned_at_once() -> Line {
    line(
        Queue::JoinAtOnce.code().to_string(),
        "nothing unfinished: every item put is done".into(),
    )
}

pub fn join_waiting(unfinished: u64) -> Line {
    note(
        Queue::JoinBlocks.code().to_string(),
        format!("{unfinished} unfinished: it returns when each has had task_done()"),
    )
}

pub fn shutdown(producers: &[WorkerId]) -> Vec<Line> {
    let n = producers.len() as u64;
    vec![
        line(
            Queue::StopAll.code().to_string(),
            format!(
                "shutting down: {} asked to return",
                plural(n, "producer", "producers")
            ),
        ),
        line(
            Queue::JoinProducers.code().to_string(),
            "then one sentinel per consumer, once they have".into(),
        ),
    ]
}

/// A queue event as a log line.
pub fn queue_event(e: &QueueEvent) -> Line {
    match *e {
        QueueEvent::Lost { id, count } => error(
            Queue::Lost.code().to_string(),
            format!(
                "worker {id} died holding {}: lost, and join() on the queue would wait for ever",
                plural(count, "item", "items")
            ),
        ),
        QueueEvent::SentinelPut { left } => line(
            Queue::SentinelWaited.code().to_string(),
            if left == 0 {
                "the sentinel went in".into()
            } else {
                format!("a sentinel went in; {left} more wait for room")
            },
        ),
        QueueEvent::JoinReturned => line(
            Queue::JoinReturned.code().to_string(),
            "every item put has been marked done".into(),
        ),
        QueueEvent::ProducersStopped { consumers } => line(
            Queue::SentinelEach.code().to_string(),
            format!(
                "producers joined; {} behind the backlog",
                plural(consumers as u64, "sentinel", "sentinels")
            ),
        ),
        QueueEvent::Stopped => line(
            Queue::JoinConsumers.code().to_string(),
            "every consumer drained the backlog and returned: shut down".into(),
        ),
        QueueEvent::Repaired { total } => note(
            None,
            format!(
                "a worker died holding the queue's lock: the next one got EOWNERDEAD, undid the half-made change, went on ({total} so far)"
            ),
        ),
        QueueEvent::Corrupt { total } => error(
            None,
            format!("a corrupted message was counted and skipped ({total} so far)"),
        ),
    }
}
