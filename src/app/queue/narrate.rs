//! The queue lab's log lines, each with the Python that does the same.
//! Workers are `p1`, `p2`, ... by their number, whatever their role, as
//! everywhere in proclab.

use crate::app::comms::{error, rate_words, sleep_for};
use crate::app::narrate::{Line, line, note};
use crate::lab::WorkerId;
use crate::lab::queue::QueueEvent;

pub fn producer_started(id: WorkerId, pid: u32, rate: u32) -> Line {
    line(
        format!("p{id}.start()  # producer(q)"),
        format!(
            "producer {id} (pid {pid}) puts items into q, {}",
            rate_words(rate)
        ),
    )
}

pub fn consumer_started(id: WorkerId, pid: u32, rate: u32) -> Line {
    line(
        format!("p{id}.start()  # consumer(q)"),
        format!(
            "consumer {id} (pid {pid}) gets items from q, {}",
            rate_words(rate)
        ),
    )
}

pub fn producer_stopping(id: WorkerId) -> Line {
    line(
        format!("stop[{id}].set()"),
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
        format!(
            "waits behind {depth} item{}",
            if depth == 1 { "" } else { "s" }
        )
    };
    line(
        "q.put(None)  # a sentinel".to_string(),
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
    line(
        format!("{}  # in producers", sleep_for(rate)),
        format!("each producer puts {}", rate_words(rate)),
    )
}

pub fn consumer_rate(rate: u32) -> Line {
    line(
        format!("{}  # in consumers", sleep_for(rate)),
        format!("each consumer works through {}", rate_words(rate)),
    )
}

pub fn join_returned_at_once() -> Line {
    line(
        "q.join()  # returns at once".to_string(),
        "nothing unfinished: every item put is done".into(),
    )
}

pub fn join_waiting(unfinished: u64) -> Line {
    note(
        "q.join()  # blocks".to_string(),
        format!("{unfinished} unfinished: it returns when each has had task_done()"),
    )
}

pub fn shutdown(producers: &[WorkerId]) -> Vec<Line> {
    let mut lines = vec![line(
        "for e in stops: e.set()".to_string(),
        format!(
            "shutting down: {} producer{} asked to return",
            producers.len(),
            if producers.len() == 1 { "" } else { "s" }
        ),
    )];
    lines.push(line(
        "for p in producers: p.join()".to_string(),
        "then one sentinel per consumer, once they have".into(),
    ));
    lines
}

/// A queue event as a log line.
pub fn queue_event(e: &QueueEvent) -> Line {
    match *e {
        QueueEvent::Lost { id, count } => error(
            "q.task_done()  # never comes".to_string(),
            format!(
                "worker {id} died holding {count} item{}: lost (q.join() would wait forever)",
                if count == 1 { "" } else { "s" }
            ),
        ),
        QueueEvent::SentinelPut { left } => line(
            "q.put(None)  # had to wait for room".to_string(),
            if left == 0 {
                "the sentinel went in".into()
            } else {
                format!("a sentinel went in; {left} more wait for room")
            },
        ),
        QueueEvent::JoinReturned => line(
            "q.join()  # returned".to_string(),
            "every item put has been marked done".into(),
        ),
        QueueEvent::ProducersStopped { consumers } => line(
            "for _ in consumers: q.put(None)".to_string(),
            format!(
                "producers joined; {consumers} sentinel{} behind the backlog",
                if consumers == 1 { "" } else { "s" }
            ),
        ),
        QueueEvent::Stopped => line(
            "for c in consumers: c.join()".to_string(),
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
