//! Taking in what the run view's controller reports (a run begins, lines
//! of output, the main process's end, the instrumentation's reports, a
//! reading of the tree), and carrying out the view's effects on it.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::app::log::LogEntry;
use crate::app::narrate::Line;
use crate::app::App;
use crate::lab::Lab;
use crate::lab::run::instrument::{Event, Report};
use crate::lab::run::output::Stream;
use crate::lab::run::{
    GilContext, Kind, ProcId, RunEvent, RunLab, RunNews, TreeSample, examples, gil_verdicts,
};

use super::narrate::{self, Who};
use super::{GONE_KEPT, Gone, OUTPUT_KEPT, RunEffect, RunState, Watching};

/// How far back the GIL verdict looks.
pub const GIL_WINDOW: Duration = Duration::from_millis(1500);
/// Readings kept for it at most.
const WINDOW_KEPT: usize = 16;

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Takes in one piece of news.
pub fn news(app: &mut App, news: RunNews) {
    match news {
        RunNews::Watching {
            what,
            pid,
            run,
            owned,
            instrumented,
            note,
            cwd,
        } => {
            let s = &mut app.run;
            // A new program, or the same one again (`r`): a fresh run.
            let fresh = RunState {
                watching: Some(Watching {
                    what: what.clone(),
                    owned,
                    instrumented,
                }),
                run,
                main_pid: Some(pid),
                output: std::mem::take(&mut s.output),
                panel: s.panel,
                root: cwd,
                unix_zero: Some(unix_now() - app.now.as_secs_f64()),
                example: s.example.take().filter(|_| owned),
                ..RunState::default()
            };
            app.run = fresh;
            if let Some(why) = note {
                app.say(narrate::uninstrumented(&why));
            }
            app.say(narrate::watching(&what, owned, instrumented, pid));
        }
        RunNews::Program(event) => program(app, event),
        RunNews::Report { run, report } if run == app.run.run => reported(app, report),
        RunNews::Report { .. } => {}
        RunNews::Sample { run, sample } if run == app.run.run => sampled(app, *sample),
        RunNews::Sample { .. } => {}
    }
}

fn program(app: &mut App, event: RunEvent) {
    match event {
        RunEvent::Started { run, pid } => {
            let s = &mut app.run;
            s.run = run;
            s.main_pid = Some(pid);
            s.selected = None;
            app.say(narrate::started(run, pid));
        }
        RunEvent::Output { run, line } => {
            let out = &mut app.run.output;
            if out.len() >= OUTPUT_KEPT {
                out.pop_front();
            }
            out.push_back(super::OutputLine {
                run,
                pid: line.pid,
                stderr: line.stream == Stream::Stderr,
                text: line.text,
            });
        }
        RunEvent::Exited { run, pid, exitcode } => {
            let s = &mut app.run;
            if s.main_pid.is_none() {
                s.main_pid = Some(pid);
            }
            if run == s.run {
                s.exited = Some(exitcode);
            }
            if let Some(g) = s.gone.iter_mut().find(|g| g.process.id.pid == pid) {
                g.exitcode = exitcode;
            }
            let owned = s.watching.as_ref().is_some_and(|w| w.owned);
            app.say(narrate::program_ended(exitcode, owned));
        }
        RunEvent::OrphanReaped { pid, exitcode, .. } => {
            let s = &mut app.run;
            match s.gone.iter_mut().find(|g| g.process.id.pid == pid) {
                Some(g) => {
                    g.exitcode = Some(exitcode);
                    g.reaped_by = Some("proclab, its subreaper".into());
                }
                None => {
                    s.orphans_reaped.insert(pid, exitcode);
                }
            }
            app.say(narrate::orphan_reaped(pid, exitcode));
        }
    }
}

/// Places an event of the program's (unix time `t`) on the log's clock.
fn log_at(app: &App, t: f64) -> Duration {
    match app.run.unix_zero {
        Some(zero) if t.is_finite() && t > zero => Duration::from_secs_f64(t - zero).min(app.now),
        _ => app.now,
    }
}

fn push_log(app: &mut App, at: Duration, line: Line) {
    app.log.push(LogEntry {
        at,
        python: line.python,
        text: line.text,
        level: line.level,
    });
}

fn reported(app: &mut App, report: Report) {
    let said = match &report {
        Report::Event { pid, time, event } => Some((*pid, *time, event.clone())),
        _ => None,
    };
    app.run.model.apply(report);
    let Some((pid, time, event)) = said else {
        return;
    };
    if let Event::Hello(h) = &event
        && app.run.main_pid == Some(pid)
    {
        let gil = if h.ft && !h.gil { ", free-threaded: no GIL" } else { "" };
        let line = crate::app::narrate::Line {
            python: None,
            text: format!("the main process runs CPython {}{gil}", h.py),
            level: crate::app::log::Level::Info,
        };
        push_log(app, log_at(app, time), line);
        return;
    }
    if let Some(line) = narrate::event(&app.run, pid, &event) {
        push_log(app, log_at(app, time), line);
    }
}

/// Drops the instrumentation's own thread from a reading: it is proclab's,
/// not the program's, and takes no part in the GIL verdict.
fn without_our_threads(state: &RunState, mut sample: TreeSample) -> TreeSample {
    for p in &mut sample.processes {
        if let Some(tid) = state
            .model
            .processes
            .get(&p.id.pid)
            .and_then(|m| m.sender_tid)
        {
            p.threads.retain(|t| t.tid != tid);
        }
    }
    sample
}

/// Idle cores on the machine over the last readings of the cores panel.
fn free_cores(app: &App) -> Option<f32> {
    let cores = &app.cores.cores;
    if cores.is_empty() || cores[0].is_empty() {
        return None;
    }
    let last = 6.min(cores[0].len());
    let busy: f32 = cores
        .iter()
        .map(|h| h.iter().rev().take(last).sum::<f32>() / last as f32)
        .sum();
    Some((cores.len() as f32 * 100.0 - busy).max(0.0) / 100.0)
}

fn sampled(app: &mut App, sample: TreeSample) {
    let sample = without_our_threads(&app.run, sample);
    gone(app, &sample);
    zombies(app, &sample);
    let s = &mut app.run;
    s.window.push_back(sample.clone());
    while s.window.len() > WINDOW_KEPT
        || s.window.front().is_some_and(|f| {
            sample.since_boot.saturating_sub(f.since_boot) > GIL_WINDOW + Duration::from_millis(300)
        })
    {
        s.window.pop_front();
    }
    let ctx = GilContext {
        free_threaded: s.main_model().is_some_and(|m| m.free_threaded && !m.gil),
        free_cores: free_cores(app),
    };
    let s = &mut app.run;
    let window: Vec<TreeSample> = s.window.iter().cloned().collect();
    s.verdicts = gil_verdicts(&window, ctx);
    if s.main_pid.is_none() {
        s.main_pid = sample.processes.first().map(|p| p.id.pid);
    }
    let known = |id: ProcId| {
        sample.get(id).is_some() || s.gone.iter().any(|g| g.process.id == id)
    };
    if !s.selected.is_some_and(known) {
        s.selected = sample
            .processes
            .iter()
            .find(|p| Some(p.id.pid) == s.main_pid)
            .or(sample.processes.first())
            .map(|p| p.id);
    }
    s.sample = Some(sample);
    let new: Vec<_> = app
        .run
        .verdicts
        .iter()
        .filter(|v| !app.run.gil_noted.contains(&v.id))
        .cloned()
        .collect();
    for v in new {
        app.run.gil_noted.insert(v.id);
        let who = Who::of(&app.run, v.id.pid);
        app.say(narrate::gil(&who, &v));
    }
}

/// The processes gone since the last reading, kept in view with how they
/// ended.
fn gone(app: &mut App, sample: &TreeSample) {
    let s = &mut app.run;
    for p in &sample.ended {
        if s.gone.iter().any(|g| g.process.id == p.id) || s.commands_ended.contains(&p.id) {
            continue;
        }
        let m = s.model.processes.get(&p.id.pid);
        if m.is_none() && ran_other_than_python(p) {
            s.commands_ended.insert(p.id);
            continue;
        }
        let exitcode = m
            .and_then(|m| m.exitcode.or(m.exit_code))
            .or(p.exitcode)
            .or(s.orphans_reaped.get(&p.id.pid).copied())
            .or(if Some(p.id.pid) == s.main_pid {
                s.exited.flatten()
            } else {
                None
            });
        let owned = s.watching.as_ref().is_some_and(|w| w.owned);
        let reaped_by = m
            .and_then(|m| {
                m.reaped_by
                    .clone()
                    .or_else(|| m.joined.then(|| "join".to_string()))
            })
            .map(|via| format!("{via}()"))
            .or_else(|| {
                s.orphans_reaped
                    .contains_key(&p.id.pid)
                    .then(|| "proclab, its subreaper".to_string())
            })
            .or_else(|| (owned && Some(p.id.pid) == s.main_pid).then(|| "proclab".to_string()));
        if s.gone.len() >= GONE_KEPT {
            s.gone.remove(0);
        }
        s.gone.push(Gone {
            process: p.clone(),
            exitcode,
            reaped_by,
        });
    }
}

/// A process other than the main one whose last command line runs no
/// Python (a zombie's, empty, could be anything, and is listed).
fn ran_other_than_python(p: &crate::lab::run::ProcessSample) -> bool {
    let Some(first) = p.cmdline.first() else {
        return false;
    };
    let base = first.rsplit('/').next().unwrap_or(first);
    p.kind != crate::lab::run::Kind::Main && !base.starts_with("python")
}

/// Children that stay zombies: said once each, with the call that would
/// reap them.
fn zombies(app: &mut App, sample: &TreeSample) {
    let was_zombie: HashSet<ProcId> = app
        .run
        .sample
        .as_ref()
        .map(|s| s.unjoined_zombies().map(|p| p.id).collect())
        .unwrap_or_default();
    let lasting: Vec<_> = sample
        .unjoined_zombies()
        .filter(|p| was_zombie.contains(&p.id) && !app.run.zombies_noted.contains(&p.id))
        .cloned()
        .collect();
    for p in lasting {
        app.run.zombies_noted.insert(p.id);
        let who = Who::of(&app.run, p.id.pid);
        let forkserver = p
            .parent
            .and_then(|id| sample.get(id))
            .is_some_and(|parent| parent.kind == Kind::Forkserver);
        let reaper = narrate::reaper(&who, forkserver);
        app.say(narrate::zombie(&who, p.exitcode, &reaper));
    }
}

/// Carries out one of the run view's effects and says what it did.
pub fn perform(app: &mut App, lab: &mut Lab, ctl: &mut RunLab, effect: RunEffect) {
    let attached = !ctl.is_owned() && ctl.is_watching();
    let who = |app: &App, id: ProcId| Who::of(&app.run, id.pid);
    let stopped = |app: &App, id: ProcId| {
        app.run
            .sample
            .as_ref()
            .and_then(|s| s.get(id))
            .is_some_and(|p| p.is_stopped())
    };
    let lines: Vec<Line> = match effect {
        RunEffect::Pause(id) => match ctl.pause(id) {
            Ok(()) => vec![narrate::paused(&who(app, id))],
            Err(e) => vec![narrate::error(&e)],
        },
        RunEffect::Resume(id) => match ctl.resume(id) {
            Ok(()) => {
                let pending = app.run.pending_term.remove(&id);
                vec![narrate::resumed(&who(app, id), pending)]
            }
            Err(e) => vec![narrate::error(&e)],
        },
        RunEffect::Terminate(id) => match ctl.terminate(id) {
            Ok(was_stopped) => {
                if was_stopped {
                    app.run.pending_term.insert(id);
                }
                narrate::terminated(&who(app, id), was_stopped || stopped(app, id))
            }
            Err(e) => vec![narrate::error(&e)],
        },
        RunEffect::Kill(id) => {
            let was_stopped = stopped(app, id);
            match ctl.kill(id) {
                Ok(()) => narrate::killed(&who(app, id), was_stopped),
                Err(e) => vec![narrate::error(&e)],
            }
        }
        RunEffect::Again => match ctl.restart(lab) {
            Ok(report) => vec![narrate::again(&report, app.run.run + 1)],
            Err(e) => vec![narrate::error(&e)],
        },
        RunEffect::Example(name) => match examples::find(name) {
            Some(ex) => {
                app.run.example = Some(ex.file);
                match ctl.run_example(lab, ex, true) {
                    Ok(()) => vec![crate::app::narrate::Line {
                        python: None,
                        text: format!("the real program: {}, {}", ex.command(), ex.about),
                        level: crate::app::log::Level::Note,
                    }],
                    Err(e) => vec![narrate::error(&e)],
                }
            }
            None => Vec::new(),
        },
    };
    let signal = matches!(
        effect,
        RunEffect::Pause(_) | RunEffect::Resume(_) | RunEffect::Terminate(_) | RunEffect::Kill(_)
    );
    for line in lines {
        app.say(line);
    }
    if attached && signal {
        app.say(narrate::attached_signal());
    }
}
