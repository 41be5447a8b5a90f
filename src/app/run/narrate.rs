//! The run view's words: the program's own multiprocessing events, each
//! with its `file:line`, and what the lifecycle keys did to a real
//! process, with the Python that would do the same and what the program
//! will see. Every Python line comes from the claims table.

use std::path::Path;

use crate::app::claims::Run;
use crate::app::claims::{Gil, Lifecycle, Pool};
use crate::app::narrate::{Line, line, note, why_exited};
use crate::lab::describe_exitcode;
use crate::lab::run::instrument::state::Role;
use crate::lab::run::instrument::{Event, Site};
use crate::lab::run::{GilVerdict, ProcId, RunError, StopReport};

use super::RunState;

/// A process of the program, as the words name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub pid: u32,
    /// Its `Process` name (`primes-0`), where the instrumentation said.
    pub name: Option<String>,
    /// A `multiprocessing` Process (a Pool worker, a Manager's server):
    /// the Python that signals it is `p.terminate()`, not `os.kill(pid, ...)`.
    pub process: bool,
    pub pool_worker: bool,
    pub main: bool,
}

impl Who {
    pub fn of(state: &RunState, pid: u32) -> Who {
        let p = state.model.processes.get(&pid);
        let role = p.map(|p| p.role);
        Who {
            pid,
            name: p.and_then(|p| p.name.clone()),
            process: matches!(
                role,
                Some(Role::Process | Role::PoolWorker | Role::Manager)
            ),
            pool_worker: role == Some(Role::PoolWorker),
            main: state.main_pid == Some(pid),
        }
    }

    /// `primes-0 (4312)`, `the main process (4312)`, `process 4312`.
    pub fn words(&self) -> String {
        match (&self.name, self.main) {
            (Some(n), _) => format!("{n} ({})", self.pid),
            (None, true) => format!("the main process ({})", self.pid),
            (None, false) => format!("process {}", self.pid),
        }
    }
}

/// `file:line`: the file's name alone when it is in the program's folder
/// or below, else its whole path (a module of another folder).
pub fn site(site: &Site, root: Option<&Path>) -> String {
    let file = Path::new(&site.file);
    let inside = root.is_some_and(|r| file.starts_with(r));
    let shown = match file.file_name() {
        Some(name) if inside => Path::new(name),
        _ => file,
    };
    format!("{}:{}", shown.display(), site.line)
}

/// What happened, at `site` if the event says where.
fn at(state: &RunState, site: Option<&Site>, text: String) -> String {
    match site {
        Some(s) => format!("{} {text}", self::site(s, state.root.as_deref())),
        None => text,
    }
}

/// The log line for one of the program's events, said by process `pid`;
/// None for the events the log does not show.
pub fn event(state: &RunState, pid: u32, event: &Event) -> Option<Line> {
    let p = [("p", "p")];
    Some(match event {
        Event::Start(info) => {
            let child = info.pid.map(|c| Who::of(state, c));
            let name = child.as_ref().map_or("a Process".into(), Who::words);
            let target = info
                .target
                .as_deref()
                .map(|t| format!(", target {}", short_target(t)))
                .unwrap_or_default();
            let daemon = if info.daemon { ", a daemon" } else { "" };
            let method = info
                .method
                .as_deref()
                .map(|m| format!(", {m}"))
                .unwrap_or_default();
            line(
                Lifecycle::Start.fill(&p),
                at(
                    state,
                    info.at.as_ref(),
                    format!("{name} started{target}{daemon}{method}"),
                ),
            )
        }
        Event::Exit { code: Some(code), .. } => line(
            None,
            format!(
                "{} ends: exit code {code}, {}",
                Who::of(state, pid).words(),
                why_exited(*code)
            ),
        ),
        Event::Join {
            pid: Some(child),
            exitcode: Some(code),
            at: site,
            ..
        } => {
            let code_s = code.to_string();
            let who = Who::of(state, *child).words();
            let text = format!("{who} joined: exitcode {}", describe_exitcode(*code));
            let l = line(
                Lifecycle::Join.fill(&[("p", "p"), ("code", &code_s)]),
                at(state, site.as_ref(), text),
            );
            if *code == 0 { l } else { noted(l) }
        }
        Event::Join {
            pid: Some(child),
            exitcode: None,
            timeout: Some(secs),
            at: site,
            ..
        } => {
            let s = python_float(*secs);
            let who = Who::of(state, *child).words();
            line(
                Run::JoinTimeout.fill(&[("p", "p"), ("s", &s)]),
                at(
                    state,
                    site.as_ref(),
                    format!("join({s}) of {who} timed out: still running"),
                ),
            )
        }
        Event::Terminate { pid: Some(child), at: site, .. } => line(
            Lifecycle::Terminate.fill(&p),
            at(
                state,
                site.as_ref(),
                format!("the program terminates {}: SIGTERM", Who::of(state, *child).words()),
            ),
        ),
        Event::Kill { pid: Some(child), at: site, .. } => line(
            Lifecycle::Kill.fill(&p),
            at(
                state,
                site.as_ref(),
                format!("the program kills {}: SIGKILL", Who::of(state, *child).words()),
            ),
        ),
        Event::Reaped {
            pid: Some(child),
            exitcode: Some(code),
            via: Some(via),
            at: site,
            ..
        } => {
            let code_s = code.to_string();
            let python = match via.as_str() {
                // The join line says it.
                "join" => return None,
                "is_alive" => Lifecycle::IsAliveReaps.fill(&p),
                "exitcode" => Lifecycle::ExitcodeReaps.fill(&[("p", "p"), ("code", &code_s)]),
                "active_children" => Lifecycle::ActiveChildren.fill(&[]),
                "start" => Lifecycle::StartReaps.fill(&[("p2", "p2")]),
                _ => return None,
            };
            line(
                python,
                at(
                    state,
                    site.as_ref(),
                    format!("{} reaped by {via}(): the zombie is gone", Who::of(state, *child).words()),
                ),
            )
        }
        Event::Made(m) => made(state, pid, m)?,
        Event::Call(c) => call(state, c)?,
        Event::Close { ino, at: site, .. } => {
            let (end, which) = closed_end(state, *ino)?;
            line(
                Run::CloseEnd.fill(&[("conn", end)]),
                at(
                    state,
                    site.as_ref(),
                    format!("{} closes {which}", Who::of(state, pid).words()),
                ),
            )
        }
        _ => return None,
    })
}

fn noted(l: Line) -> Line {
    note(l.python, l.text)
}

/// `__main__.worker` as `worker`.
pub fn short_target(target: &str) -> &str {
    target.strip_prefix("__main__.").unwrap_or(target)
}

/// A number of seconds as Python writes it (`0.5`, `2.0`).
fn python_float(secs: f64) -> String {
    let s = format!("{secs}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// A Pipe end by its inode: the variable it usually has and which end.
fn closed_end(state: &RunState, ino: u64) -> Option<(&'static str, String)> {
    for (id, pipe) in &state.model.pipes {
        let ends = &pipe.made.ends;
        if !ends.contains(&Some(ino)) {
            continue;
        }
        let n = id.rsplit('.').next().unwrap_or(id);
        // The newest close of this pipe is the one just reported.
        let end = pipe.closed.last().map(|c| c.1).unwrap_or(0);
        return Some(if pipe.made.duplex == Some(false) {
            if end == 0 {
                ("r", format!("its copy of pipe {n}'s receiving end"))
            } else {
                ("w", format!("its copy of pipe {n}'s sending end"))
            }
        } else {
            ("a", format!("its copy of end {end} of pipe {n}"))
        });
    }
    None
}

fn made(state: &RunState, pid: u32, m: &crate::lab::run::instrument::wire::Made) -> Option<Line> {
    let n = |v: i64| v.to_string();
    let python = match m.what.as_str() {
        "Queue" => match bounded(m.maxsize) {
            Some(s) => Run::Queue.fill(&[("n", &n(s))]),
            None => Run::QueueUnbounded.fill(&[]),
        },
        "JoinableQueue" => match bounded(m.maxsize) {
            Some(s) => Run::JoinableQueue.fill(&[("n", &n(s))]),
            None => Run::JoinableQueueUnbounded.fill(&[]),
        },
        "SimpleQueue" => Run::SimpleQueue.fill(&[]),
        "Pipe" => {
            let duplex = if m.duplex == Some(false) { "False" } else { "True" };
            Run::Pipe.fill(&[("bool", duplex)])
        }
        "Value" => Run::Value.fill(&[
            ("tc", &typecode(m.typecode.as_deref())),
            ("value", &value_text(m.value.as_ref())),
        ]),
        "Array" => Run::Array.fill(&[
            ("tc", &typecode(m.typecode.as_deref())),
            ("n", &m.len.map_or("n".into(), |l| l.to_string())),
        ]),
        "Lock" => Run::Lock.fill(&[]),
        "RLock" => Run::RLock.fill(&[]),
        "Condition" => Run::Condition.fill(&[]),
        "Semaphore" => Run::Semaphore.fill(&[("k", &m.initial.unwrap_or(1).to_string())]),
        "Event" => Run::Event.fill(&[]),
        "Barrier" => Run::Barrier.fill(&[("n", &m.parties.unwrap_or(0).to_string())]),
        "Pool" => Pool::MakePool.fill(&[
            ("n", &m.processes.map_or(String::new(), |p| p.to_string())),
            ("options", ""),
        ]),
        "SyncManager" => Run::Manager.fill(&[]),
        "Manager.list" => Run::ManagerList.fill(&[]),
        "Manager.dict" => Run::ManagerDict.fill(&[]),
        _ => String::new(),
    };
    let what = match m.what.as_str() {
        "Pool" | "ThreadPool" => format!(
            "{} made: {} workers",
            m.what,
            m.processes.map_or("?".into(), |p| p.to_string())
        ),
        w @ ("Manager.list" | "Manager.dict") => format!(
            "a {} kept by the manager's server, made by {}",
            &w["Manager.".len()..],
            Who::of(state, pid).words()
        ),
        w if m.server.is_some() => format!("{w} started: its server is process {}", m.server.unwrap_or(0)),
        w => format!("{w} made by {}", Who::of(state, pid).words()),
    };
    let python = (!python.is_empty()).then_some(python);
    Some(line(python, at(state, m.at.as_ref(), what)))
}

/// A queue's maxsize as the program gave it: None for no limit (0, which
/// multiprocessing stores as the largest semaphore value).
pub fn bounded(maxsize: Option<i64>) -> Option<i64> {
    maxsize.filter(|&m| m > 0 && m < i64::from(i32::MAX))
}

/// `'i'`, or the ctypes type's name.
fn typecode(code: Option<&str>) -> String {
    match code {
        Some(c) if c.chars().count() == 1 => format!("'{c}'"),
        Some(c) => c.to_string(),
        None => "'?'".into(),
    }
}

fn value_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => "0".into(),
    }
}

fn call(state: &RunState, c: &crate::lab::run::instrument::wire::Call) -> Option<Line> {
    let func = c.func.as_deref().map(short_target).unwrap_or("func");
    let chunk = c.chunksize.map_or("?".into(), |n| n.to_string());
    let api = c.api.as_str();
    let items = c.items.map(|n| format!(", {n} items")).unwrap_or_default();
    let job = c.job.map(|j| format!("job {j}: ")).unwrap_or_default();
    let (python, text) = match api {
        "map" | "map_async" | "starmap" | "starmap_async" => (
            Run::PoolMap.fill(&[("api", api), ("func", func), ("n", &chunk)]),
            format!("{job}{api}({func}){items} in chunks of {chunk}"),
        ),
        "imap" | "imap_unordered" => (
            Run::PoolImap.fill(&[("api", api), ("func", func), ("n", &chunk)]),
            format!("{job}{api}({func}), chunks of {chunk}"),
        ),
        "apply" | "apply_async" => (
            Run::PoolApply.fill(&[("api", api), ("func", func)]),
            format!("{job}{api}({func}): one task"),
        ),
        "close" => (
            Run::PoolClose.fill(&[]),
            "the pool takes no more work".into(),
        ),
        "terminate" => (
            Run::PoolTerminate.fill(&[]),
            "the pool's workers get SIGTERM".into(),
        ),
        "join" => (Run::PoolJoin.fill(&[]), "the pool's workers have ended".into()),
        _ => return None,
    };
    Some(line(python, at(state, c.at.as_ref(), text)))
}

/// The Python that signals `who`: `p.terminate()` for a Process,
/// `os.kill(pid, ...)` for any other process.
pub fn paused(who: &Who) -> Line {
    line(
        Gil::InterpreterPaused.fill(&[("pid", &who.pid.to_string())]),
        format!("{} stopped where it is: state T, every thread", who.words()),
    )
}

pub fn resumed(who: &Who, term_pending: bool) -> Line {
    let pid = who.pid.to_string();
    if term_pending {
        return note(
            Run::ContinuePending.fill(&[("pid", &pid)]),
            format!("{} continues, and acts on the SIGTERM it had: it ends", who.words()),
        );
    }
    line(
        Gil::InterpreterResumed.fill(&[("pid", &pid)]),
        format!("{} continues where it stopped", who.words()),
    )
}

/// What `t` did, and what the program will see.
pub fn terminated(who: &Who, stopped: bool) -> Vec<Line> {
    let pid = who.pid.to_string();
    let mut lines = vec![match (who.process, stopped) {
        (true, false) => line(
            Lifecycle::Terminate.fill(&[("p", "p")]),
            format!("SIGTERM to {}: it ends at once, no finally block runs", who.words()),
        ),
        (true, true) => note(
            Lifecycle::TerminateStopped.fill(&[("p", "p")]),
            format!("SIGTERM to {}, which is stopped: the signal waits until it is resumed (key p)", who.words()),
        ),
        (false, false) => line(
            Run::Sigterm.fill(&[("pid", &pid)]),
            format!("SIGTERM to {}: it ends at once, no finally block runs", who.words()),
        ),
        (false, true) => note(
            Run::SigtermStopped.fill(&[("pid", &pid)]),
            format!("SIGTERM to {}, which is stopped: the signal waits until it is resumed (key p)", who.words()),
        ),
    }];
    lines.extend(sees(who, -15));
    lines
}

/// What `k` did, and what the program will see.
pub fn killed(who: &Who, stopped: bool) -> Vec<Line> {
    let pid = who.pid.to_string();
    let python = match (who.process, stopped) {
        (true, false) => Lifecycle::Kill.fill(&[("p", "p")]),
        (true, true) => Lifecycle::KillStopped.fill(&[("p", "p")]),
        (false, _) => Run::Sigkill.fill(&[("pid", &pid)]),
    };
    let mut lines = vec![line(
        python,
        format!("SIGKILL to {}: it ends at once, nothing of it runs", who.words()),
    )];
    lines.extend(sees(who, -9));
    lines
}

/// What the program will see of a process ended by signal `-code`.
fn sees(who: &Who, code: i32) -> Vec<Line> {
    let code_s = code.to_string();
    let mut lines = Vec::new();
    if who.process {
        lines.push(note(
            Lifecycle::Join.fill(&[("p", "p"), ("code", &code_s)]),
            "what its parent will see once it joins it".into(),
        ));
    }
    if who.pool_worker {
        lines.push(note(
            Pool::Replaced.fill(&[]),
            "the pool starts a new worker in its place".into(),
        ));
        lines.push(note(
            Pool::KilledHangs.fill(&[]),
            "if it held a task, the job waits for it for ever".into(),
        ));
    }
    if who.main {
        lines.push(note(
            None,
            format!("the program itself: its exit code will be {code} (a shell shows {})", 128 - code),
        ));
    }
    lines
}

pub fn attached_signal() -> Line {
    note(
        None,
        "attached: proclab did not start this program; the process is yours, and so is the signal"
            .into(),
    )
}

pub fn nothing_selected(state: &RunState) -> Line {
    let why = match state.selected {
        Some(id) => format!("process {} has already ended", id.pid),
        None => "no process is selected (↑ ↓ select one)".into(),
    };
    note(None, why)
}

pub fn cannot_restart() -> Line {
    note(
        None,
        "attached: proclab did not start this program, so it cannot run it again".into(),
    )
}

pub fn error(e: &RunError) -> Line {
    Line {
        level: crate::app::log::Level::Error,
        ..line(None, e.to_string())
    }
}

/// `r`: how the last run ended, and that the next one starts.
pub fn again(report: &StopReport, next: u32) -> Line {
    let mut parts = Vec::new();
    if report.terminated > 0 {
        parts.push(format!("{} terminated", report.terminated));
    }
    if report.killed > 0 {
        parts.push(format!("{} killed", report.killed));
    }
    let ended = if parts.is_empty() {
        "had ended".to_string()
    } else {
        format!("ended: {}", parts.join(", "))
    };
    line(None, format!("run {} {ended}; run {next} starts", next - 1))
}

pub fn watching(what: &str, owned: bool, instrumented: bool, pid: u32) -> Line {
    if !owned {
        return note(
            None,
            format!("attached to {pid} ({what}): proclab did not start it, and q leaves it running"),
        );
    }
    let how = if instrumented {
        "its multiprocessing calls reported"
    } else {
        "not instrumented: its processes and threads from /proc only"
    };
    line(None, format!("running {what}: {how}"))
}

pub fn uninstrumented(why: &str) -> Line {
    note(None, format!("running it without instrumentation: {why}"))
}

pub fn started(run: u32, pid: u32) -> Line {
    line(None, format!("run {run} started: the main process is {pid}"))
}

pub fn program_ended(exitcode: Option<i32>, owned: bool) -> Line {
    let again = if owned { "; r runs it again" } else { "" };
    match exitcode {
        Some(0) => line(None, format!("the program ended: exit code 0{again}")),
        Some(c) => note(
            None,
            format!("the program ended: exit code {}, {}{again}", describe_exitcode(c), why_exited(c)),
        ),
        None => note(
            None,
            "the program ended; its parent reaped it before proclab could read its exit code".into(),
        ),
    }
}

pub fn orphan_reaped(pid: u32, exitcode: i32) -> Line {
    line(
        None,
        format!(
            "process {pid}, an orphan, ended with {}: proclab, its subreaper, reaped it",
            describe_exitcode(exitcode)
        ),
    )
}

/// A child that ended and stays a zombie.
pub fn zombie(who: &Who, exitcode: Option<i32>, reaper: &str) -> Line {
    let code = exitcode.map_or(String::new(), |c| format!(" with {}", describe_exitcode(c)));
    note(
        reaper.to_string(),
        format!("{} ended{code}, not joined: a zombie (Z) until reaped", who.words()),
    )
}

/// Which Python call would reap the zombie `who` (whose parent is
/// `parent`).
pub fn reaper(who: &Who, parent_is_forkserver: bool) -> String {
    if parent_is_forkserver {
        Run::ForkserverReaps.fill(&[("p", "p")])
    } else if who.process {
        Run::ZombieReapers.fill(&[("p", "p")])
    } else {
        Run::WaitpidReaps.fill(&[("pid", &who.pid.to_string())])
    }
}

/// A process whose threads take turns on its GIL.
pub fn gil(who: &Who, v: &GilVerdict) -> Line {
    note(
        Run::GilTurns.fill(&[("n", &v.busy.len().to_string())]),
        gil_words(who, v),
    )
}

pub fn gil_words(who: &Who, v: &GilVerdict) -> String {
    format!(
        "{}: {} threads want the CPU and share {:.2} of a core: they take turns holding its GIL",
        who.words(),
        v.busy.len(),
        v.cores_used
    )
}

/// The run view's process `id` in words, for errors.
pub fn id_words(state: &RunState, id: ProcId) -> String {
    Who::of(state, id.pid).words()
}
