//! The run view's part of the engine: the watched program ([`Program`]),
//! its instrumentation (a fresh [`Instrument`] for every run), and what
//! they report, gathered without blocking once a tick: output lines, the
//! main process's end, orphans reaped, the instrumentation's reports, and
//! a reading of the process tree every [`SAMPLE_EVERY`].
//!
//! At quit a program proclab started is ended, its whole tree (SIGTERM,
//! then SIGKILL after the grace period) and reaped; one it attached to is
//! left as it is.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::examples::Example;
use super::instrument::{Instrument, PrivateDir, Report};
use super::output::OutputLine;
use super::program::{RunEvent, StopReport};
use super::tree::{ProcId, TreeSample};
use super::{Program, RunError, RunSpec, STOP_GRACE};
use crate::lab::Lab;
use crate::lab::controller::Controller;

/// How often the tree is read while the program runs: the GIL verdict
/// wants several readings a second.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(250);
/// How often it is read once the main process has ended (an orphan may
/// still be running, or be adopted later).
pub const SAMPLE_AFTER_END: Duration = Duration::from_secs(1);
/// Reports taken in per tick at most, so a chatty program cannot hold
/// the screen.
const MAX_REPORTS: usize = 20_000;

/// What to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Start `spec`, instrumented or not.
    Run { spec: RunSpec, instrument: bool },
    /// Watch the process tree of this pid.
    Attach(u32),
}

/// What the run view's controller reports.
#[derive(Debug, Clone, PartialEq)]
pub enum RunNews {
    /// A run began: the program's own events follow, output lines included
    /// (lines from processes that handed proclab their own pipes carry
    /// their pid).
    Program(RunEvent),
    /// Watching began: what is watched, in words (`python3 demo.py`, or
    /// the attached process's command line), and whether it is
    /// instrumented; `note` says why not when it was asked for.
    Watching {
        what: String,
        /// The main process, and the run's number.
        pid: u32,
        run: u32,
        owned: bool,
        instrumented: bool,
        note: Option<String>,
        /// The program's own folder (its script's, or where it runs),
        /// where known.
        cwd: Option<PathBuf>,
    },
    /// What the instrumentation of run `run` reported.
    Report { run: u32, report: Report },
    /// A reading of the tree during run `run`.
    Sample { run: u32, sample: Box<TreeSample> },
}

/// A program being watched.
struct Watched {
    program: Program,
    /// What was started, without the instrumentation's environment.
    base: Option<RunSpec>,
    instrument_asked: bool,
    instrument: Option<Instrument>,
    reports: Option<Receiver<Report>>,
    lines: Option<Receiver<OutputLine>>,
    /// The folder an example was written into, kept while it runs.
    _example: Option<PrivateDir>,
    next_sample: Instant,
}

/// The run view's controller: nothing until a program is run or attached
/// to.
#[derive(Default)]
pub struct RunLab {
    watched: Option<Watched>,
    news: Vec<RunNews>,
}

impl std::fmt::Debug for RunLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunLab")
            .field("watching", &self.watched.is_some())
            .finish()
    }
}

/// A fresh instrumentation, listening; or why there is none.
type Instrumented = (Instrument, Receiver<Report>, Receiver<OutputLine>);

fn instrument() -> Result<Instrumented, String> {
    let mut inst = Instrument::prepare().map_err(|e| e.to_string())?;
    let (rep_tx, rep_rx) = mpsc::channel();
    let (out_tx, out_rx) = mpsc::channel();
    inst.listen(rep_tx, out_tx).map_err(|e| e.to_string())?;
    Ok((inst, rep_rx, out_rx))
}

/// `spec` with a run's instrumentation in its environment, when there is
/// one.
fn with_instrument(spec: &RunSpec, inst: Option<&Instrument>) -> RunSpec {
    let mut spec = spec.clone();
    if let Some(inst) = inst {
        // proclab reads fds 1 and 2 as pipes: each process may hand over its own.
        for (k, v) in inst.env(true) {
            spec = spec.with_env(k, v);
        }
    }
    spec
}

impl RunLab {
    /// Starts watching `target`, after ending whatever was watched before.
    pub fn start(&mut self, lab: &Lab, target: Target) -> Result<(), RunError> {
        self.start_with(lab, target, None)
    }

    /// Writes `example` into a private folder and runs it there.
    pub fn run_example(
        &mut self,
        lab: &Lab,
        example: &Example,
        instrument: bool,
    ) -> Result<(), RunError> {
        let (dir, spec) = example.prepare().map_err(RunError::Pipe)?;
        self.start_with(lab, Target::Run { spec, instrument }, Some(dir))
    }

    fn start_with(
        &mut self,
        lab: &Lab,
        target: Target,
        example: Option<PrivateDir>,
    ) -> Result<(), RunError> {
        self.stop(STOP_GRACE);
        let (program, base, asked, inst, note) = match target {
            Target::Attach(pid) => (Program::attach(pid)?, None, false, None, None),
            Target::Run { spec, instrument: asked } => {
                let (inst, note) = match asked.then(instrument) {
                    Some(Ok(i)) => (Some(i), None),
                    Some(Err(why)) => (None, Some(why)),
                    None => (None, None),
                };
                let full = with_instrument(&spec, inst.as_ref().map(|i| &i.0));
                (Program::run(lab, full)?, Some(spec), asked, inst, note)
            }
        };
        let (what, cwd) = match &base {
            Some(spec) => (spec.display(), cwd_of(spec)),
            None => {
                let pid = program.main_id().pid;
                let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
                (attached_words(&program), cwd)
            }
        };
        self.news.push(RunNews::Watching {
            what,
            pid: program.main_id().pid,
            run: program.run_number(),
            owned: program.is_owned(),
            instrumented: inst.is_some(),
            note,
            cwd,
        });
        let (instrument, reports, lines) = match inst {
            Some((i, r, l)) => (Some(i), Some(r), Some(l)),
            None => (None, None, None),
        };
        self.watched = Some(Watched {
            program,
            base,
            instrument_asked: asked,
            instrument,
            reports,
            lines,
            _example: example,
            next_sample: Instant::now(),
        });
        Ok(())
    }

    /// `r`: ends the program and starts it again, with a fresh
    /// instrumentation; the new run's number comes with its news.
    pub fn restart(&mut self, lab: &Lab) -> Result<StopReport, RunError> {
        let w = self.watched.as_mut().ok_or(RunError::NotOwned)?;
        let base = w.base.clone().ok_or(RunError::NotOwned)?;
        // The old run's last words first, under its number.
        drain(w, &mut self.news, usize::MAX);
        w.instrument = None;
        w.reports = None;
        w.lines = None;
        let (inst, note) = match w.instrument_asked.then(instrument) {
            Some(Ok(i)) => (Some(i), None),
            Some(Err(why)) => (None, Some(why)),
            None => (None, None),
        };
        let spec = with_instrument(&base, inst.as_ref().map(|i| &i.0));
        let report = w.program.restart_with(lab, STOP_GRACE, spec)?;
        self.news.push(RunNews::Watching {
            what: base.display(),
            pid: w.program.main_id().pid,
            run: w.program.run_number(),
            owned: true,
            instrumented: inst.is_some(),
            note,
            cwd: cwd_of(&base),
        });
        if let Some((i, r, l)) = inst {
            w.instrument = Some(i);
            w.reports = Some(r);
            w.lines = Some(l);
        }
        w.next_sample = Instant::now();
        Ok(report)
    }

    /// Ends a program proclab started, whole tree, and reaps it; leaves an
    /// attached one alone. Its last events come from the next poll.
    pub fn stop(&mut self, grace: Duration) -> StopReport {
        let Some(w) = self.watched.as_mut() else {
            return StopReport::default();
        };
        let report = w.program.shutdown(grace);
        drain(w, &mut self.news, usize::MAX);
        if let Some(mut i) = w.instrument.take() {
            i.stop();
        }
        report
    }

    /// Is something watched?
    pub fn is_watching(&self) -> bool {
        self.watched.is_some()
    }

    /// Was the watched program started by proclab?
    pub fn is_owned(&self) -> bool {
        self.watched.as_ref().is_some_and(|w| w.program.is_owned())
    }

    pub fn program(&self) -> Option<&Program> {
        self.watched.as_ref().map(|w| &w.program)
    }

    fn program_or_err(&self) -> Result<&Program, RunError> {
        self.program().ok_or(RunError::NotInProgram(0))
    }

    /// SIGSTOP to one process of the program.
    pub fn pause(&mut self, id: ProcId) -> Result<(), RunError> {
        self.program_or_err()?.pause(id)?;
        self.sample_soon();
        Ok(())
    }

    /// SIGCONT to one process of the program.
    pub fn resume(&mut self, id: ProcId) -> Result<(), RunError> {
        self.program_or_err()?.resume(id)?;
        self.sample_soon();
        Ok(())
    }

    /// SIGTERM alone, as `p.terminate()`; true when the process was
    /// stopped (then the signal waits until it is continued).
    pub fn terminate(&mut self, id: ProcId) -> Result<bool, RunError> {
        let stopped = self.program_or_err()?.terminate(id)?;
        self.sample_soon();
        Ok(stopped)
    }

    /// SIGKILL, as `p.kill()`.
    pub fn kill(&mut self, id: ProcId) -> Result<(), RunError> {
        self.program_or_err()?.kill(id)?;
        self.sample_soon();
        Ok(())
    }

    /// Reads the tree at the next poll, to show what a signal did.
    fn sample_soon(&mut self) {
        if let Some(w) = self.watched.as_mut() {
            w.next_sample = Instant::now();
        }
    }

    /// Everything that happened since the last look, without blocking.
    pub fn poll(&mut self) -> Vec<RunNews> {
        if let Some(w) = self.watched.as_mut() {
            drain(w, &mut self.news, MAX_REPORTS);
            let now = Instant::now();
            if now >= w.next_sample {
                let run = w.program.run_number();
                let sample = w.program.sample().clone();
                let idle = w.program.has_exited() && sample.processes.is_empty();
                w.next_sample = now + if idle { SAMPLE_AFTER_END } else { SAMPLE_EVERY };
                self.news.push(RunNews::Sample {
                    run,
                    sample: Box::new(sample),
                });
                // What the sample adopted or saw end is reaped now.
                drain(w, &mut self.news, 0);
            }
        }
        std::mem::take(&mut self.news)
    }
}

/// The program's own folder: its script's (the first argument ending in
/// `.py`), else the folder it runs in. Its events name the files there by
/// their name alone.
fn cwd_of(spec: &RunSpec) -> Option<PathBuf> {
    let cwd = spec.cwd.clone().or_else(|| std::env::current_dir().ok())?;
    let script = std::iter::once(&spec.program)
        .chain(&spec.args)
        .map(std::path::Path::new)
        .find(|p| p.extension().is_some_and(|e| e == "py"));
    match script.and_then(|p| cwd.join(p).parent().map(PathBuf::from)) {
        Some(dir) => Some(dir.canonicalize().unwrap_or(dir)),
        None => Some(cwd),
    }
}

/// The attached program's command line, or its pid.
fn attached_words(program: &Program) -> String {
    let pid = program.main_id().pid;
    let cmdline = super::procfs::read_cmdline(pid, &mut Vec::new());
    if cmdline.is_empty() {
        format!("process {pid}")
    } else {
        cmdline.join(" ")
    }
}

/// Takes in the program's events, the lines its processes handed over,
/// and at most `max_reports` reports.
fn drain(w: &mut Watched, news: &mut Vec<RunNews>, max_reports: usize) {
    let run = w.program.run_number();
    if let Some(rx) = &w.reports {
        for _ in 0..max_reports {
            match rx.try_recv() {
                Ok(report) => news.push(RunNews::Report { run, report }),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
    }
    if let Some(rx) = &w.lines {
        while let Ok(line) = rx.try_recv() {
            news.push(RunNews::Program(RunEvent::Output { run, line }));
        }
    }
    news.extend(w.program.poll().into_iter().map(RunNews::Program));
}

impl Controller for RunLab {
    type Event = RunNews;

    fn set_up(_lab: &Lab) -> RunLab {
        RunLab::default()
    }

    fn after_exits(&mut self, _lab: &mut Lab, _ended: &[crate::lab::LabEvent]) -> Vec<RunNews> {
        self.poll()
    }

    /// Ends a program proclab started, and reaps it; an attached one goes on.
    fn shutdown(&mut self, _lab: &mut Lab, grace: Duration) {
        self.stop(grace);
        self.watched = None;
    }
}
