//! The log's words for what the pool did, each beside its Python.

use std::ops::Range;

use crate::app::claims::Pool as Claim;
use crate::app::log::Level;
use crate::app::narrate::{Line, why_exited};
use crate::lab::pool::{JobSpec, Outcome, PoolConfig, RunRecord, letter};
use crate::lab::{WorkerId, describe_exitcode};

use super::claims::Pool;
use super::python::{call, close, constructor, rate};
use crate::app::numbers::{duration, thousands};

fn line(python: impl Into<Option<String>>, text: String, level: Level) -> Line {
    Line {
        python: python.into(),
        text,
        level,
    }
}

/// `items 500-749, 1000-1249`.
pub fn ranges(lost: &[Range<u32>]) -> String {
    let parts: Vec<String> = lost
        .iter()
        .take(4)
        .map(|r| {
            if r.len() == 1 {
                r.start.to_string()
            } else {
                format!("{}-{}", r.start, r.end - 1)
            }
        })
        .collect();
    let more = if lost.len() > 4 { ", ..." } else { "" };
    let word = if lost.len() == 1 && lost[0].len() == 1 {
        "item"
    } else {
        "items"
    };
    format!("{word} {}{more}", parts.join(", "))
}

pub fn pool_started(config: &PoolConfig, workers: &[(WorkerId, u32)]) -> Line {
    let pids: Vec<String> = workers.iter().map(|(_, pid)| pid.to_string()).collect();
    let kind = if config.executor {
        "not daemons"
    } else {
        "daemons"
    };
    line(
        constructor(config),
        format!(
            "{} pool workers started ({kind}): pids {}",
            workers.len(),
            pids.join(", ")
        ),
        Level::Info,
    )
}

pub fn pool_closed(config: &PoolConfig, joined: &[(WorkerId, i32)]) -> Line {
    let codes: Vec<String> = joined
        .iter()
        .map(|(id, code)| format!("{id}: {}", describe_exitcode(*code)))
        .collect();
    line(
        close(config),
        format!(
            "the old pool is closed: workers exited and were joined ({})",
            codes.join(", ")
        ),
        Level::Info,
    )
}

/// `pool.terminate()`: every worker stopped at once, and joined.
pub fn terminated(joined: &[(WorkerId, i32)], run: Option<u32>) -> Line {
    let codes: Vec<String> = joined
        .iter()
        .map(|(id, code)| format!("{id}: {}", describe_exitcode(*code)))
        .collect();
    let what = match run {
        Some(n) => format!("run {n} stopped where it was, its results never come; "),
        None => String::new(),
    };
    line(
        Claim::Terminate.fill(&[]),
        format!(
            "{what}every worker got SIGTERM at once and was joined ({}); r starts a new pool",
            codes.join(", ")
        ),
        Level::Note,
    )
}

/// Esc on an executor: it has no `terminate()`, so its workers are
/// terminated as any child processes; it breaks (told by the events that
/// follow).
pub fn executor_terminated(workers: usize) -> Line {
    line(
        Claim::TerminateExecutor.fill(&[]),
        format!(
            "a ProcessPoolExecutor has no terminate(): its {workers} workers get SIGTERM as any children, and it breaks"
        ),
        Level::Note,
    )
}

pub fn run_started(number: u32, spec: &JobSpec, chunksize: u32) -> Line {
    let chunks = spec.n_chunks();
    let how = if spec.method.chunked() {
        format!(
            "{} chunks of {} ({})",
            thousands(chunks.into()),
            thousands(chunksize.into()),
            if spec.chunksize_is_default() {
                "Python's default"
            } else {
                "chosen"
            }
        )
    } else {
        format!("{} tasks, one per item", thousands(chunks.into()))
    };
    line(
        call(spec),
        format!(
            "run {number}: {} items as {how}",
            thousands(spec.items.into())
        ),
        Level::Info,
    )
}

/// With `maxtasksperchild`, how many processes the run will go through.
pub fn recycling(spec: &JobSpec) -> Option<Line> {
    let m = spec.maxtasks?;
    let fresh = spec.n_chunks().div_ceil(m).saturating_sub(spec.workers);
    let config = spec.pool();
    if fresh > 0 && super::python::executor_deadlocks(&config) {
        return Some(line(
            super::python::executor_recycles(&config),
            format!(
                "{} tasks, at most {m} per worker: {}",
                thousands(spec.n_chunks().into()),
                super::EXECUTOR_DEADLOCKS
            ),
            Level::Note,
        ));
    }
    (fresh > 0).then(|| {
        line(
            None,
            format!(
                "{} tasks, at most {m} per worker: about {} fresh workers will take over during the run",
                thousands(spec.n_chunks().into()),
                thousands(fresh.into())
            ),
            Level::Note,
        )
    })
}

pub fn retired(id: WorkerId, pid: u32, serial: u32, tasks: u32) -> Line {
    line(
        Pool::Retired.fill(&[("letter", &letter(serial).to_string())]),
        format!(
            "worker {id} ({}, pid {pid}) did {tasks} task{} and retired: exitcode 0, joined",
            letter(serial),
            if tasks == 1 { "" } else { "s" }
        ),
        Level::Info,
    )
}

pub fn replaced(id: WorkerId, pid: u32, serial: u32, after: u32) -> Line {
    line(
        Pool::Replaced.fill(&[]),
        format!(
            "worker {id} ({}, pid {pid}) takes the place of {}",
            letter(serial),
            letter(after)
        ),
        Level::Info,
    )
}

pub fn died(
    id: WorkerId,
    serial: u32,
    exitcode: i32,
    lost: &[Range<u32>],
    executor: bool,
    during_run: bool,
) -> Vec<Line> {
    let who = format!("worker {id} ({})", letter(serial));
    let how = match exitcode {
        c if c < 0 => why_exited(c),
        c => format!("{}, exitcode {c}", why_exited(c)),
    };
    let mut lines = Vec::new();
    if lost.is_empty() {
        let what = if during_run {
            "it held no task"
        } else {
            "it was idle"
        };
        lines.push(line(
            None,
            format!("{who} died ({how}): {what}"),
            Level::Note,
        ));
    } else {
        lines.push(line(
            None,
            format!("{who} died ({how}): {} lost with it", ranges(lost)),
            Level::Error,
        ));
    }
    if executor {
        lines.push(line(
            Pool::BrokenExecutor.fill(&[]),
            "a ProcessPoolExecutor worker ended abruptly: the executor is broken".into(),
            Level::Error,
        ));
    } else if !lost.is_empty() {
        lines.push(line(
            Pool::KilledHangs.fill(&[]),
            "Python's Pool replaces the worker but waits for the lost task forever; proclab does not"
                .into(),
            Level::Error,
        ));
    }
    lines
}

pub fn broken(terminated: &[WorkerId], failed_items: u32) -> Line {
    line(
        Pool::BrokenResult.fill(&[]),
        format!(
            "{} other worker{} terminated; {} pending futures failed",
            terminated.len(),
            if terminated.len() == 1 { "" } else { "s" },
            thousands(failed_items.into())
        ),
        Level::Error,
    )
}

pub fn joined(id: WorkerId, exitcode: i32) -> Line {
    line(
        None,
        format!(
            "worker {id} joined: exitcode {}",
            describe_exitcode(exitcode)
        ),
        Level::Info,
    )
}

pub fn run_finished(r: &RunRecord) -> Option<Line> {
    let s = &r.stats;
    Some(match r.outcome {
        Outcome::Done => line(
            Pool::RunDone.fill(&[
                ("run", &r.number.to_string()),
                ("time", &duration(s.wall)),
            ]),
            format!(
                "run {} done: {} results in {}, {} items/s; dispatch (idle, tasks queued) {}, starved at the end {}",
                r.number,
                thousands(r.spec.items.into()),
                duration(s.wall),
                rate(s.items_per_s),
                duration(s.waited),
                duration(s.starved),
            ),
            Level::Info,
        ),
        Outcome::Hung => line(
            Pool::WouldBlock.fill(&[("call", &call(&r.spec))]),
            format!(
                "run {}: {} results never come; Python would hang here, proclab goes on (r runs again)",
                r.number,
                thousands(r.lost_items.into())
            ),
            Level::Error,
        ),
        // Told by the Broken and Terminated events.
        Outcome::Broken | Outcome::Terminated | Outcome::Running => return None,
    })
}

pub fn error(text: String) -> Line {
    line(None, text, Level::Error)
}

pub fn note(python: Option<String>, text: String) -> Line {
    line(python, text, Level::Note)
}

pub fn info(python: Option<String>, text: String) -> Line {
    line(python, text, Level::Info)
}
