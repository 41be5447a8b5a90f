//! The counter lab's words: each mode's Python, each run's verdict, the
//! abandoned-lock lesson.

use crate::lab::counter::{Abandoned, CounterMode, CounterWait, RunResult, RunStarted};
use crate::lab::{WorkerId, describe_exitcode};

use crate::app::log::Level;
use crate::app::narrate::Line;
use crate::app::numbers::{duration, rate, thousands};

use super::claims::Counter;

fn line(python: impl Into<Option<String>>, text: String, level: Level) -> Line {
    Line {
        python: python.into(),
        text,
        level,
    }
}

/// A letter for each mode, so a mode is never told by colour alone.
pub fn mode_letter(mode: CounterMode) -> char {
    match mode {
        CounterMode::Racy => 'R',
        CounterMode::Locked => 'L',
        CounterMode::Atomic => 'A',
        CounterMode::Manager => 'M',
    }
}

/// How the shared value is made, in Python.
pub fn setup_python(mode: CounterMode) -> String {
    match mode {
        CounterMode::Racy => Counter::RacySetup,
        CounterMode::Locked => Counter::LockedSetup,
        CounterMode::Atomic => Counter::AtomicSetup,
        CounterMode::Manager => Counter::ManagerSetup,
    }
    .fill(&[])
}

/// One increment, in Python, a line per statement (the tall panel).
pub fn step_python(mode: CounterMode, slow: bool) -> String {
    match (mode, slow) {
        (CounterMode::Racy, false) => Counter::RacyStep,
        (CounterMode::Racy, true) => Counter::RacySlow,
        (CounterMode::Locked, false) => Counter::LockedStep,
        (CounterMode::Locked, true) => Counter::LockedSlow,
        (CounterMode::Atomic, false) => Counter::AtomicStep,
        (CounterMode::Atomic, true) => Counter::AtomicSlow,
        (CounterMode::Manager, false) => Counter::ManagerStep,
        (CounterMode::Manager, true) => Counter::ManagerSlow,
    }
    .fill(&[])
}

/// The same increment on one line, still Python (the short panel).
pub fn step_line(mode: CounterMode, slow: bool) -> String {
    match (mode, slow) {
        (CounterMode::Racy, false) => Counter::RacyStep,
        (CounterMode::Racy, true) => Counter::RacySlowLine,
        (CounterMode::Locked, false) => Counter::LockedOneLine,
        (CounterMode::Locked, true) => Counter::LockedSlowLine,
        (CounterMode::Atomic, false) => Counter::AtomicStep,
        (CounterMode::Atomic, true) => Counter::AtomicSlowLine,
        (CounterMode::Manager, false) => Counter::ManagerStep,
        (CounterMode::Manager, true) => Counter::ManagerSlowLine,
    }
    .fill(&[])
}

/// What the mode is, in a few words.
pub fn mode_words(mode: CounterMode) -> &'static str {
    match mode {
        CounterMode::Racy => "read, add 1, write back, no lock: updates can be lost",
        CounterMode::Locked => "one worker at a time behind a process-shared lock",
        CounterMode::Atomic => "one atomic instruction: exact, and no lock",
        CounterMode::Manager => "the counter lives in a server process: a round trip each",
    }
}

pub fn mode_set(mode: CounterMode) -> Line {
    line(
        setup_python(mode),
        format!("next run: {} ({})", mode.name(), mode_words(mode)),
        Level::Info,
    )
}

pub fn workers_set(n: u32) -> Line {
    line(
        Counter::Workers.fill(&[("n", &n.to_string())]),
        format!("next run: {n} worker{}", if n == 1 { "" } else { "s" }),
        Level::Info,
    )
}

pub fn slow_set(on: bool) -> Line {
    let text = if on {
        "slow motion: a pause between read and write, 10 increments each"
    } else {
        "full speed: every increment as fast as the machine goes"
    };
    line(None, text.into(), Level::Info)
}

pub fn started(s: &RunStarted) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some(m) = s.manager {
        lines.push(line(
            Counter::ManagerStart.fill(&[]),
            format!("worker {m} is the manager's server process"),
            Level::Info,
        ));
    }
    let ids = ids(&s.clients);
    lines.push(line(
        Counter::StartAll.fill(&[
            ("n", &s.spec.workers.to_string()),
            ("count", &thousands(s.spec.increments)),
        ]),
        format!(
            "run {}: workers {ids} start together, {} mode",
            s.number,
            s.spec.mode.name()
        ),
        Level::Info,
    ));
    lines
}

pub fn stopped(ids_: &[WorkerId]) -> Line {
    line(
        Counter::StopAll.fill(&[]),
        format!("the run is stopped: SIGTERM to workers {}", ids(ids_)),
        Level::Note,
    )
}

fn ids(ids: &[WorkerId]) -> String {
    if ids.is_empty() {
        return "-".into();
    }
    ids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn who(id: Option<WorkerId>) -> String {
    id.map_or("a worker".into(), |id| format!("worker {id}"))
}

/// How a worker died, from its exitcode: "terminated", "killed", ...
fn death(exitcode: Option<i32>) -> String {
    match exitcode {
        Some(-15) => "terminated".into(),
        Some(-9) => "killed".into(),
        Some(c) => format!("ended ({})", describe_exitcode(c)),
        None => "died".into(),
    }
}

/// The lesson of a lock whose holder died inside the critical section.
pub fn abandoned(a: &Abandoned) -> Vec<Line> {
    let how = death(a.exitcode);
    let by = who(a.by);
    let fixer = match a.recovered_by {
        Some(id) => format!("worker {id} got EOWNERDEAD and marked it consistent"),
        None => "proclab found it EOWNERDEAD and marked it consistent".into(),
    };
    vec![
        line(
            Counter::HolderTerminated.fill(&[]),
            format!("{by} was {how} inside its critical section: the lock was abandoned"),
            Level::Error,
        ),
        line(
            Counter::NoFinally.fill(&[]),
            format!("{fixer}: the counter may be inconsistent"),
            Level::Note,
        ),
        line(
            Counter::NextLockerHangs.fill(&[]),
            "a multiprocessing.Lock has no owner-died state: Python would deadlock here".into(),
            Level::Note,
        ),
    ]
}

pub fn holder_died(id: Option<WorkerId>, exitcode: Option<i32>) -> Line {
    line(
        Counter::HolderTerminated.fill(&[]),
        format!(
            "{} was {} holding the lock: abandoned; the next locker gets EOWNERDEAD",
            who(id),
            death(exitcode)
        ),
        Level::Error,
    )
}

pub fn manager_lost(id: WorkerId, exitcode: i32) -> Line {
    line(
        Counter::ManagerLost.fill(&[]),
        format!(
            "the manager (worker {id}) ended, {}: every proxy call now raises",
            describe_exitcode(exitcode)
        ),
        Level::Error,
    )
}

/// The one-line verdict on a finished run.
pub fn verdict(r: &RunResult) -> String {
    let lost = r.lost;
    if r.stopped || r.failed > 0 {
        let why = if r.stopped { "stopped" } else { "cut short" };
        return format!(
            "{why}: {} of {} increments made, counter {}{}",
            thousands(r.done),
            thousands(r.target),
            thousands(r.value),
            if lost > 0 {
                format!(", {} lost", thousands(lost as u64))
            } else {
                String::new()
            }
        );
    }
    match (r.spec.mode, lost) {
        (_, l) if l < 0 => format!(
            "the counter is {} ahead of the workers' count: one died between writing and counting",
            thousands(l.unsigned_abs())
        ),
        (CounterMode::Racy, 0) if r.interleaved == 0 && r.spec.workers > 1 => {
            "the workers never ran at the same time (a busy machine?): nothing raced, run it again"
                .into()
        }
        (CounterMode::Racy, 0) => format!(
            "no update lost this time, by luck: the race is still there (run it again){}",
            overlapped(r)
        ),
        (CounterMode::Racy, l) => format!(
            "{} updates lost: two workers read the same value and both wrote value+1{}",
            thousands(l as u64),
            overlapped(r)
        ),
        (mode, l) if l > 0 => format!(
            "{} lost in {} mode: a holder died inside its critical section",
            thousands(l as u64),
            mode.name()
        ),
        (CounterMode::Locked, _) => {
            "exact: the lock lets one worker at a time read and write".into()
        }
        (CounterMode::Atomic, _) => "exact: one instruction reads, adds and writes, no lock".into(),
        (CounterMode::Manager, _) => {
            "exact: the server applies one request at a time, at a round trip each".into()
        }
    }
}

/// How long every worker was adding at once, for a racy run's verdict:
/// the longer, the more updates a race can lose.
fn overlapped(r: &RunResult) -> String {
    if r.spec.workers < 2 || r.overlap.is_zero() {
        return String::new();
    }
    let who = match r.spec.workers {
        2 => "both".to_string(),
        n => format!("all {n}"),
    };
    format!(
        " ({who} ran at once for {} of {})",
        duration(r.overlap),
        duration(r.elapsed)
    )
}

pub fn finished(r: &RunResult) -> Line {
    let level = if r.lost != 0 || r.stopped || r.failed > 0 {
        Level::Note
    } else {
        Level::Info
    };
    line(
        Counter::JoinAll.fill(&[("count", &thousands(r.value))]),
        format!(
            "run {} ({}): {} in {}, {}. {}",
            r.number,
            r.spec.mode.name(),
            thousands(r.value),
            duration(r.elapsed),
            rate(r.rate),
            verdict(r)
        ),
        level,
    )
}

/// A counter-lab worker's row, from its slot's `wait` word; None to show
/// the kernel's state in words.
pub fn role_state(wait: u32) -> Option<String> {
    Some(match CounterWait::decode(wait) {
        CounterWait::Nothing => return None,
        CounterWait::Gate => "waiting at the start gate".into(),
        CounterWait::Lock => "waiting for the lock".into(),
        CounterWait::Holds(v) => format!("holds the lock, read {v}"),
        CounterWait::Read(v) => format!("read {v}, writes {}", u64::from(v) + 1),
        CounterWait::Added(v) => format!("added 1, got {v}"),
        CounterWait::Reply => "waiting for the manager".into(),
        CounterWait::Serving(n) => format!("serving {n} prox{}", if n == 1 { "y" } else { "ies" }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::counter::RunSpec;
    use std::time::Duration;

    fn racy(lost: i64, overlap_ms: u64) -> RunResult {
        RunResult {
            number: 1,
            spec: RunSpec {
                mode: CounterMode::Racy,
                workers: 2,
                increments: 1_000_000,
                slow: false,
            },
            target: 2_000_000,
            done: 2_000_000,
            value: (2_000_000 - lost) as u64,
            lost,
            elapsed: Duration::from_millis(900),
            rate: 2.2e6,
            stopped: false,
            failed: 0,
            interleaved: 1000,
            overlap: Duration::from_millis(overlap_ms),
        }
    }

    #[test]
    fn a_racy_verdict_says_how_long_the_workers_overlapped() {
        let v = verdict(&racy(412_339, 840));
        assert!(v.starts_with("412,339 updates lost"), "{v}");
        assert!(v.ends_with("(both ran at once for 840.0 ms of 900.0 ms)"), "{v}");
        let lucky = verdict(&racy(0, 3));
        assert!(lucky.contains("by luck") && lucky.contains("at once for 3.0 ms"), "{lucky}");
    }

    #[test]
    fn the_manager_lost_line_says_what_cpython_raises() {
        let l = manager_lost(3, -9);
        assert_eq!(
            l.python.as_deref(),
            Some("c.increment()  # raises ConnectionError: the server is gone")
        );
        assert!(!l.python.unwrap().contains("BrokenPipeError"));
    }
}
