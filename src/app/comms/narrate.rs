//! The queue, pipe and pipeline labs' log lines, each with the Python that
//! does the same. Workers are `p1`, `p2`, ... by their number, whatever
//! their role, as everywhere in proclab.

use crate::app::log::Level;
use crate::app::narrate::{Line, line, note};
use crate::lab::pipe::{PipeEvent, PipeMode};
use crate::lab::pipeline::PipelineEvent;
use crate::lab::queue::{QueueEvent, wait};
use crate::lab::{Role, WorkerId, WorkerSnapshot};

fn error(python: impl Into<Option<String>>, text: String) -> Line {
    Line {
        level: Level::Error,
        ..line(python, text)
    }
}

/// What a worker of these labs waits on, in words, from its slot.
pub fn wait_words(w: &WorkerSnapshot) -> Option<String> {
    let words = match (w.wait, w.role) {
        (wait::PUT, _) => "blocked on put",
        (wait::GET, _) => "waiting on get",
        (wait::LOCK, _) => "waiting for the lock",
        (wait::WORK, Role::Save) => "saving an item",
        (wait::WORK, Role::Fetch) => "fetching an item",
        (wait::WORK, _) => "working on an item",
        (wait::SEND, _) => "blocked on send",
        (wait::RECV, _) => "waiting on recv",
        (wait::PACE, Role::Producer) => "between puts",
        (wait::PACE, _) => "between sends",
        _ => return None,
    };
    Some(words.to_string())
}

/// A rate in words: "5/s", or "flat out".
pub fn rate_words(rate: u32) -> String {
    if rate == 0 {
        "flat out".into()
    } else {
        format!("{rate}/s")
    }
}

fn sleep_for(rate: u32) -> String {
    if rate == 0 {
        "no sleep".into()
    } else {
        format!("time.sleep(1/{rate})")
    }
}

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

pub fn pipe_mode(mode: PipeMode) -> Line {
    match mode {
        PipeMode::PingPong => line(
            "a, b = Pipe()".to_string(),
            "next pipe: duplex, a socket pair; one end pings, one answers".into(),
        ),
        PipeMode::Stream => line(
            "r, w = Pipe(duplex=False)".to_string(),
            "next pipe: one way, an OS pipe; one end sends, one reads".into(),
        ),
    }
}

pub fn pipe_rate(rate: u32) -> Line {
    line(
        format!("{}  # in the first end", sleep_for(rate)),
        format!("the first end sends {}", rate_words(rate)),
    )
}

pub fn pipe_started(mode: PipeMode, ids: [WorkerId; 2]) -> Vec<Line> {
    let [a, b] = ids;
    match mode {
        PipeMode::PingPong => vec![
            line(
                "a, b = Pipe()".to_string(),
                "a socket pair: each end can send and receive".into(),
            ),
            line(
                format!("p{a}.start(); p{b}.start()"),
                format!("worker {a} pings through a, worker {b} answers through b"),
            ),
        ],
        PipeMode::Stream => vec![
            line(
                "r, w = Pipe(duplex=False)".to_string(),
                "an OS pipe: w only sends, r only receives".into(),
            ),
            line(
                format!("p{a}.start(); p{b}.start()"),
                format!("worker {a} sends into w, worker {b} reads r until EOFError"),
            ),
        ],
    }
}

pub fn stage_ms(stage: usize, ms: u32) -> Line {
    let name = crate::lab::pipeline::STAGES[stage].label();
    let python = if ms == 0 {
        format!("{name}(item)  # no work")
    } else {
        format!("time.sleep({:.3})  # in {name}", f64::from(ms) / 1000.0)
    };
    line(
        python,
        format!("{name} takes {ms} ms per item ({})", per_second(ms)),
    )
}

fn per_second(ms: u32) -> String {
    if ms == 0 {
        "flat out".into()
    } else {
        format!("{:.1}/s at most", 1000.0 / f64::from(ms))
    }
}

pub fn pipeline_started(ids: [WorkerId; 3]) -> Vec<Line> {
    let [f, p, s] = ids;
    vec![
        line(
            "r, w = Pipe(duplex=False)".to_string(),
            "an OS pipe: fetch writes w, process reads r".into(),
        ),
        line(
            format!(
                "q = JoinableQueue(maxsize={})",
                crate::lab::pipeline::QUEUE_CAPACITY
            ),
            "a queue: process puts, save gets".into(),
        ),
        line(
            "for s in stages: s.start()".to_string(),
            format!("fetch is worker {f}, process {p}, save {s}"),
        ),
    ]
}

pub fn pipeline_stopping() -> Line {
    line(
        "w.send(None)  # in fetch, then return".to_string(),
        "stopping: the sentinel goes down the line behind the backlog".into(),
    )
}

/// An error, said once: "cannot start a consumer: ..." unless the error
/// already says what could not be done.
pub fn failed(what: &str, err: &dyn std::fmt::Display) -> Line {
    let err = err.to_string();
    if err.starts_with("cannot") {
        error(None, err)
    } else {
        error(None, format!("cannot {what}: {err}"))
    }
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

/// A pipe event as a log line.
pub fn pipe_event(e: &PipeEvent) -> Line {
    match *e {
        PipeEvent::Eof { id, role } => note(
            format!("except EOFError:  # in p{id}"),
            format!(
                "worker {id} ({}): recv() found the other end closed",
                role.label()
            ),
        ),
        PipeEvent::Broken { id, role } => note(
            format!("except BrokenPipeError:  # in p{id}"),
            format!(
                "worker {id} ({}): send() found the other end closed",
                role.label()
            ),
        ),
        PipeEvent::Finished { id, role } => line(
            format!("conn.close()  # in p{id}"),
            format!(
                "worker {id} ({}) sent all it had and closed its end",
                role.label()
            ),
        ),
    }
}

/// A pipeline event as a log line.
pub fn pipeline_event(e: &PipelineEvent) -> Line {
    match *e {
        PipelineEvent::StageDone { stage: 0, id } => line(
            "w.send(None); return".to_string(),
            format!("fetch (worker {id}) sent the sentinel and returned"),
        ),
        PipelineEvent::StageDone { stage: 1, id } => line(
            "q.put(None); return".to_string(),
            format!("process (worker {id}) passed the sentinel on and returned"),
        ),
        PipelineEvent::StageDone { id, .. } => line(
            "return  # item is None".to_string(),
            format!("save (worker {id}) got the sentinel: the pipeline is drained"),
        ),
        PipelineEvent::Eof { id } => note(
            "except EOFError: q.put(None)".to_string(),
            format!("process (worker {id}): the pipe closed with no sentinel; passing one on"),
        ),
        PipelineEvent::Broken { id } => note(
            "except BrokenPipeError:".to_string(),
            format!("fetch (worker {id}): nobody reads the pipe any more"),
        ),
        PipelineEvent::Lost { id, count } => error(
            None,
            format!("save (worker {id}) died holding {count} item(s): lost"),
        ),
    }
}

/// The current lab's settings, for the right of the header.
pub fn header(app: &crate::app::App) -> String {
    let c = &app.comms;
    match app.lab {
        crate::app::LabId::Queue => format!(
            "producers {} · consumers {} ",
            rate_words(c.queue.producer_rate),
            rate_words(c.queue.consumer_rate)
        ),
        crate::app::LabId::Pipe => format!(
            "next: {} · {} ",
            match c.pipe.mode {
                PipeMode::PingPong => "duplex",
                PipeMode::Stream => "one way",
            },
            rate_words(c.pipe.rate)
        ),
        _ => {
            let [f, p, s] = c.pipeline.stage_ms;
            format!("ms per item: fetch {f} · process {p} · save {s} ")
        }
    }
}
