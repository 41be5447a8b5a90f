//! The words for what happened: each action and event as a log line, with
//! the Python that does the same, taken from the claims (the lifecycle
//! lab's, [`Lifecycle`]). Workers are named `p1`, `p2`, ... as a script
//! would name its `Process` objects.

use crate::lab::{LabError, WorkerId, describe_exitcode};

use super::claims::Lifecycle;
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

/// A worker's Python variable: `p3`.
fn p(id: WorkerId) -> String {
    format!("p{id}")
}

/// Why a process ended, from its exitcode.
pub fn why_exited(code: i32) -> String {
    match code {
        0 => "run() returned".into(),
        1 => "uncaught exception".into(),
        -9 => "killed by SIGKILL".into(),
        -15 => "terminated by SIGTERM".into(),
        c if c < 0 => format!("ended by signal {}", -c),
        c => format!("exit status {c}"),
    }
}

/// How a worker ended, as the Python that ends it says it, and in a word:
/// `("p3.terminate()", "terminated")`.
pub fn ended(id: WorkerId, exitcode: i32) -> (String, String) {
    let var = p(id);
    match exitcode {
        -15 => (
            Lifecycle::Terminate.fill(&[("p", &var)]),
            "terminated".into(),
        ),
        -9 => (Lifecycle::Kill.fill(&[("p", &var)]), "killed".into()),
        c => (
            Lifecycle::ExitcodeIs.fill(&[("p", &var), ("code", &c.to_string())]),
            format!("ended ({})", describe_exitcode(c)),
        ),
    }
}

/// What the worker table says while it has no worker.
pub fn start_hint() -> String {
    Lifecycle::StartHint.fill(&[])
}

pub fn started(id: WorkerId, pid: u32, daemon: bool, target: &str) -> Line {
    let daemon = if daemon { ", a daemon" } else { "" };
    line(
        Lifecycle::Start.fill(&[("p", &p(id))]),
        format!("worker {id} started: pid {pid}, target={target}{daemon}"),
    )
}

pub fn paused(id: WorkerId) -> Line {
    line(
        Lifecycle::Pause.fill(&[("p", &p(id))]),
        format!("worker {id} stopped where it was: state T"),
    )
}

/// SIGCONT; `sigterm_pending`: it was terminated while stopped, and now
/// acts on it.
pub fn resumed(id: WorkerId, sigterm_pending: bool) -> Line {
    if sigterm_pending {
        return note(
            Lifecycle::ContinueTerminated.fill(&[("p", &p(id))]),
            format!("worker {id} continues, and its pending SIGTERM ends it: exitcode -15"),
        );
    }
    line(
        Lifecycle::Resume.fill(&[("p", &p(id))]),
        format!("worker {id} continues where it stopped"),
    )
}

/// SIGTERM; `pending`: the worker is stopped, so the signal waits.
pub fn terminated(id: WorkerId, pending: bool) -> Line {
    if pending {
        return note(
            Lifecycle::TerminateStopped.fill(&[("p", &p(id))]),
            format!(
                "SIGTERM to worker {id}, which is stopped: it waits until SIGCONT (p resumes it)"
            ),
        );
    }
    line(
        Lifecycle::Terminate.fill(&[("p", &p(id))]),
        format!("SIGTERM to worker {id}: no finally block runs"),
    )
}

/// SIGKILL; `stopped`: even a stopped process dies of it.
pub fn killed(id: WorkerId, stopped: bool) -> Line {
    if stopped {
        return line(
            Lifecycle::KillStopped.fill(&[("p", &p(id))]),
            format!("SIGKILL to stopped worker {id}: it ends at once"),
        );
    }
    line(
        Lifecycle::Kill.fill(&[("p", &p(id))]),
        format!("SIGKILL to worker {id}: cannot be caught"),
    )
}

/// A worker ended and nobody has reaped it: a zombie, and the calls that
/// would reap it in Python.
pub fn exited(id: WorkerId, code: i32) -> Line {
    note(
        Lifecycle::Zombie.fill(&[("p", &p(id))]),
        format!(
            "worker {id} ended, {}: a zombie until reaped by join(), is_alive(), exitcode, \
             active_children() or the next start()",
            why_exited(code)
        ),
    )
}

pub fn joined(id: WorkerId, code: i32) -> Line {
    line(
        Lifecycle::Join.fill(&[("p", &p(id)), ("code", &code.to_string())]),
        format!("worker {id} reaped: exitcode {}", describe_exitcode(code)),
    )
}

pub fn join_pending(id: WorkerId, paused: bool) -> Line {
    let why = if paused {
        "it is stopped, so join waits for a resume or a signal"
    } else {
        "it still runs: join waits until it ends"
    };
    note(
        Lifecycle::JoinBlocks.fill(&[("p", &p(id))]),
        format!("worker {id} has not ended: {why}"),
    )
}

pub fn nothing_to_join() -> Line {
    line(
        Lifecycle::ActiveChildren.fill(&[]),
        "no ended worker waits to be joined".into(),
    )
}

pub fn raise_requested(id: WorkerId, paused: bool) -> Line {
    let when = if paused { " when it is resumed" } else { "" };
    line(
        Lifecycle::Raise.fill(&[("p", &p(id))]),
        format!("worker {id} raises{when}: uncaught, exitcode 1"),
    )
}

pub fn exit_requested(id: WorkerId, code: u8, paused: bool) -> Line {
    let when = if paused { " when it is resumed" } else { "" };
    line(
        Lifecycle::SysExit.fill(&[("p", &p(id)), ("code", &code.to_string())]),
        format!("worker {id} exits{when}: exitcode {code}"),
    )
}

pub fn daemon_set(on: bool) -> Line {
    let text = if on {
        "new workers are daemons: at quit they get SIGTERM, as Python's exit gives them"
    } else {
        "new workers are not daemons: at quit Python would wait for them to end"
    };
    let python = if on { "True" } else { "False" };
    line(Lifecycle::Daemon.fill(&[("bool", python)]), text.into())
}

pub fn workload_set(target: &str, cpu: bool) -> Line {
    let text = if cpu {
        "new workers run CPU-bound tasks (a busy loop)"
    } else {
        "new workers run I/O-bound tasks (a sleep)"
    };
    line(Lifecycle::Target.fill(&[("target", target)]), text.into())
}

/// `q` with live workers: what Python's exit does first, and whom a Python
/// parent would wait for. `waited` empty: nothing holds it, it quits.
pub fn exit_begun(daemons: usize, waited: &[WorkerId]) -> Vec<Line> {
    let daemons = match daemons {
        0 => "no daemon to terminate".to_string(),
        1 => "SIGTERM to the daemon".to_string(),
        n => format!("SIGTERM to the {n} daemons"),
    };
    let mut lines = vec![line(
        Lifecycle::AtExit.fill(&[]),
        format!("quit: Python's exit handler runs: {daemons}"),
    )];
    if !waited.is_empty() {
        let names: Vec<String> = waited.iter().map(|&id| p(id)).collect();
        let ids: Vec<String> = waited.iter().map(u32::to_string).collect();
        lines.push(Line {
            python: Some(Lifecycle::AtExitWaits.fill(&[("names", &names.join(", "))])),
            text: format!(
                "a Python parent would wait here for workers {}: q again terminates them",
                ids.join(", ")
            ),
            level: Level::Error,
        });
    }
    lines
}

/// Every worker a Python parent would have waited for has ended.
pub fn exit_waited() -> Line {
    note(
        None,
        "every worker the parent waited for has ended: it exits".into(),
    )
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

/// `R` in a lab that has no example program.
pub fn no_example(lab: &str) -> Line {
    note(
        None,
        format!("the {lab} lab has no example program to run: proclab run script.py runs yours"),
    )
}

/// An engine error, said so that it names what was wrong.
pub fn error(err: &LabError) -> Line {
    let text = match err {
        LabError::NotAlive(id) => format!(
            "worker {id} has already ended: in Python this would do nothing (join reaps it)"
        ),
        other => other.to_string(),
    };
    Line {
        python: None,
        text,
        level: Level::Error,
    }
}
