//! The words for what happened: each action and event as a log line, with
//! the Python that does the same. Workers are named `p1`, `p2`, ... as a
//! script would name its `Process` objects.

use crate::lab::{LabError, WorkerId, describe_exitcode};

use super::log::Level;

/// A log line before it is timestamped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub python: Option<String>,
    pub text: String,
    pub level: Level,
}

/// A line of the log at the usual level.
pub(crate) fn line(python: impl Into<Option<String>>, text: String) -> Line {
    Line {
        python: python.into(),
        text,
        level: Level::Info,
    }
}

/// A line of the log that explains rather than reports.
pub(crate) fn note(python: impl Into<Option<String>>, text: String) -> Line {
    Line {
        level: Level::Note,
        ..line(python, text)
    }
}

/// Why a process ended, from its exitcode.
pub fn why_exited(code: i32) -> String {
    match code {
        0 => "run() returned".into(),
        1 => "uncaught exception".into(),
        -9 => "killed by SIGKILL".into(),
        -15 => "terminated by SIGTERM".into(),
        c if c < 0 => format!("ended by signal {}", -c),
        c => format!("sys.exit({c})"),
    }
}

pub fn started(id: WorkerId, pid: u32, daemon: bool, target: &str) -> Line {
    let daemon = if daemon { ", a daemon" } else { "" };
    line(
        format!("p{id}.start()"),
        format!("worker {id} started: pid {pid}, target={target}{daemon}"),
    )
}

pub fn paused(id: WorkerId) -> Line {
    line(
        format!("os.kill(p{id}.pid, signal.SIGSTOP)"),
        format!("worker {id} stopped where it was: state T"),
    )
}

pub fn resumed(id: WorkerId) -> Line {
    line(
        format!("os.kill(p{id}.pid, signal.SIGCONT)"),
        format!("worker {id} continues where it stopped"),
    )
}

pub fn terminated(id: WorkerId, continued: bool) -> Vec<Line> {
    let mut lines = vec![line(
        format!("p{id}.terminate()"),
        format!("SIGTERM to worker {id}: no finally block runs"),
    )];
    if continued {
        lines.push(note(
            format!("os.kill(p{id}.pid, signal.SIGCONT)"),
            format!("worker {id} was paused: SIGCONT too, or SIGTERM waits"),
        ));
    }
    lines
}

pub fn killed(id: WorkerId) -> Line {
    line(
        format!("p{id}.kill()"),
        format!("SIGKILL to worker {id}: cannot be caught"),
    )
}

pub fn exited(id: WorkerId, code: i32) -> Line {
    note(
        format!("p{id}.is_alive()  # False"),
        format!(
            "worker {id} ended, {}: a zombie until joined",
            why_exited(code)
        ),
    )
}

pub fn joined(id: WorkerId, code: i32) -> Line {
    line(
        format!("p{id}.join()  # p{id}.exitcode == {code}"),
        format!("worker {id} reaped: exitcode {}", describe_exitcode(code)),
    )
}

pub fn join_pending(id: WorkerId, paused: bool) -> Line {
    let why = if paused {
        "it is paused, so join waits for a resume or a signal"
    } else {
        "it still runs: join waits until it ends"
    };
    note(
        format!("p{id}.join()  # blocks"),
        format!("worker {id} has not ended: {why}"),
    )
}

pub fn nothing_to_join() -> Line {
    line(
        "multiprocessing.active_children()".to_string(),
        "no ended worker waits to be joined".into(),
    )
}

pub fn raise_requested(id: WorkerId, paused: bool) -> Line {
    let when = if paused { " when it is resumed" } else { "" };
    line(
        format!("raise RuntimeError()  # inside p{id}"),
        format!("worker {id} raises{when}: uncaught, exitcode 1"),
    )
}

pub fn exit_requested(id: WorkerId, code: u8, paused: bool) -> Line {
    let when = if paused { " when it is resumed" } else { "" };
    line(
        format!("sys.exit({code})  # inside p{id}"),
        format!("worker {id} exits{when}: exitcode {code}"),
    )
}

pub fn daemon_set(on: bool) -> Line {
    let text = if on {
        "new workers are daemons: killed when proclab quits"
    } else {
        "new workers are not daemons: terminated and joined when proclab quits"
    };
    let python = if on { "True" } else { "False" };
    line(
        format!("p.daemon = {python}  # before p.start()"),
        text.into(),
    )
}

pub fn workload_set(target: &str, cpu: bool) -> Line {
    let text = if cpu {
        "new workers run CPU-bound tasks (a busy loop)"
    } else {
        "new workers run I/O-bound tasks (a sleep)"
    };
    line(format!("Process(target={target})"), text.into())
}

pub fn auto_join_set(on: bool) -> Line {
    if on {
        line(
            None,
            "ended workers are joined at once: no zombie is left to see".into(),
        )
    } else {
        line(
            None,
            "ended workers stay zombies until joined (j, a)".into(),
        )
    }
}

/// The joined rows were cleared from the table.
pub fn cleared_joined(n: usize) -> Line {
    line(
        None,
        format!(
            "{n} joined row{} cleared from the table (the processes were already reaped)",
            if n == 1 { "" } else { "s" }
        ),
    )
}

pub fn no_selection(what: &str) -> Line {
    note(
        None,
        format!("no worker is selected to {what}: start one with s"),
    )
}

/// An engine error, said so that it names what was wrong.
pub fn error(err: &LabError) -> Line {
    let text = match err {
        LabError::NotAlive(id) => format!(
            "worker {id} has already ended: in Python this would do nothing (p.join() collects it)"
        ),
        other => other.to_string(),
    };
    Line {
        python: None,
        text,
        level: Level::Error,
    }
}
