//! UI state and the pure `update` that turns actions into effects.
//!
//! Nothing here draws or touches a terminal: the event loop feeds in input,
//! samples and engine snapshots, and performs the effects `update` returns
//! ([`perform`]). Tests drive all of it without a terminal.

pub mod action;
pub mod gil;
pub mod keymap;
pub mod labs;
pub mod log;
pub mod narrate;
pub mod perform;
pub mod view;

use std::collections::HashMap;
use std::time::Duration;

use crate::lab::slot::Control;
use crate::lab::{StartOptions, Status, WorkerId, WorkerSnapshot, Workload};
use crate::metrics::{ProcLoad, Sample, ThreadLoad};

pub use self::action::{Action, EXIT_CODE, Effect};
pub use self::keymap::{Key, Keymap};
pub use self::labs::LabId;
use self::log::{EventLog, LogEntry};
use self::narrate::Line;
use self::view::{CoreHistory, WorkerRow};

/// Settings the user can change while proclab runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// What `s` starts.
    pub start: StartOptions,
    pub auto_join: bool,
    pub max_workers: usize,
}

/// The machine, as measured at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    pub cores: usize,
}

/// All UI state.
#[derive(Debug, Clone)]
pub struct App {
    pub lab: LabId,
    pub keymap: Keymap,
    pub settings: Settings,
    pub machine: Machine,
    /// Every worker, joined ones included, oldest first.
    pub workers: Vec<WorkerSnapshot>,
    /// The latest `/proc` reading of each worker pid.
    pub procs: HashMap<u32, ProcLoad>,
    /// The latest `/proc` reading of each thread of a multithreaded worker, by tid.
    pub threads: HashMap<u32, ThreadLoad>,
    pub cores: CoreHistory,
    pub selected: Option<WorkerId>,
    pub log: EventLog,
    /// The GIL lab's state.
    pub gil: gil::GilState,
    /// The help overlay's scroll offset, while it is open.
    pub help: Option<u16>,
    /// Time since start, set by the loop before each event.
    pub now: Duration,
    pub quitting: bool,
}

impl App {
    pub fn new(lab: LabId, settings: Settings, machine: Machine) -> App {
        App {
            lab,
            keymap: Keymap::standard(),
            settings,
            machine,
            workers: Vec::new(),
            procs: HashMap::new(),
            threads: HashMap::new(),
            cores: CoreHistory::default(),
            selected: None,
            log: EventLog::default(),
            gil: gil::GilState::default(),
            help: None,
            now: Duration::ZERO,
            quitting: false,
        }
    }

    /// Adds a line to the event log, timestamped now.
    pub fn say(&mut self, line: Line) {
        self.log.push(LogEntry {
            at: self.now,
            python: line.python,
            text: line.text,
            level: line.level,
        });
    }

    /// The worker table's rows.
    pub fn rows(&self) -> Vec<WorkerRow> {
        self.workers
            .iter()
            .map(|w| WorkerRow::new(w, self.procs.get(&w.pid)))
            .collect()
    }

    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected?;
        self.workers.iter().position(|w| w.id == id)
    }

    pub fn selected_worker(&self) -> Option<&WorkerSnapshot> {
        let i = self.selected_index()?;
        self.workers.get(i)
    }

    /// Pids the sampler should read: every worker not yet joined.
    pub fn watched_pids(&self) -> Vec<u32> {
        self.workers
            .iter()
            .filter(|w| !matches!(w.status, Status::Joined(_)))
            .map(|w| w.pid)
            .collect()
    }

    /// Takes a fresh engine snapshot. Returns whether anything shown changed.
    pub fn on_workers(&mut self, workers: Vec<WorkerSnapshot>) -> bool {
        if workers == self.workers {
            return false;
        }
        self.workers = workers;
        if self.selected_index().is_none() {
            self.selected = self.workers.last().map(|w| w.id);
        }
        true
    }

    /// Takes a sample from the sampler thread.
    pub fn on_sample(&mut self, sample: Sample) {
        if let Some(cores) = &sample.cores {
            self.cores.push(cores);
        }
        self.procs = sample.procs.into_iter().map(|p| (p.pid, p)).collect();
        self.threads = sample.threads.into_iter().map(|t| (t.tid, t)).collect();
    }

    /// Counts of workers by state, for headers and titles.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for w in &self.workers {
            match w.status {
                Status::Alive { paused } => {
                    c.alive += 1;
                    if paused {
                        c.paused += 1;
                    }
                }
                Status::Exited(_) => c.zombies += 1,
                Status::Joined(_) => c.joined += 1,
            }
        }
        c
    }

    /// The Python target name of the current workload.
    pub fn target(&self) -> &'static str {
        target_name(self.settings.start.workload)
    }

    /// Whether an action would do anything now (the footer lists only those).
    pub fn applies(&self, action: Action) -> bool {
        let sel = self.selected_worker();
        let alive = sel.is_some_and(|w| w.status.is_alive());
        match action {
            Action::TogglePause | Action::Terminate | Action::Kill => alive,
            Action::Raise | Action::Exit => alive,
            Action::Join => sel.is_some_and(|w| !matches!(w.status, Status::Joined(_))),
            Action::JoinAll => self.counts().zombies > 0,
            Action::NextLab | Action::PrevLab => LabId::ALL.len() > 1,
            Action::Gil(a) => gil::applies(self, a),
            _ => true,
        }
    }

    /// The footer's word for an action, which may depend on the selection.
    pub fn action_label(&self, action: Action) -> &'static str {
        match action {
            Action::TogglePause => {
                let paused = self
                    .selected_worker()
                    .is_some_and(|w| w.status == Status::Alive { paused: true });
                if paused { "resume" } else { "pause" }
            }
            Action::Gil(a) => gil::action_label(self, a),
            other => other.label(),
        }
    }
}

/// The Python target name for a workload.
pub fn target_name(workload: Workload) -> &'static str {
    match workload {
        Workload::Cpu => "clean_order",
        Workload::Io => "time.sleep",
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub alive: usize,
    pub paused: usize,
    pub zombies: usize,
    pub joined: usize,
}

impl Action {
    /// A word or two for the footer.
    pub fn label(self) -> &'static str {
        match self {
            Action::Spawn => "start",
            Action::TogglePause => "pause/resume",
            Action::Terminate => "terminate",
            Action::Kill => "kill",
            Action::Join => "join",
            Action::JoinAll => "join all",
            Action::Raise => "raise",
            Action::Exit => "sys.exit",
            Action::ToggleDaemon => "daemon",
            Action::ToggleWorkload => "cpu/io",
            Action::ToggleAutoJoin => "auto-join",
            Action::SelectPrev => "up",
            Action::SelectNext => "down",
            Action::SelectFirst => "first",
            Action::SelectLast => "last",
            Action::SelectRow(_) => "select",
            Action::NextLab => "next lab",
            Action::PrevLab => "previous lab",
            Action::GotoLab(_) => "lab",
            Action::ToggleHelp => "help",
            Action::CloseOverlay => "close",
            Action::ScrollUp | Action::ScrollDown => "scroll",
            Action::Quit => "quit",
            Action::Gil(a) => a.label(),
        }
    }

    /// A sentence for the help overlay.
    pub fn describe(self) -> String {
        match self {
            Action::Spawn => "start a new worker process (Process.start)".into(),
            Action::TogglePause => {
                "pause the selected worker (SIGSTOP) or resume it (SIGCONT)".into()
            }
            Action::Terminate => "terminate: SIGTERM, exitcode -15 (SIGCONT too if paused)".into(),
            Action::Kill => "kill: SIGKILL, exitcode -9".into(),
            Action::Join => "join: reap an ended worker, or wait for it to end".into(),
            Action::JoinAll => "join every ended worker (no zombie left)".into(),
            Action::Raise => "make the worker raise an uncaught exception: exitcode 1".into(),
            Action::Exit => format!("make the worker call sys.exit({EXIT_CODE})"),
            Action::ToggleDaemon => "new workers: daemon or not (killed or joined at quit)".into(),
            Action::ToggleWorkload => "new workers: CPU-bound loop or I/O-bound sleep".into(),
            Action::ToggleAutoJoin => "join ended workers at once, or keep the zombies".into(),
            Action::SelectPrev => "select the previous worker".into(),
            Action::SelectNext => "select the next worker".into(),
            Action::SelectFirst => "select the first worker".into(),
            Action::SelectLast => "select the last worker".into(),
            Action::SelectRow(_) => "select a worker (mouse click)".into(),
            Action::NextLab => "next lab".into(),
            Action::PrevLab => "previous lab".into(),
            Action::GotoLab(lab) => format!("open the {} lab", lab.title()),
            Action::ToggleHelp => "show or hide this help".into(),
            Action::CloseOverlay => "close the help".into(),
            Action::ScrollUp => "scroll the help up".into(),
            Action::ScrollDown => "scroll the help down".into(),
            Action::Quit => {
                "quit: terminate every worker, join them all, restore the terminal".into()
            }
            Action::Gil(a) => a.describe(),
        }
    }
}

/// Applies an action to the UI state and says what the loop must do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Spawn => return vec![Effect::Start(app.settings.start)],
        Action::TogglePause => {
            return with_alive(app, "pause", |w| match w.status {
                Status::Alive { paused: true } => Effect::Resume(w.id),
                _ => Effect::Pause(w.id),
            });
        }
        Action::Terminate => return with_alive(app, "terminate", |w| Effect::Terminate(w.id)),
        Action::Kill => return with_alive(app, "kill", |w| Effect::Kill(w.id)),
        Action::Raise => {
            return with_alive(app, "raise", |w| Effect::Request(w.id, Control::Raise));
        }
        Action::Exit => {
            return with_alive(app, "exit", |w| {
                Effect::Request(w.id, Control::Exit(EXIT_CODE))
            });
        }
        Action::Join => match app.selected_worker() {
            None => app.say(narrate::no_selection("join")),
            Some(w) => return vec![Effect::Join(w.id)],
        },
        Action::JoinAll => return vec![Effect::JoinAll],
        Action::ToggleDaemon => {
            app.settings.start.daemon = !app.settings.start.daemon;
            app.say(narrate::daemon_set(app.settings.start.daemon));
        }
        Action::ToggleWorkload => {
            let next = match app.settings.start.workload {
                Workload::Cpu => Workload::Io,
                Workload::Io => Workload::Cpu,
            };
            app.settings.start.workload = next;
            app.say(narrate::workload_set(
                target_name(next),
                next == Workload::Cpu,
            ));
        }
        Action::ToggleAutoJoin => {
            app.settings.auto_join = !app.settings.auto_join;
            app.say(narrate::auto_join_set(app.settings.auto_join));
            return vec![Effect::SetAutoJoin(app.settings.auto_join)];
        }
        Action::SelectPrev => select_by(app, |i, _| i.saturating_sub(1)),
        Action::SelectNext => select_by(app, |i, n| (i + 1).min(n - 1)),
        Action::SelectFirst => select_by(app, |_, _| 0),
        Action::SelectLast => select_by(app, |_, n| n - 1),
        Action::SelectRow(row) => {
            if let Some(w) = app.workers.get(row) {
                app.selected = Some(w.id);
            }
        }
        Action::NextLab => app.lab = app.lab.next(),
        Action::PrevLab => app.lab = app.lab.prev(),
        Action::GotoLab(lab) => app.lab = lab,
        Action::ToggleHelp => {
            app.help = match app.help {
                Some(_) => None,
                None => Some(0),
            }
        }
        Action::CloseOverlay => app.help = None,
        Action::ScrollUp => app.help = app.help.map(|s| s.saturating_sub(1)),
        Action::ScrollDown => app.help = app.help.map(|s| s.saturating_add(1)),
        Action::Quit => {
            app.quitting = true;
            return vec![Effect::Quit];
        }
        Action::Gil(a) => return gil::update(app, a),
    }
    Vec::new()
}

/// An effect on the selected worker if it is alive; otherwise a log line
/// saying why nothing happened.
fn with_alive(
    app: &mut App,
    what: &str,
    effect: impl FnOnce(&WorkerSnapshot) -> Effect,
) -> Vec<Effect> {
    match app.selected_worker() {
        None => {
            app.say(narrate::no_selection(what));
            Vec::new()
        }
        Some(w) if !w.status.is_alive() => {
            let id = w.id;
            app.say(narrate::error(&crate::lab::LabError::NotAlive(id)));
            Vec::new()
        }
        Some(w) => vec![effect(w)],
    }
}

fn select_by(app: &mut App, pick: impl FnOnce(usize, usize) -> usize) {
    let n = app.workers.len();
    if n == 0 {
        return;
    }
    let current = app.selected_index().unwrap_or(0);
    app.selected = Some(app.workers[pick(current, n)].id);
}

#[cfg(test)]
mod tests;
