//! The GIL lab's UI state, actions and effects: the mode, the switch
//! interval, the timeline's lanes, the convoy figures and the race.
//!
//! `update` here is pure like the central one: keys become effects, which
//! [`perform()`] carries out on the engine.

pub mod claims;
pub mod convoy;
pub mod narrate;
pub mod perform;
pub mod race;
pub mod timeline;

use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::{Key, LabId, Startup};
use crate::lab::engine::Engine;
use crate::lab::gil::{self, GilEvent, GilLab, GilSnapshot, Mode};
use crate::lab::{Lab, Status, WorkerSnapshot, Workload};

use self::convoy::ConvoyMeter;
use self::race::{RaceStatus, RaceView};
use self::timeline::{Lane, ThreadLanes};
use crate::app::{Action, App, Effect};

pub use self::perform::{on_event, perform, refresh, startup};

/// What the user asks of the GIL lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GilAction {
    /// Start a worker in the current mode (a thread in thread modes).
    Add,
    /// Processes -> threads + GIL -> free threads -> processes.
    CycleMode,
    /// New workers and the race: CPU-bound or I/O-bound.
    ToggleWorkload,
    /// The I/O thread that shows the convoy effect, on or off.
    ToggleConvoy,
    IntervalDown,
    IntervalUp,
    Race,
    CancelRace,
    /// The timeline's time per cell: 100 ms, 10 ms, 1 ms.
    Zoom,
    /// Timeline or race results, where both do not fit.
    ToggleView,
}

/// What the loop must do for the GIL lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GilEffect {
    Add,
    SwitchMode(Mode),
    SetInterval(u32),
    SetConvoy(bool),
    StartRace,
    CancelRace,
}

/// Time per timeline cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zoom {
    /// The last few seconds: who held the GIL what share of each 100 ms.
    #[default]
    Seconds,
    Centis,
    /// Single slices of the default 5 ms interval, 1 ms per cell.
    Millis,
}

impl Zoom {
    pub fn cell_ns(self) -> u64 {
        match self {
            Zoom::Seconds => 100_000_000,
            Zoom::Centis => 10_000_000,
            Zoom::Millis => 1_000_000,
        }
    }

    pub fn next(self) -> Zoom {
        match self {
            Zoom::Seconds => Zoom::Centis,
            Zoom::Centis => Zoom::Millis,
            Zoom::Millis => Zoom::Seconds,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Zoom::Seconds => "100 ms",
            Zoom::Centis => "10 ms",
            Zoom::Millis => "1 ms",
        }
    }
}

/// Which part of the panel shows when there is no room for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Timeline,
    Race,
}

/// The GIL lab's state.
#[derive(Debug, Clone, PartialEq)]
pub struct GilState {
    pub mode: Mode,
    pub interval_us: u32,
    /// What new workers and the race run.
    pub workload: Workload,
    /// Wall time of one task.
    pub task_ms: u64,
    /// Tasks in the race's job; 2 x cores when None.
    pub race_tasks: Option<u64>,
    /// Most workers in a race run; 2 x cores when None.
    pub race_workers: Option<usize>,
    pub convoy: bool,
    pub zoom: Zoom,
    pub view: View,
    /// The engine's latest word.
    pub snapshot: Option<GilSnapshot>,
    /// Lanes of the interpreter shown (the race's during a thread run).
    pub threads: ThreadLanes,
    /// Lanes of the worker processes shown.
    pub processes: Vec<Lane>,
    pub race: Option<RaceView>,
    /// Races run to their end since proclab started.
    pub races_done: u32,
    pub convoy_meter: ConvoyMeter,
    /// Monotonic time of the latest refresh; the timeline ends there.
    pub now_ns: u64,
    /// Lane states saved while the interpreter is paused.
    pub paused_lanes: Option<Vec<timeline::LaneState>>,
    /// The lab's interpreter and whether it was paused, at the last refresh.
    pub interp_was_paused: Option<(crate::lab::WorkerId, bool)>,
    /// The lab's interpreter and when it was first seen paused, while it
    /// is: a race pauses it while its own interpreter is shown, and its
    /// lanes, read again afterwards, are stopped from then on.
    pub interp_paused_since: Option<(crate::lab::WorkerId, u64)>,
    /// The lab's interpreter's past pauses (from, to), recent ones: lanes
    /// read again from its ring are stopped over them.
    pub interp_pauses: Vec<(crate::lab::WorkerId, u64, u64)>,
}

impl Default for GilState {
    fn default() -> Self {
        GilState {
            mode: Mode::Processes,
            interval_us: gil::DEFAULT_INTERVAL_US,
            workload: Workload::Cpu,
            task_ms: 1000,
            race_tasks: None,
            race_workers: None,
            races_done: 0,
            convoy: false,
            zoom: Zoom::default(),
            view: View::default(),
            snapshot: None,
            threads: ThreadLanes::default(),
            processes: Vec::new(),
            race: None,
            convoy_meter: ConvoyMeter::default(),
            now_ns: 0,
            paused_lanes: None,
            interp_was_paused: None,
            interp_paused_since: None,
            interp_pauses: Vec::new(),
        }
    }
}

impl GilState {
    pub fn racing(&self) -> bool {
        self.race
            .as_ref()
            .is_some_and(|r| r.status == RaceStatus::Running)
    }

    /// The race's job on a machine with `cores` cores.
    pub fn race_plan(&self, cores: usize) -> gil::race::RacePlan {
        let twice = (2 * cores.max(1)) as u64;
        gil::race::RacePlan::sweep(
            &Mode::ALL,
            self.race_workers.unwrap_or(twice as usize),
            self.race_tasks.unwrap_or(twice),
            self.task_ms,
            self.workload,
            self.interval_us,
        )
    }
}

/// What the command line opens the lab with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GilOpening {
    pub mode: Mode,
    pub interval_us: u32,
    /// Tasks in the race's job; 2 x cores when None.
    pub race_tasks: Option<u64>,
    /// Most workers in a race run; 2 x cores when None.
    pub race_workers: Option<usize>,
}

impl Default for GilOpening {
    fn default() -> Self {
        GilOpening {
            mode: Mode::Processes,
            interval_us: gil::DEFAULT_INTERVAL_US,
            race_tasks: None,
            race_workers: None,
        }
    }
}

impl AppLab for GilState {
    type Action = GilAction;
    type Effect = GilEffect;
    type Controller = GilLab;
    type Opening = GilOpening;

    const ABOUT: &'static str =
        "Threads under a simulated GIL, processes and free threads, and a race";
    const FLAGS: &'static [&'static str] = &["workers", "workload", "task-ms", "mode", "switch-interval-ms", "race-tasks", "race-workers"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Gil::TABLE];
    const EXAMPLE: Option<&'static str> = Some("cpu_threads.py");
    const ACTIONS: &'static [ActionInfo<GilAction>] = &[
        ActionInfo::new(
            GilAction::Add,
            "gil-add",
            "add worker",
            "start a worker: a process, or a thread in the interpreter",
        ),
        ActionInfo::new(
            GilAction::CycleMode,
            "gil-mode",
            "mode",
            "mode: processes, threads + GIL, free threads; restarts all",
        ),
        ActionInfo::new(
            GilAction::ToggleWorkload,
            "gil-workload",
            "cpu/io",
            "new workers and race: CPU-bound loop or I/O-bound sleep",
        ),
        ActionInfo::new(
            GilAction::ToggleConvoy,
            "gil-convoy",
            "I/O thread",
            "an I/O thread of short blocking calls: the convoy effect",
        ),
        ActionInfo::new(
            GilAction::IntervalDown,
            "gil-interval-down",
            "interval -",
            "shorter switch interval (sys.setswitchinterval)",
        ),
        ActionInfo::new(
            GilAction::IntervalUp,
            "gil-interval-up",
            "interval +",
            "longer switch interval (sys.setswitchinterval)",
        ),
        ActionInfo::new(
            GilAction::Race,
            "gil-race",
            "race",
            "race every mode with 1, 2, ... workers; speedups drawn",
        ),
        ActionInfo::new(
            GilAction::CancelRace,
            "gil-cancel-race",
            "cancel race",
            "cancel the race: its workers are killed and joined",
        ),
        ActionInfo::new(
            GilAction::Zoom,
            "gil-zoom",
            "zoom",
            "timeline: 100 ms, 10 ms or 1 ms per cell",
        ),
        ActionInfo::new(
            GilAction::ToggleView,
            "gil-view",
            "timeline/race",
            "show the timeline or the race results",
        ),
    ];
    const METRICS: &'static [Metric] = &[
        Metric::choice(
            "gil-mode",
            "the GIL lab's mode: 0 processes, 1 threads + GIL, 2 free threads",
            |a| match a.gil.mode {
                Mode::Processes => 0.0,
                Mode::Threads => 1.0,
                Mode::FreeThreads => 2.0,
            },
            &[
                "the mode is processes",
                "the mode is threads + GIL",
                "the mode is free threads",
            ],
        ),
        Metric::count("races", "GIL races run to their end", |a| {
            f64::from(a.gil.races_done)
        }),
        Metric::count("race-runs", "runs of the current race finished", |a| {
            a.gil.race.as_ref().map_or(0, |r| r.done()) as f64
        }),
    ];

    fn keys() -> Vec<(Key, Action, bool)> {
        keys()
    }

    /// Takes the mode, the interval and the race's size, sets the engine's
    /// lab up with them; opened on this lab, starts `--workers` workers (2
    /// unless told) in its mode.
    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &GilOpening,
    ) -> Result<(), String> {
        app.gil = GilState {
            mode: opening.mode,
            interval_us: opening.interval_us,
            workload: start.start.workload,
            task_ms: start.start.task_ms,
            race_tasks: opening.race_tasks,
            race_workers: opening.race_workers,
            ..GilState::default()
        };
        let workers = if start.lab == LabId::Gil {
            start.workers.unwrap_or(2)
        } else {
            0
        };
        perform::startup(app, &mut engine.lab, &mut engine.gil, workers);
        Ok(())
    }

    fn applies(app: &App, action: GilAction) -> bool {
        applies(app, action)
    }

    fn label(app: &App, action: GilAction) -> &'static str {
        action_label(app, action)
    }

    fn update(app: &mut App, action: GilAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, gil: &mut GilLab, effect: GilEffect) {
        perform(app, lab, gil, effect)
    }

    fn on_event(app: &mut App, event: GilEvent) {
        on_event(app, event)
    }

    fn refresh(app: &mut App, lab: &Lab, gil: &GilLab) -> bool {
        refresh(app, lab, gil)
    }

    /// The mode, always (saying the GIL is simulated); the interval when
    /// there is a GIL; what new workers run.
    fn header(app: &App) -> String {
        let g = &app.gil;
        let mut s = g.mode.title().to_string();
        if g.mode.has_gil() {
            s.push_str(&format!(" · {}", gil::format_interval(g.interval_us)));
        }
        s.push_str(&format!(" · {} ", g.workload.name()));
        s
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        Some(interpreter_state(snap))
    }
}

/// Whether a GIL lab action would do anything now.
pub fn applies(app: &App, action: GilAction) -> bool {
    let racing = app.gil.racing();
    match action {
        GilAction::Add | GilAction::CycleMode | GilAction::ToggleConvoy | GilAction::Race => {
            !racing
        }
        GilAction::CancelRace => racing,
        GilAction::ToggleView => app.gil.race.is_some(),
        _ => true,
    }
}

/// The footer's word for an action, which may depend on the state.
pub fn action_label(app: &App, action: GilAction) -> &'static str {
    match action {
        GilAction::CycleMode => match app.gil.mode.next() {
            Mode::Processes => "mode: processes",
            Mode::Threads => "mode: threads",
            Mode::FreeThreads => "mode: free threads",
        },
        GilAction::ToggleConvoy if app.gil.convoy => "I/O thread off",
        GilAction::ToggleConvoy => "I/O thread",
        GilAction::Race if app.gil.race.is_some() => "race again",
        other => crate::app::labs::info::<GilState>(other).map_or("", |i| i.label),
    }
}

/// Applies a GIL lab action to the UI state and says what the loop must do.
pub fn update(app: &mut App, action: GilAction) -> Vec<Effect> {
    let racing = app.gil.racing();
    let blocked = |app: &mut App| {
        app.say(narrate::race_running());
        Vec::new()
    };
    let effect = match action {
        GilAction::Add if racing => return blocked(app),
        GilAction::Add => GilEffect::Add,
        GilAction::CycleMode if racing => return blocked(app),
        GilAction::CycleMode => GilEffect::SwitchMode(app.gil.mode.next()),
        GilAction::ToggleConvoy if racing => return blocked(app),
        GilAction::ToggleConvoy => GilEffect::SetConvoy(!app.gil.convoy),
        GilAction::Race if racing => return blocked(app),
        GilAction::Race => GilEffect::StartRace,
        GilAction::CancelRace if !racing => return Vec::new(),
        GilAction::CancelRace => GilEffect::CancelRace,
        GilAction::IntervalDown | GilAction::IntervalUp => {
            let us = gil::step_interval(app.gil.interval_us, action == GilAction::IntervalDown);
            app.gil.interval_us = us;
            app.say(narrate::interval_set(us, racing));
            GilEffect::SetInterval(us)
        }
        GilAction::ToggleWorkload => {
            app.gil.workload = match app.gil.workload {
                Workload::Cpu => Workload::Io,
                Workload::Io => Workload::Cpu,
            };
            app.say(narrate::workload_set(app.gil.workload));
            return Vec::new();
        }
        GilAction::Zoom => {
            app.gil.zoom = app.gil.zoom.next();
            return Vec::new();
        }
        GilAction::ToggleView => {
            app.gil.view = match app.gil.view {
                View::Timeline if app.gil.race.is_some() => View::Race,
                _ => View::Timeline,
            };
            return Vec::new();
        }
    };
    vec![Effect::Gil(effect)]
}

/// The key bindings of the GIL lab: (key, action, listed in the footer).
pub fn keys() -> Vec<(Key, Action, bool)> {
    use ratatui::crossterm::event::KeyCode;
    let g = Action::Gil;
    vec![
        (Key::char('s'), g(GilAction::Add), true),
        (Key::char('m'), g(GilAction::CycleMode), true),
        (Key::char('r'), g(GilAction::Race), true),
        (Key::plain(KeyCode::Esc), g(GilAction::CancelRace), true),
        (Key::char('c'), g(GilAction::ToggleConvoy), true),
        (Key::char('w'), g(GilAction::ToggleWorkload), true),
        (Key::char('['), g(GilAction::IntervalDown), false),
        (Key::char(']'), g(GilAction::IntervalUp), false),
        (Key::char('z'), g(GilAction::Zoom), false),
        (Key::char('v'), g(GilAction::ToggleView), false),
        // The lifecycle keys act on the selected worker: in thread modes
        // that is the interpreter process, all its threads at once.
        (Key::char('p'), Action::TogglePause, false),
        (Key::char('t'), Action::Terminate, false),
        (Key::char('k'), Action::Kill, false),
        (Key::char('j'), Action::Join, false),
    ]
}

/// The worker table's words for an interpreter process.
pub fn interpreter_state(snap: &WorkerSnapshot) -> String {
    let n = snap.aux;
    let threads = if n == 1 { "thread" } else { "threads" };
    match snap.status {
        // The process's own state letter is its main thread's, sitting in
        // join() like a Python main thread: the lanes show the others.
        Status::Alive { .. } => format!("join() · {n} {threads}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
