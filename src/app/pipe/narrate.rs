//! The pipe lab's log lines, each with the Python that does the same,
//! taken from the claims table (`claims::Pipe`).

use super::claims::Pipe;
use crate::app::comms::{HeldOpen, rate_words};
use crate::app::narrate::{Line, line, note};
use crate::lab::comms::Ends;
use crate::lab::pipe::{PipeEvent, PipeMode};
use crate::lab::{Role, WorkerId};

/// The variable of the end a role uses, and of the end at the other side:
/// `a, b = Pipe()` (the pinger uses a) or `r, w = Pipe(duplex=False)`.
pub fn end_names(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Ping => ("a", "b"),
        Role::Pong => ("b", "a"),
        Role::Sender => ("w", "r"),
        _ => ("r", "w"),
    }
}

/// The pipe's two variables, in the order the code makes them.
fn pair_names(mode: PipeMode) -> (&'static str, &'static str) {
    match mode {
        PipeMode::PingPong => ("a", "b"),
        PipeMode::Stream => ("r", "w"),
    }
}

/// The code that makes the pipe.
pub fn make(mode: PipeMode) -> &'static str {
    match mode {
        PipeMode::PingPong => Pipe::Duplex.code(),
        PipeMode::Stream => Pipe::OneWay.code(),
    }
}

/// The code that says what happens to the unused ends: closed by the
/// parent after `start()`, or left open everywhere.
pub fn ends_code(mode: PipeMode, ends: Ends) -> String {
    let (x, y) = pair_names(mode);
    let values = [("end", x), ("other", y)];
    match ends {
        Ends::Closed => Pipe::CloseInParent.fill(&values),
        Ends::Open => Pipe::LeftOpen.fill(&values),
    }
}

pub fn pipe_mode(mode: PipeMode) -> Line {
    let text = match mode {
        PipeMode::PingPong => "next pipe: duplex, a socket pair; one end pings, one answers",
        PipeMode::Stream => "next pipe: one way, an OS pipe; one end sends, one reads",
    };
    line(make(mode).to_string(), text.into())
}

pub fn pipe_ends(mode: PipeMode, ends: Ends) -> Line {
    let text = match ends {
        Ends::Closed => {
            "next pipe: ends closed, by the parent after start() and by each process the end it does not use"
        }
        Ends::Open => {
            "next pipe: ends left open, the classic bug: an end whose other side dies waits for ever"
        }
    };
    line(ends_code(mode, ends), text.into())
}

pub fn pipe_rate(rate: u32) -> Line {
    let python = if rate == 0 {
        Pipe::NoPace.code().to_string()
    } else {
        Pipe::Pace.fill(&[("rate", &rate.to_string())])
    };
    line(python, format!("the first end sends {}", rate_words(rate)))
}

pub fn pipe_started(mode: PipeMode, ends: Ends, ids: [WorkerId; 2]) -> Vec<Line> {
    let [a, b] = ids;
    let (pa, pb) = (format!("p{a}"), format!("p{b}"));
    let [ra, rb] = mode.roles();
    let start = Pipe::StartBoth.fill(&[("p", &pa), ("p2", &pb)]);
    let (x, y) = pair_names(mode);
    let mut lines = match mode {
        PipeMode::PingPong => vec![
            line(
                make(mode).to_string(),
                "a socket pair: each end can send and receive".into(),
            ),
            line(
                start,
                format!("worker {a} pings through a, worker {b} answers through b"),
            ),
        ],
        PipeMode::Stream => vec![
            line(
                make(mode).to_string(),
                "an OS pipe: w only sends, r only receives".into(),
            ),
            line(
                start,
                match ends {
                    Ends::Closed => format!("worker {a} sends into w, worker {b} reads r until EOFError"),
                    Ends::Open => format!("worker {a} sends into w, worker {b} reads r"),
                },
            ),
        ],
    };
    match ends {
        Ends::Closed => {
            lines.push(line(
                ends_code(mode, ends),
                format!("proclab, the parent, closes its copies of {x} and {y}"),
            ));
            for (id, role, p) in [(a, ra, &pa), (b, rb, &pb)] {
                let (end, other) = end_names(role);
                lines.push(line(
                    Pipe::CloseUnused.fill(&[("other", other), ("p", p), ("end", end)]),
                    format!("worker {id} closes the {other} it holds and does not use"),
                ));
            }
        }
        Ends::Open => lines.push(note(
            ends_code(mode, ends),
            format!(
                "ends left open: proclab and workers {a} and {b} each hold {x} and {y}; if one end dies, the other waits for ever"
            ),
        )),
    }
    lines
}

/// A pipe event as a log line.
pub fn pipe_event(e: &PipeEvent) -> Line {
    match e {
        PipeEvent::Eof { id, role } => {
            let (end, other) = end_names(*role);
            note(
                Pipe::Eof.fill(&[("end", end), ("p", &format!("p{id}")), ("other", other)]),
                format!(
                    "worker {id} ({}) caught EOFError: every copy of {other} is closed; it returns",
                    role.label()
                ),
            )
        }
        PipeEvent::Broken { id, role } => {
            let (end, other) = end_names(*role);
            note(
                Pipe::Broken.fill(&[("end", end), ("p", &format!("p{id}")), ("other", other)]),
                format!(
                    "worker {id} ({}) caught BrokenPipeError: every copy of {other} is closed; it returns",
                    role.label()
                ),
            )
        }
        PipeEvent::Finished { id, role } => {
            let (end, _) = end_names(*role);
            line(
                Pipe::SenderCloses.fill(&[("end", end), ("p", &format!("p{id}"))]),
                format!(
                    "worker {id} ({}) sent all it had and closed {end}",
                    role.label()
                ),
            )
        }
        PipeEvent::HeldOpen { id, role, holders } => {
            let held = held_open(*id, *role, holders.clone());
            let (end, other) = end_names(*role);
            let values = [
                ("end", end),
                ("p", &format!("p{id}")),
                ("other", other),
                ("names", &held.python_names()),
            ];
            let (python, waits) = if *role == Role::Sender {
                (
                    Pipe::BrokenNever.fill(&values),
                    "fills the pipe, then waits in send() for ever",
                )
            } else {
                (Pipe::EofNever.fill(&values), "waits in recv() for ever")
            };
            note(
                python,
                format!(
                    "worker {id} ({}) {waits}: {other} is still open in {}",
                    role.label(),
                    held.words()
                ),
            )
        }
    }
}

/// What the panel keeps of a [`PipeEvent::HeldOpen`].
pub fn held_open(
    id: WorkerId,
    role: Role,
    holders: Vec<crate::lab::comms::holders::Holder>,
) -> HeldOpen {
    HeldOpen {
        id,
        other: end_names(role).1,
        holders,
    }
}
