//! The pipe lab's log lines, each with the Python that does the same.

use crate::app::comms::{rate_words, sleep_for};
use crate::app::narrate::{Line, line, note};
use crate::lab::WorkerId;
use crate::lab::pipe::{PipeEvent, PipeMode};

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
