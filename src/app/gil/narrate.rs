//! The GIL lab's log lines, each with the Python that does the same.

use crate::app::log::Level;
use crate::app::narrate::{Line, line, note};
use crate::app::target_name;
use crate::lab::gil::race::{RacePlan, RunResult};
use crate::lab::gil::{self, Added, GilError, Mode};
use crate::lab::{WorkerId, Workload};

use super::claims::Gil;

pub fn error(err: &GilError) -> Line {
    Line {
        python: None,
        text: err.to_string(),
        level: Level::Error,
    }
}

pub fn race_running() -> Line {
    note(
        None,
        "a race is running: wait for it, or cancel it with Esc".into(),
    )
}

/// A worker started by `s` (or at a mode change).
pub fn added(added: &Added, mode: Mode, workload: Workload) -> Vec<Line> {
    let target = target_name(workload);
    match *added {
        Added::Process { id, pid } => vec![line(
            Gil::ProcessStart.fill(&[("p", &format!("p{id}")), ("target", target)]),
            format!("worker {id} started: pid {pid}, its own interpreter and its own GIL"),
        )],
        Added::Thread {
            pid,
            thread,
            new_interpreter,
            ..
        } => {
            let mut lines = Vec::new();
            if new_interpreter {
                let (py, what) = if mode == Mode::FreeThreads {
                    (
                        Gil::FreeThreadedInterpreter,
                        "a free-threaded interpreter: no GIL",
                    )
                } else {
                    (Gil::Interpreter, "its threads share one GIL (simulated)")
                };
                lines.push(line(
                    py.fill(&[]),
                    format!("interpreter process started, pid {pid}: {what}"),
                ));
            }
            let how = if mode == Mode::FreeThreads {
                "runs on any free core"
            } else {
                "runs only while it holds the GIL"
            };
            lines.push(line(
                Gil::ThreadStart.fill(&[("t", &format!("t{thread}")), ("target", target)]),
                format!("thread T{thread} started in pid {pid}: it {how}"),
            ));
            lines
        }
    }
}

pub fn mode_set(mode: Mode, stopped: usize, started: usize) -> Line {
    let (python, what) = match mode {
        Mode::Processes => (Gil::ProcessMode, "processes"),
        Mode::Threads => (Gil::ThreadMode, "threads"),
        Mode::FreeThreads => (Gil::FreeThreadMode, "threads"),
    };
    line(
        python.fill(&[]),
        format!(
            "mode {}: {stopped} worker(s) stopped and joined, {started} started as {what}",
            mode.title()
        ),
    )
}

pub fn interval_set(us: u32, racing: bool) -> Line {
    let later = if racing {
        " (the race keeps its own)"
    } else {
        ""
    };
    line(
        Gil::SwitchInterval.fill(&[("s", &gil::interval_seconds(us))]),
        format!(
            "switch interval {}: a waiting thread asks for the GIL after that long{later}",
            gil::format_interval(us)
        ),
    )
}

pub fn workload_set(workload: Workload) -> Line {
    let text = match workload {
        Workload::Cpu => "new workers and the race run CPU-bound tasks (a counting loop)",
        Workload::Io => "new workers and the race run I/O-bound tasks (a sleep): threads keep up",
    };
    line(
        Gil::Workload.fill(&[("target", target_name(workload))]),
        text.into(),
    )
}

pub fn convoy_on(pid: u32, thread: u16) -> Line {
    line(
        Gil::ConvoyOn.fill(&[("t", &format!("t{thread}"))]),
        format!(
            "I/O thread T{thread} started in pid {pid}: short blocking calls, counted per second"
        ),
    )
}

pub fn convoy_off() -> Line {
    line(
        Gil::ConvoyOff.fill(&[]),
        "the I/O thread returns: a thread cannot be killed from outside".into(),
    )
}

pub fn race_started(plan: &RacePlan, cores: usize) -> Line {
    let max = plan.runs.iter().map(|r| r.1).max().unwrap_or(1);
    line(
        Gil::Race.fill(&[("n", &(max + 1).to_string())]),
        format!(
            "race: {} {} tasks of {} ms, 1 to {max} workers, every mode; ideal speedup {}",
            plan.tasks,
            plan.workload.name(),
            plan.task_ms,
            match plan.workload {
                Workload::Cpu => format!("min(workers, {cores} cores)"),
                Workload::Io => "one per worker: sleeps need no core".to_string(),
            }
        ),
    )
}

pub fn paused_for_race(ids: &[WorkerId]) -> Line {
    note(
        None,
        format!(
            "race: {} other worker{} paused (SIGSTOP) so the race has the cores; resumed after",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" }
        ),
    )
}

pub fn run_finished(r: &RunResult, speedup: Option<f64>) -> Line {
    let join = match r.mode {
        Mode::Processes => Gil::RaceRunProcesses,
        _ => Gil::RaceRunThreads,
    };
    let cpu = r
        .cpu
        .map_or("?".to_string(), |c| format!("{:.2} s", c.as_secs_f64()));
    let speedup = speedup.map_or(String::new(), |s| format!(", speedup {s:.2}x"));
    line(
        join.fill(&[("n", &r.workers.to_string())]),
        format!(
            "{} x {}: wall {:.2} s, CPU {cpu}{speedup}",
            r.workers,
            r.mode.short(),
            r.wall.as_secs_f64(),
        ),
    )
}

pub fn race_done(best: &[(Mode, f64)], resumed: usize) -> Line {
    let figures: Vec<String> = best
        .iter()
        .map(|(m, s)| format!("{} {s:.2}x", m.short()))
        .collect();
    let resumed = if resumed > 0 {
        format!("; {resumed} paused worker(s) resumed")
    } else {
        String::new()
    };
    note(
        None,
        format!("race done, best speedups: {}{resumed}", figures.join(", ")),
    )
}

/// Runs that took much longer than their CPU time: other programs held
/// the cores.
pub fn race_noisy(runs: &[(Mode, usize)]) -> Line {
    let runs: Vec<String> = runs
        .iter()
        .map(|(m, n)| format!("{} x {n}", m.short()))
        .collect();
    note(
        None,
        format!(
            "{} took much longer than its CPU time (marked ~): other programs held the cores, so its speedups mislead; r races again",
            runs.join(", ")
        ),
    )
}

/// Runs whose CPU time could not be read: the `?` of the table.
pub fn race_unknown_cpu(runs: &[(Mode, usize)]) -> Line {
    note(
        None,
        format!(
            "{}: CPU time unknown (?), a worker was reaped before it was read, so whether other programs slowed it (~) cannot be told",
            runs_named(runs)
        ),
    )
}

/// Runs faster than the ideal allows: the `*` of the table.
pub fn race_over_ideal(runs: &[(Mode, usize)]) -> Line {
    note(
        None,
        format!(
            "{}: efficiency over 100% (*), faster than the ideal allows: the run with 1 worker it is measured against was slowed, so its speedups read high; r races again",
            runs_named(runs)
        ),
    )
}

fn runs_named(runs: &[(Mode, usize)]) -> String {
    runs.iter()
        .map(|(m, n)| format!("{} x {n}", m.short()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn race_stopped(why: &str, resumed: usize) -> Line {
    let resumed = if resumed > 0 {
        format!("; {resumed} paused worker(s) resumed")
    } else {
        String::new()
    };
    Line {
        python: None,
        text: format!("race {why}{resumed}"),
        level: Level::Note,
    }
}

pub fn interpreter_paused(pid: u32, threads: usize, paused: bool) -> Line {
    if paused {
        note(
            Gil::InterpreterPaused.fill(&[("pid", &pid.to_string())]),
            format!(
                "the whole interpreter stops, all {threads} threads: a thread cannot be signalled alone"
            ),
        )
    } else {
        note(
            Gil::InterpreterResumed.fill(&[("pid", &pid.to_string())]),
            format!("the interpreter's {threads} threads run again"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_finished_run_says_its_joins_in_python() {
        let r = RunResult {
            mode: Mode::Threads,
            workers: 3,
            wall: Duration::from_secs(4),
            cpu: None,
            tasks_done: 4,
        };
        let l = run_finished(&r, Some(0.98));
        assert_eq!(
            l.python.as_deref(),
            Some("for t in threads: t.join()  # 3 threads")
        );
        let p = run_finished(
            &RunResult {
                mode: Mode::Processes,
                ..r
            },
            None,
        );
        assert_eq!(
            p.python.as_deref(),
            Some("for p in ps: p.join()  # 3 processes")
        );
    }
}
