//! The pipe lab's Python lines, its panel's and its log's, each with the
//! CPython witness that backs it (see `crate::app::claims`): `Pipe()`, the
//! ends each process closes or leaves open, and when an end meets
//! `EOFError` or `BrokenPipeError`, or waits for ever.

use crate::app::claims::{Lab, LabCheck, claims, py, w};

/// The pipe witnesses' case for both start methods, with one outcome.
macro_rules! both {
    ($file:literal, $case:literal, $expect:literal) => {
        [
            w($file, concat!($case, "_fork"), $expect),
            w($file, concat!($case, "_spawn"), $expect),
        ]
    };
}

claims! {
    /// The pipe lab's lines and its panel's. `{end}` is the end a process
    /// uses (`r`, `w`, `a` or `b`), `{other}` the end at the other side.
    Pipe {
        Duplex => py(
            "a, b = Pipe()",
            "a duplex pipe (a socket pair): each end sends and receives",
            &both!("pipe", "pipe_ends", r#"{"duplex_round_trip": "ping-pong"}"#),
            Lab::Nothing,
        ),
        OneWay => py(
            "r, w = Pipe(duplex=False)",
            "a one-way pipe (an OS pipe): r only receives, w only sends (OSError otherwise)",
            &both!("pipe", "pipe_ends", r#"{"r_send": "OSError", "w_recv": "OSError"}"#),
            Lab::Nothing,
        ),
        StartBoth => py(
            "{p}.start(); {p2}.start()",
            "each end runs in its own process",
            &both!("pipe", "sender_closes", r#"{"received": 100, "sender_exit": 0}"#),
            Lab::Nothing,
        ),
        /// The ends no process of the parent's uses, closed by the parent.
        CloseInParent => py(
            "{end}.close(); {other}.close()  # in the parent, after start()",
            "the parent's copies would keep the pipe open: closed, only the processes' ends are left",
            &[
                w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "oneway_recv_ends_closed_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "duplex_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
            ],
            Lab::Same(LabCheck::PipeEof),
        ),
        /// The end a process does not use, closed first thing in it.
        CloseUnused => py(
            "{other}.close()  # first thing in {p}, which uses {end}",
            "each process holds both ends (inherited under fork, or passed in): until it closes the one it does not use, the other side never sees EOFError or BrokenPipeError",
            &[
                w("pipe", "oneway_recv_parent_closes_fork", r#"{"recv": "hang", "held_by": ["receiver"]}"#),
                w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError"}"#),
                w("pipe", "oneway_send_ends_closed_fork", r#"{"send": "BrokenPipeError"}"#),
            ],
            Lab::Nothing,
        ),
        /// The classic bug: no end closed anywhere.
        LeftOpen => py(
            "# no close() anywhere: every process keeps {end} and {other}",
            "with every end left open, an end whose other side dies waits for ever: the parent and the survivor itself still hold the other end",
            &[
                w("pipe", "oneway_recv_ends_open_fork", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "oneway_send_ends_open_fork", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "duplex_recv_ends_open_spawn", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
            ],
            Lab::Same(LabCheck::PipeEofOpen),
        ),
        /// The parent closed its ends; the receiver was handed only r.
        ParentCloseOnly => py(
            "w.close()  # in the parent only",
            "not enough under fork: the receiver inherited w and recv() blocks; under spawn it holds only what it was handed, and gets EOFError",
            &[
                w("pipe", "oneway_recv_parent_closes_fork", r#"{"recv": "hang"}"#),
                w("pipe", "oneway_recv_parent_closes_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
            ],
            Lab::Nothing,
        ),
        /// recv() once the other end is gone and every copy of it closed.
        Eof => py(
            "{end}.recv()  # in {p}: EOFError, every copy of {other} is closed",
            "recv() raises EOFError only once every copy of the other end is closed",
            &[
                w("pipe", "oneway_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "oneway_recv_ends_closed_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "duplex_recv_ends_closed_fork", r#"{"recv": "EOFError", "held_by": []}"#),
                w("pipe", "duplex_recv_ends_closed_spawn", r#"{"recv": "EOFError", "held_by": []}"#),
            ],
            Lab::Same(LabCheck::PipeEof),
        ),
        /// recv() once the sender is gone, with ends left open.
        EofNever => py(
            "{end}.recv()  # in {p}: blocks forever, {other} is still open in {names}",
            "with a copy of the other end still open (the parent's, or its own), recv() blocks forever after the sender dies",
            &[
                w("pipe", "oneway_recv_ends_open_fork", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "oneway_recv_ends_open_spawn", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "duplex_recv_ends_open_fork", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
                w("pipe", "duplex_recv_ends_open_spawn", r#"{"recv": "hang", "held_by": ["parent", "receiver"]}"#),
            ],
            Lab::Same(LabCheck::PipeEofOpen),
        ),
        Broken => py(
            "{end}.send(item)  # in {p}: BrokenPipeError, every copy of {other} is closed",
            "send() raises BrokenPipeError once every copy of the reading end is closed",
            &[
                w("pipe", "oneway_send_ends_closed_fork", r#"{"send": "BrokenPipeError", "held_by": []}"#),
                w("pipe", "oneway_send_ends_closed_spawn", r#"{"send": "BrokenPipeError", "held_by": []}"#),
                w("pipe", "duplex_send_ends_closed_fork", r#"{"send": "BrokenPipeError", "held_by": []}"#),
                w("pipe", "duplex_send_ends_closed_spawn", r#"{"send": "BrokenPipeError", "held_by": []}"#),
            ],
            Lab::Same(LabCheck::PipeBroken),
        ),
        BrokenNever => py(
            "{end}.send(item)  # in {p}: blocks once the pipe is full, {other} is still open in {names}",
            "with a copy of the reading end still open, send() after the reader dies fills the pipe and then blocks forever",
            &[
                w("pipe", "oneway_send_ends_open_fork", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "oneway_send_ends_open_spawn", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "duplex_send_ends_open_fork", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
                w("pipe", "duplex_send_ends_open_spawn", r#"{"send": "hang", "held_by": ["parent", "sender"]}"#),
            ],
            Lab::Same(LabCheck::PipeBrokenOpen),
        ),
        /// The sender is done and closes its end.
        SenderCloses => py(
            "{end}.close()  # in {p}: all sent",
            "the receiver reads every item, then recv() raises EOFError",
            &both!("pipe", "sender_closes", r#"{"received": 100, "then": "EOFError", "sender_exit": 0}"#),
            Lab::Nothing,
        ),
        Pace => py(
            "time.sleep(1/{rate})  # between sends",
            "a sleep of 1/rate between sends: at most rate messages a second",
            &[w("queues", "paced_producer", r#"{"at_most_the_rate": true}"#)],
            Lab::Nothing,
        ),
        NoPace => py(
            "# no sleep between sends: flat out",
            "with no sleep an end sends as fast as the pipe takes messages",
            &both!("pipe", "sender_closes", r#"{"received": 100}"#),
            Lab::Nothing,
        ),
    }
}
