//! UI state and the pure `update` that turns actions into effects.
//!
//! Nothing here draws or touches a terminal: the event loop feeds in input,
//! samples and engine snapshots, and performs the effects `update` returns
//! ([`perform`]). Tests drive all of it without a terminal.

pub mod action;
pub mod away;
pub mod claims;
pub mod comms;
pub mod key;
pub mod keymap;
pub mod labs;
pub mod log;
pub mod look;
pub mod metrics;
pub mod narrate;
pub mod numbers;
pub mod perform;
pub mod startup;
pub mod view;

// Each lab's UI part: `pub mod gil;`, `pub mod queue;`, ... one per line of
// the registry.
macro_rules! app_modules {
    ($( ($Lab:ident, $m:ident, $($rest:tt)*) ),* $(,)?) => {
        $( pub mod $m; )*
    };
}
crate::registry::for_each_lab!(app_modules);

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::lab::slot::Control;
use crate::lab::{StartOptions, Status, WorkerId, WorkerSnapshot, Workload};
use crate::metrics::{ProcLoad, Sample, ThreadLoad};

pub use self::action::{Action, EXIT_CODE, Effect};
pub use self::keymap::{Key, Keymap};
pub use self::labs::{AppLab, LabId};
use self::log::{EventLog, LogEntry};
use self::narrate::Line;
pub use self::startup::Startup;
use self::view::{CoreHistory, WorkerRow};

/// Settings the user can change while proclab runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// What `s` starts.
    pub start: StartOptions,
    pub auto_join: bool,
    pub max_workers: usize,
}

/// The look of the screen.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    /// The terminal's own colours.
    #[default]
    Standard,
    /// High contrast, thick bars, large digits, a colour-blind-safe palette,
    /// on a black background of its own.
    Projector,
    /// Dark colours on a white background of its own, for a light room or
    /// a terminal with a light background.
    Light,
}

/// The machine, as measured at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    pub cores: usize,
}

macro_rules! app {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $($rest:tt)*) ),* $(,)?) => {
        /// All UI state: the dashboard's, and each lab's own, one field per
        /// lab of the registry.
        #[derive(Debug, Clone)]
        pub struct App {
            pub lab: LabId,
            /// Views without a number that were opened, in the order opened:
            /// they follow the numbered labs in the tab bar.
            pub opened: Vec<LabId>,
            pub theme: ThemeName,
            /// What the terminal shows: its colours, and ASCII only or not.
            pub look: self::look::Look,
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
            /// The help overlay's scroll offset, while it is open.
            pub help: Option<u16>,
            /// Time since start, set by the loop before each event.
            pub now: Duration,
            pub quitting: bool,
            /// After a first `q`: the workers a Python parent would wait
            /// for at its exit; proclab leaves when they have all ended, or
            /// at a second `q`.
            pub exit_wait: Option<Vec<WorkerId>>,
            /// Draw the last keys pressed in a corner.
            pub show_keys: bool,
            /// The last keys pressed, newest last.
            pub recent_keys: VecDeque<KeyStroke>,
            /// A scenario's caption, shown over the dashboard.
            pub caption: Option<String>,
            /// The lesson being followed, as its panel shows it.
            pub lesson: Option<LessonView>,
            /// Enter was pressed to go on from a lesson step that asks to watch.
            pub lesson_ack: bool,
            /// The lessons there are, for the menu: (name, title, summary).
            pub catalogue: Vec<(&'static str, String, String)>,
            /// The lessons menu, while it is open: (name, title, summary) of each
            /// lesson and the selected row.
            pub lessons_menu: Option<LessonsMenu>,
            /// The lab each worker belongs to, as the engine said when it
            /// was first seen.
            pub owners: HashMap<WorkerId, LabId>,
            /// Labs not shown keep running (else their workers are paused).
            pub keep_running: bool,
            /// Log entries scrolled past at the bottom: 0 shows the newest.
            pub log_scroll: usize,
            /// Rows the log showed in the last frame (the loop sets it): a
            /// page for the keys that scroll it.
            pub log_rows: u16,
            /// The screen as it was when frozen, drawn while the workers
            /// (and this state) go on.
            pub frozen: Option<Box<App>>,
            $(
                #[doc = concat!("The ", stringify!($m), " lab's state.")]
                pub $m: self::$m::$State,
            )*
        }

        impl App {
            pub fn new(lab: LabId, settings: Settings, machine: Machine) -> App {
                App {
                    lab,
                    opened: Vec::new(),
                    theme: ThemeName::Standard,
                    look: self::look::Look::default(),
                    keymap: Keymap::standard(),
                    settings,
                    machine,
                    workers: Vec::new(),
                    procs: HashMap::new(),
                    threads: HashMap::new(),
                    cores: CoreHistory::default(),
                    selected: None,
                    log: EventLog::default(),
                    help: None,
                    now: Duration::ZERO,
                    quitting: false,
                    exit_wait: None,
                    show_keys: false,
                    recent_keys: VecDeque::new(),
                    caption: None,
                    lesson: None,
                    lesson_ack: false,
                    catalogue: Vec::new(),
                    lessons_menu: None,
                    owners: HashMap::new(),
                    keep_running: false,
                    log_scroll: 0,
                    log_rows: 0,
                    frozen: None,
                    $( $m: Default::default(), )*
                }
                .opening(lab)
            }
        }
    };
}

crate::registry::for_each_lab!(app);

/// A lesson's current step, for its panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonView {
    pub title: String,
    /// From 1.
    pub step: usize,
    pub total: usize,
    pub caption: String,
    pub python: String,
    /// The keys to press, as shown.
    pub keys: String,
    /// What is checked, as written.
    pub check: String,
    /// The step's check holds.
    pub passed: bool,
    pub finished: bool,
    /// The step only asks to watch: Enter goes on.
    pub watch: bool,
}

/// The lessons menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonsMenu {
    /// (name, title, summary) of each lesson.
    pub lessons: Vec<(String, String, String)>,
    pub selected: usize,
}

/// One key press, as the keystroke overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStroke {
    pub key: String,
    /// What it did: "pause worker 3".
    pub what: String,
    pub at: Duration,
}

/// Keys the overlay keeps, and how long each stays on screen.
pub const KEYS_SHOWN: usize = 4;
pub const KEY_SHOWN_FOR: Duration = Duration::from_secs(5);

impl App {
    /// Shows `lab`; a view without a number joins the tab bar.
    fn opening(mut self, lab: LabId) -> App {
        self.show(lab);
        self
    }

    /// Shows `lab`; a view without a number joins the tab bar. A
    /// selection left on another lab's worker moves to the shown lab's
    /// first row, so a short table does not scroll the lab's own workers
    /// out of view to keep a paused one in sight.
    pub fn show(&mut self, lab: LabId) {
        self.lab = lab;
        if lab.tab() == labs::Tab::WhenOpen && !self.opened.contains(&lab) {
            self.opened.push(lab);
        }
        let elsewhere = self
            .selected_worker()
            .is_none_or(|w| self.lab_of(w) != Some(lab));
        let first = self.table_order().first().map(|&i| &self.workers[i]);
        if let Some(w) = first.filter(|w| elsewhere && self.lab_of(w) == Some(lab)) {
            self.selected = Some(w.id);
        }
    }

    /// The tab bar's labs, in order.
    pub fn tabs(&self) -> Vec<LabId> {
        labs::tabs(&self.opened)
    }

    /// Adds a line to the event log, timestamped now. A log scrolled back
    /// stays on the lines it shows.
    pub fn say(&mut self, line: Line) {
        if self.log_scroll > 0 {
            self.log_scroll = (self.log_scroll + 1).min(log::LOG_CAPACITY - 1);
        }
        self.log.push(LogEntry {
            at: self.now,
            python: line.python,
            text: line.text,
            level: line.level,
        });
    }

    /// What the screen shows: the state when frozen, else this one.
    pub fn shown(&self) -> &App {
        self.frozen.as_deref().unwrap_or(self)
    }

    /// The lab a worker belongs to: the one that started it, else the one
    /// whose role it has.
    pub fn lab_of(&self, w: &WorkerSnapshot) -> Option<LabId> {
        self.owners
            .get(&w.id)
            .copied()
            .or_else(|| labs::lab_of_role(w.role))
    }

    /// Learns the lab of each worker not seen before from the engine;
    /// returns those workers.
    pub fn note_owners(&mut self, lab: &crate::lab::Lab) -> Vec<WorkerId> {
        let mut fresh = Vec::new();
        for w in &self.workers {
            if !self.owners.contains_key(&w.id) {
                fresh.push(w.id);
                // A worker nobody claimed is the role's lab's, else the
                // lab shown when it started.
                let owner = lab
                    .owner(w.id)
                    .and_then(LabId::from_name)
                    .or_else(|| labs::lab_of_role(w.role))
                    .unwrap_or(self.lab);
                self.owners.insert(w.id, owner);
            }
        }
        if self.owners.len() > self.workers.len() {
            let ids: std::collections::HashSet<WorkerId> =
                self.workers.iter().map(|w| w.id).collect();
            self.owners.retain(|id, _| ids.contains(id));
        }
        fresh
    }

    /// A row for every worker, in the order of `workers` (oldest first).
    pub fn rows(&self) -> Vec<WorkerRow> {
        self.workers
            .iter()
            .map(|w| WorkerRow::new(w, self.procs.get(&w.pid)))
            .collect()
    }

    /// The worker table's order, as indices into `workers`: the shown
    /// lab's workers first, then the other labs' (paused while not
    /// shown); within each, the live ones, then those ended and still to
    /// join, then the joined ones, oldest first. So the rows that matter
    /// now are the first a short table shows, and ended rows never push
    /// live ones out of view.
    pub fn table_order(&self) -> Vec<usize> {
        let rank = |w: &WorkerSnapshot| {
            let other = usize::from(self.lab_of(w) != Some(self.lab));
            let ended = match w.status {
                Status::Alive { .. } => 0,
                Status::Exited(_) => 1,
                Status::Joined(_) => 2,
            };
            other * 3 + ended
        };
        let mut order: Vec<usize> = (0..self.workers.len()).collect();
        order.sort_by_key(|&i| rank(&self.workers[i]));
        order
    }

    /// The worker table's rows, in its order.
    pub fn table_rows(&self) -> Vec<WorkerRow> {
        self.table_order()
            .into_iter()
            .map(|i| {
                let w = &self.workers[i];
                WorkerRow::new(w, self.procs.get(&w.pid))
            })
            .collect()
    }

    /// The selected worker's row in the worker table.
    pub fn selected_row(&self) -> Option<usize> {
        let i = self.selected_index()?;
        self.table_order().iter().position(|&j| j == i)
    }

    /// The selected worker's index in `workers`.
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
        labs::on_workers(self);
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

    /// After a first `q` that waits for workers, what the header says
    /// instead of the lab's settings.
    pub fn exit_words(&self) -> Option<String> {
        let waited = self.exit_wait.as_ref()?;
        let alive: Vec<String> = waited
            .iter()
            .filter(|&&id| {
                self.workers
                    .iter()
                    .any(|w| w.id == id && w.status.is_alive())
            })
            .map(|id| format!("p{id}"))
            .collect();
        Some(format!(
            "Python waits for {} · q again ends them ",
            alive.join(", ")
        ))
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
            Action::Spawn => {
                let c = self.counts();
                c.alive + c.zombies < self.settings.max_workers
            }
            Action::TogglePause | Action::Terminate | Action::Kill => alive,
            Action::Raise | Action::Exit => alive,
            Action::Join => sel.is_some_and(|w| !matches!(w.status, Status::Joined(_))),
            Action::JoinAll => self.counts().zombies > 0,
            Action::NextLab | Action::PrevLab => self.tabs().len() > 1,
            Action::ClearJoined => self.counts().joined > 0,
            Action::LogOlder => self.shown().log_scroll + 1 < self.shown().log.len(),
            Action::LogNewer => self.shown().log_scroll > 0,
            Action::LessonNext => self
                .lesson
                .as_ref()
                .is_some_and(|l| (l.watch || l.passed) && !l.finished),
            Action::RunExample => labs::example(self.lab).is_some(),
            other => labs::applies(self, other).unwrap_or(true),
        }
    }

    /// The overlay that takes keys first, if one is open.
    pub fn overlay(&self) -> Option<keymap::Scope> {
        if self.help.is_some() {
            Some(keymap::Scope::Help)
        } else if self.lessons_menu.is_some() {
            Some(keymap::Scope::Menu)
        } else {
            None
        }
    }

    /// Remembers a key press for the keystroke overlay.
    pub fn note_key(&mut self, key: &Key, what: String) {
        if self.recent_keys.len() == KEYS_SHOWN {
            self.recent_keys.pop_front();
        }
        self.recent_keys.push_back(KeyStroke {
            key: key.to_string(),
            what,
            at: self.now,
        });
    }

    /// The keys the overlay shows now.
    pub fn visible_keys(&self) -> impl Iterator<Item = &KeyStroke> {
        self.recent_keys
            .iter()
            .filter(|k| self.now.saturating_sub(k.at) < KEY_SHOWN_FOR)
    }

    /// What an action does to what is selected, for the keystroke overlay.
    pub fn key_caption(&self, action: Action) -> String {
        let target = self.selected.map(|id| format!(" worker {id}"));
        match action {
            Action::TogglePause
            | Action::Terminate
            | Action::Kill
            | Action::Join
            | Action::Raise
            | Action::Exit => format!(
                "{}{}",
                self.action_label(action),
                target.unwrap_or_default()
            ),
            Action::GotoLab(lab) => format!("open {}", lab.title()),
            Action::NextLab => format!("open {}", labs::step(&self.tabs(), self.lab, true).title()),
            Action::PrevLab => {
                format!("open {}", labs::step(&self.tabs(), self.lab, false).title())
            }
            other => other.label().to_string(),
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
            Action::ToggleBackground if self.keep_running => "others: run",
            Action::ToggleFreeze if self.frozen.is_some() => "go live",
            other => labs::label(self, other).unwrap_or_else(|| other.label()),
        }
    }
}

/// Opens every lab with the start-up settings: the lab shown first, so its
/// workers are numbered from 1, then the others, which set themselves up
/// (and start what their flags ask for).
pub fn open(
    app: &mut App,
    engine: &mut crate::lab::engine::Engine,
    start: &Startup,
) -> Result<(), String> {
    app.keep_running = start.keep_running;
    labs::open(app, engine, start)?;
    app.on_workers(engine.lab.snapshot());
    // What other labs started as they opened waits for them to be shown.
    let fresh = app.note_owners(&engine.lab);
    away::hold_fresh(app, &mut engine.lab, &fresh);
    app.on_workers(engine.lab.snapshot());
    Ok(())
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

/// Applies an action to the UI state and says what the loop must do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let effects = act(app, action);
    // A lab's list of its own (the pipeline's stages, the pipe's ends) may
    // name a worker whose row was cleared: the selection stays on a row.
    if app.selected.is_some() && app.selected_index().is_none() {
        app.selected = app.workers.last().map(|w| w.id);
    }
    effects
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    // A view with a list of its own (a program's processes) selects in it.
    let selects = matches!(
        action,
        Action::SelectPrev
            | Action::SelectNext
            | Action::SelectFirst
            | Action::SelectLast
            | Action::SelectRow(_)
    );
    if selects && labs::select(app, action) {
        return Vec::new();
    }
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
            if let Some(&i) = app.table_order().get(row) {
                app.selected = Some(app.workers[i].id);
            }
        }
        Action::NextLab => return switch(app, labs::step(&app.tabs(), app.lab, true)),
        Action::PrevLab => return switch(app, labs::step(&app.tabs(), app.lab, false)),
        Action::GotoLab(lab) => return switch(app, lab),
        Action::ToggleBackground => return vec![Effect::KeepRunning(!app.keep_running)],
        Action::ClearJoined => return vec![Effect::ClearJoined],
        Action::LogOlder | Action::LogNewer => {
            let view = match &mut app.frozen {
                Some(frozen) => frozen.as_mut(),
                None => app,
            };
            let page = usize::from(view.log_rows.saturating_sub(1)).max(1);
            let last = view.log.len().saturating_sub(1);
            view.log_scroll = if action == Action::LogOlder {
                (view.log_scroll + page).min(last)
            } else {
                view.log_scroll.saturating_sub(page)
            };
        }
        Action::ToggleFreeze => {
            app.frozen = match app.frozen.take() {
                Some(_) => None,
                None => Some(Box::new(app.clone())),
            };
        }
        Action::ToggleHelp => {
            app.help = match app.help {
                Some(_) => None,
                None => Some(0),
            }
        }
        Action::CloseOverlay => {
            app.help = None;
            app.lessons_menu = None;
        }
        Action::ScrollUp => {
            app.help = app.help.map(|s| s.saturating_sub(1));
            if let Some(m) = &mut app.lessons_menu {
                m.selected = m.selected.saturating_sub(1);
            }
        }
        Action::ScrollDown => {
            app.help = app.help.map(|s| s.saturating_add(1));
            if let Some(m) = &mut app.lessons_menu {
                m.selected = (m.selected + 1).min(m.lessons.len().saturating_sub(1));
            }
        }
        Action::LessonNext => app.lesson_ack = true,
        Action::RunExample => match labs::example(app.lab) {
            Some(example) => return labs::run_example(app, example),
            None => app.say(narrate::no_example(app.lab.title())),
        },
        Action::RunExampleNamed(example) => return labs::run_example(app, example),
        Action::Lessons if app.lessons_menu.is_some() => app.lessons_menu = None,
        Action::Lessons => {
            app.help = None;
            app.lessons_menu = Some(LessonsMenu {
                lessons: app
                    .catalogue
                    .iter()
                    .map(|(n, t, s)| (n.to_string(), t.clone(), s.clone()))
                    .collect(),
                selected: 0,
            });
        }
        Action::Choose => {
            let chosen = app.lessons_menu.as_ref().and_then(|m| {
                let name = &m.lessons.get(m.selected)?.0;
                app.catalogue
                    .iter()
                    .find(|(n, _, _)| n == name)
                    .map(|(n, _, _)| *n)
            });
            if let Some(name) = chosen {
                app.lessons_menu = None;
                app.quitting = true;
                return vec![Effect::StartLesson(name)];
            }
        }
        Action::Screenshot => return vec![Effect::Screenshot],
        Action::ToggleKeys => app.show_keys = !app.show_keys,
        // The first q is Python's exit; the second leaves whatever runs.
        Action::Quit if app.exit_wait.is_none() => return vec![Effect::BeginExit],
        Action::Quit => {
            app.quitting = true;
            return vec![Effect::Quit];
        }
        lab_action => return labs::update(app, lab_action).unwrap_or_default(),
    }
    Vec::new()
}

/// Shows `lab`; if it was not shown, the loop pauses the others' workers
/// and resumes its own.
fn switch(app: &mut App, lab: LabId) -> Vec<Effect> {
    let from = app.lab;
    app.show(lab);
    let mut effects = if from == lab {
        Vec::new()
    } else {
        vec![Effect::Show(lab)]
    };
    // A lab that starts programs of its own when first shown opens here.
    effects.extend(labs::shown(app));
    effects
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

/// Moves the selection along the worker table's rows.
fn select_by(app: &mut App, pick: impl FnOnce(usize, usize) -> usize) {
    let order = app.table_order();
    let n = order.len();
    if n == 0 {
        return;
    }
    let current = app.selected_row().unwrap_or(0);
    app.selected = Some(app.workers[order[pick(current, n)]].id);
}

#[cfg(test)]
pub(crate) mod tests;
