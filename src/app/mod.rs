//! UI state and the pure `update` that turns actions into effects.
//!
//! Nothing here draws or touches a terminal: the event loop feeds in input,
//! samples and engine snapshots, and performs the effects `update` returns
//! ([`perform`]). Tests drive all of it without a terminal.

pub mod action;
pub mod claims;
pub mod comms;
pub mod counter;
pub mod counter_words;
pub mod gil;
pub mod keymap;
pub mod labs;
pub mod log;
pub mod narrate;
pub mod numbers;
pub mod perform;
pub mod pool;
pub mod startup;
pub mod sync_lab;
pub mod view;

use std::collections::{HashMap, VecDeque};
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
    /// High contrast, thick bars, large digits, a colour-blind-safe palette.
    Projector,
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
    pub theme: ThemeName,
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
    /// The queue, pipe and pipeline labs' settings and figures.
    pub comms: comms::CommsState,
    /// Time since start, set by the loop before each event.
    pub now: Duration,
    pub quitting: bool,
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
    /// The lessons menu, while it is open: (name, title, summary) of each
    /// lesson and the selected row.
    pub lessons_menu: Option<LessonsMenu>,
    /// The counter lab's state.
    pub counter: counter::CounterState,
    /// The sync lab's state.
    pub sync: sync_lab::SyncState,
    /// The pool lab's settings and view.
    pub pool: pool::PoolState,
}

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
    pub fn new(lab: LabId, settings: Settings, machine: Machine) -> App {
        App {
            lab,
            theme: ThemeName::Standard,
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
            comms: comms::CommsState::default(),
            now: Duration::ZERO,
            quitting: false,
            show_keys: false,
            recent_keys: VecDeque::new(),
            caption: None,
            lesson: None,
            lesson_ack: false,
            lessons_menu: None,
            counter: counter::CounterState::default(),
            sync: sync_lab::SyncState::default(),
            pool: pool::PoolState::default(),
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
        // A pool replaces its workers by itself: follow it to a live one,
        // so the keys act on the pool as it is.
        if self.lab == LabId::Pool
            && self.selected_worker().is_none_or(|w| !w.status.is_alive())
            && let Some(w) = self
                .workers
                .iter()
                .find(|w| w.role == crate::lab::Role::Pool && w.status.is_alive())
        {
            self.selected = Some(w.id);
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
            Action::Spawn => {
                let c = self.counts();
                c.alive + c.zombies < self.settings.max_workers
            }
            Action::TogglePause | Action::Terminate | Action::Kill => alive,
            Action::Raise | Action::Exit => alive,
            Action::Join => sel.is_some_and(|w| !matches!(w.status, Status::Joined(_))),
            Action::JoinAll => self.counts().zombies > 0,
            Action::NextLab | Action::PrevLab => LabId::ALL.len() > 1,
            Action::LessonNext => self.lesson.as_ref().is_some_and(|l| l.watch && !l.finished),
            Action::Counter(a) => counter::applies(self, a),
            Action::Sync(a) => sync_lab::applies(self, a),
            Action::Pool(a) => pool::applies(self, a),
            Action::Comms(a) => a.applies(self),
            Action::Gil(a) => gil::applies(self, a),
            _ => true,
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
            Action::Sync(a) => sync_lab::action_label(self, a),
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
    /// The names a config file's [keys] table uses, for actions a key can do.
    pub const NAMES: &'static [&'static str] = &[
        "spawn",
        "pause",
        "terminate",
        "kill",
        "join",
        "join-all",
        "raise",
        "exit",
        "daemon",
        "workload",
        "auto-join",
        "up",
        "down",
        "first",
        "last",
        "next-lab",
        "prev-lab",
        "lab-lifecycle",
        "lab-counter",
        "lab-sync",
        "counter-run",
        "counter-stop",
        "counter-mode",
        "counter-more",
        "counter-fewer",
        "counter-slow",
        "sync-start",
        "sync-event",
        "sync-more-permits",
        "sync-fewer-permits",
        "sync-more-parties",
        "sync-fewer-parties",
        "lab-pool",
        "pool-run",
        "pool-method",
        "pool-chunks",
        "pool-bigger-chunks",
        "pool-smaller-chunks",
        "pool-maxtasks",
        "pool-cost",
        "lab-gil",
        "gil-add",
        "gil-mode",
        "gil-workload",
        "gil-convoy",
        "gil-interval-down",
        "gil-interval-up",
        "gil-race",
        "gil-cancel-race",
        "gil-zoom",
        "gil-view",
        "lab-queue",
        "lab-pipe",
        "lab-pipeline",
        "queue-add-producer",
        "queue-stop-producer",
        "queue-add-consumer",
        "queue-sentinel",
        "queue-producers-faster",
        "queue-producers-slower",
        "queue-consumers-faster",
        "queue-consumers-slower",
        "queue-join",
        "queue-shutdown",
        "pipe-start",
        "pipe-mode",
        "pipe-faster",
        "pipe-slower",
        "pipeline-start",
        "pipeline-stop",
        "pipeline-prev-stage",
        "pipeline-next-stage",
        "pipeline-faster",
        "pipeline-slower",
        "screenshot",
        "show-keys",
        "lessons",
        "choose",
        "lesson-next",
        "help",
        "quit",
        "close",
        "scroll-up",
        "scroll-down",
    ];

    /// The action a config file names.
    pub fn from_name(name: &str) -> Option<Action> {
        Some(match name {
            "spawn" => Action::Spawn,
            "pause" => Action::TogglePause,
            "terminate" => Action::Terminate,
            "kill" => Action::Kill,
            "join" => Action::Join,
            "join-all" => Action::JoinAll,
            "raise" => Action::Raise,
            "exit" => Action::Exit,
            "daemon" => Action::ToggleDaemon,
            "workload" => Action::ToggleWorkload,
            "auto-join" => Action::ToggleAutoJoin,
            "up" => Action::SelectPrev,
            "down" => Action::SelectNext,
            "first" => Action::SelectFirst,
            "last" => Action::SelectLast,
            "next-lab" => Action::NextLab,
            "prev-lab" => Action::PrevLab,
            "screenshot" => Action::Screenshot,
            "show-keys" => Action::ToggleKeys,
            "lessons" => Action::Lessons,
            "choose" => Action::Choose,
            "lesson-next" => Action::LessonNext,
            "help" => Action::ToggleHelp,
            "quit" => Action::Quit,
            "close" => Action::CloseOverlay,
            "scroll-up" => Action::ScrollUp,
            "scroll-down" => Action::ScrollDown,
            "counter-run" => Action::Counter(counter::CounterAction::Run),
            "counter-stop" => Action::Counter(counter::CounterAction::Stop),
            "counter-mode" => Action::Counter(counter::CounterAction::CycleMode),
            "counter-more" => Action::Counter(counter::CounterAction::MoreWorkers),
            "counter-fewer" => Action::Counter(counter::CounterAction::FewerWorkers),
            "counter-slow" => Action::Counter(counter::CounterAction::ToggleSlow),
            "sync-start" => Action::Sync(sync_lab::SyncAction::Start),
            "sync-event" => Action::Sync(sync_lab::SyncAction::ToggleEvent),
            "sync-more-permits" => Action::Sync(sync_lab::SyncAction::MorePermits),
            "sync-fewer-permits" => Action::Sync(sync_lab::SyncAction::FewerPermits),
            "sync-more-parties" => Action::Sync(sync_lab::SyncAction::MoreParties),
            "sync-fewer-parties" => Action::Sync(sync_lab::SyncAction::FewerParties),
            "pool-run" => Action::Pool(pool::PoolAction::Run),
            "gil-add" => Action::Gil(gil::GilAction::Add),
            "gil-mode" => Action::Gil(gil::GilAction::CycleMode),
            "gil-workload" => Action::Gil(gil::GilAction::ToggleWorkload),
            "gil-convoy" => Action::Gil(gil::GilAction::ToggleConvoy),
            "gil-interval-down" => Action::Gil(gil::GilAction::IntervalDown),
            "gil-interval-up" => Action::Gil(gil::GilAction::IntervalUp),
            "gil-race" => Action::Gil(gil::GilAction::Race),
            "gil-cancel-race" => Action::Gil(gil::GilAction::CancelRace),
            "gil-zoom" => Action::Gil(gil::GilAction::Zoom),
            "gil-view" => Action::Gil(gil::GilAction::ToggleView),
            "pool-method" => Action::Pool(pool::PoolAction::NextMethod),
            "pool-chunks" => Action::Pool(pool::PoolAction::NextChunk),
            "pool-bigger-chunks" => Action::Pool(pool::PoolAction::BiggerChunks),
            "pool-smaller-chunks" => Action::Pool(pool::PoolAction::SmallerChunks),
            "pool-maxtasks" => Action::Pool(pool::PoolAction::NextMaxTasks),
            "pool-cost" => Action::Pool(pool::PoolAction::ToggleCost),
            "queue-add-producer" => Action::Comms(comms::CommsAction::AddProducer),
            "queue-stop-producer" => Action::Comms(comms::CommsAction::StopProducer),
            "queue-add-consumer" => Action::Comms(comms::CommsAction::AddConsumer),
            "queue-sentinel" => Action::Comms(comms::CommsAction::Sentinel),
            "queue-producers-faster" => Action::Comms(comms::CommsAction::ProducersFaster),
            "queue-producers-slower" => Action::Comms(comms::CommsAction::ProducersSlower),
            "queue-consumers-faster" => Action::Comms(comms::CommsAction::ConsumersFaster),
            "queue-consumers-slower" => Action::Comms(comms::CommsAction::ConsumersSlower),
            "queue-join" => Action::Comms(comms::CommsAction::JoinQueue),
            "queue-shutdown" => Action::Comms(comms::CommsAction::ShutdownQueue),
            "pipe-start" => Action::Comms(comms::CommsAction::StartPipe),
            "pipe-mode" => Action::Comms(comms::CommsAction::TogglePipeMode),
            "pipe-faster" => Action::Comms(comms::CommsAction::PipeFaster),
            "pipe-slower" => Action::Comms(comms::CommsAction::PipeSlower),
            "pipeline-start" => Action::Comms(comms::CommsAction::StartPipeline),
            "pipeline-stop" => Action::Comms(comms::CommsAction::StopPipeline),
            "pipeline-prev-stage" => Action::Comms(comms::CommsAction::StagePrev),
            "pipeline-next-stage" => Action::Comms(comms::CommsAction::StageNext),
            "pipeline-faster" => Action::Comms(comms::CommsAction::StageFaster),
            "pipeline-slower" => Action::Comms(comms::CommsAction::StageSlower),
            other => {
                let lab = other.strip_prefix("lab-")?;
                return LabId::ALL
                    .iter()
                    .find(|l| l.name() == lab)
                    .map(|&l| Action::GotoLab(l));
            }
        })
    }

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
            Action::Screenshot => "screenshot",
            Action::ToggleKeys => "show keys",
            Action::Lessons => "lessons",
            Action::Choose => "start",
            Action::LessonNext => "go on",
            Action::Quit => "quit",
            Action::Counter(a) => a.label(),
            Action::Sync(a) => a.label(),
            Action::Pool(a) => a.label(),
            Action::Comms(a) => a.label(),
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
            Action::CloseOverlay => "close this".into(),
            Action::ScrollUp => "up".into(),
            Action::ScrollDown => "down".into(),
            Action::Screenshot => "save the screen as SVG (colours kept) and as text".into(),
            Action::ToggleKeys => "show the last keys pressed in a corner, for an audience".into(),
            Action::Lessons => "the lessons: a concept walked through step by step".into(),
            Action::Choose => "start the selected lesson".into(),
            Action::LessonNext => "in a lesson, go on from a step that asks you to watch".into(),
            Action::Quit => {
                "quit: terminate every worker, join them all, restore the terminal".into()
            }
            Action::Counter(a) => a.describe(),
            Action::Sync(a) => a.describe(),
            Action::Pool(a) => a.describe(),
            Action::Comms(a) => a.describe().into(),
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
        Action::Lessons if app.lessons_menu.is_some() => app.lessons_menu = None,
        Action::Lessons => {
            app.help = None;
            app.lessons_menu = Some(LessonsMenu {
                lessons: crate::script::lesson::Lesson::all()
                    .into_iter()
                    .map(|l| (l.name, l.title, l.summary))
                    .collect(),
                selected: 0,
            });
        }
        Action::Choose => {
            let chosen = app.lessons_menu.as_ref().and_then(|m| {
                let name = &m.lessons.get(m.selected)?.0;
                crate::script::lesson::BUILT_IN
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(n, _)| *n)
            });
            if let Some(name) = chosen {
                app.lessons_menu = None;
                app.quitting = true;
                return vec![Effect::StartLesson(name)];
            }
        }
        Action::Screenshot => return vec![Effect::Screenshot],
        Action::ToggleKeys => app.show_keys = !app.show_keys,
        Action::Quit => {
            app.quitting = true;
            return vec![Effect::Quit];
        }
        Action::Counter(a) => return counter::update(app, a),
        Action::Sync(a) => return sync_lab::update(app, a),
        Action::Pool(a) => return pool::update(app, a),
        Action::Comms(a) => {
            return comms::update(app, a)
                .into_iter()
                .map(Effect::Comms)
                .collect();
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
