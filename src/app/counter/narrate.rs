//! The counter lab's words: each mode's Python, each run's verdict, the
//! abandoned-lock lesson.

use crate::lab::counter::{Abandoned, CounterMode, CounterWait, RunResult, RunStarted};
use crate::lab::{WorkerId, describe_exitcode};

use crate::app::log::Level;
use crate::app::narrate::Line;
use crate::app::numbers::{duration, rate, thousands};

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
pub fn setup_python(mode: CounterMode) -> &'static str {
    match mode {
        CounterMode::Racy => "v = Value('i', 0, lock=False)",
        CounterMode::Locked => "v = Value('i', 0)  # with a lock",
        CounterMode::Atomic => "# no multiprocessing equivalent",
        CounterMode::Manager => "c = manager.Counter()  # a proxy",
    }
}

/// One increment, in Python, a line per statement.
pub fn step_python(mode: CounterMode, slow: bool) -> &'static [&'static str] {
    match (mode, slow) {
        (CounterMode::Racy, false) => &["v.value += 1  # read, add, write"],
        (CounterMode::Racy, true) => &["t = v.value; time.sleep(0.3)", "v.value = t + 1"],
        (CounterMode::Locked, false) => &["with v.get_lock():", "    v.value += 1"],
        (CounterMode::Locked, true) => &[
            "with v.get_lock():",
            "    t = v.value; time.sleep(0.3)",
            "    v.value = t + 1",
        ],
        (CounterMode::Atomic, false) => &["# one atomic add (C: atomic_fetch_add)"],
        (CounterMode::Atomic, true) => {
            &["# one atomic add (C: atomic_fetch_add)", "time.sleep(0.3)"]
        }
        (CounterMode::Manager, false) => &["c.increment()  # a request, a reply"],
        (CounterMode::Manager, true) => &["c.increment()  # a request, a reply", "time.sleep(0.3)"],
    }
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
        setup_python(mode).to_string(),
        format!("next run: {} ({})", mode.name(), mode_words(mode)),
        Level::Info,
    )
}

pub fn workers_set(n: u32) -> Line {
    line(
        format!("ps = [Process(...) for _ in range({n})]"),
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
            "manager = CounterManager(); manager.start()".to_string(),
            format!("worker {m} is the manager's server process"),
            Level::Info,
        ));
    }
    let ids = ids(&s.clients);
    lines.push(line(
        format!(
            "for p in ps: p.start()  # {} x {}",
            s.spec.workers,
            thousands(s.spec.increments)
        ),
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
        "for p in ps: p.terminate()".to_string(),
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
            "p.terminate()  # inside 'with lock:'".to_string(),
            format!("{by} was {how} inside its critical section: the lock was abandoned"),
            Level::Error,
        ),
        line(
            "# finally: never ran, the lock stays held".to_string(),
            format!("{fixer}: the counter may be inconsistent"),
            Level::Note,
        ),
        line(
            "lock.acquire()  # Python: hangs forever".to_string(),
            "a multiprocessing.Lock has no owner-died state: Python would deadlock here".into(),
            Level::Note,
        ),
    ]
}

pub fn holder_died(id: Option<WorkerId>, exitcode: Option<i32>) -> Line {
    line(
        "p.terminate()  # inside 'with lock:'".to_string(),
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
        "c.increment()  # BrokenPipeError".to_string(),
        format!(
            "the manager (worker {id}) ended, {}: every proxy call now fails",
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
        (CounterMode::Racy, 0) => {
            "no update lost this time, by luck: the race is still there (run it again)".into()
        }
        (CounterMode::Racy, l) => format!(
            "{} updates lost: two workers read the same value and both wrote value+1",
            thousands(l as u64)
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

pub fn finished(r: &RunResult) -> Line {
    let level = if r.lost != 0 || r.stopped || r.failed > 0 {
        Level::Note
    } else {
        Level::Info
    };
    line(
        format!("for p in ps: p.join()  # v.value == {}", thousands(r.value)),
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
