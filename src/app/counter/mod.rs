//! The counter lab's UI state, actions and effects: what `r`, `x`, `c`,
//! `m`, `+` and `-` do, carried out on the engine's counter controller,
//! and what its events mean in the log.

pub mod claims;
pub mod narrate;
pub mod view;

pub use self::view::CounterFigures;

use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::narrate::Line;
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::counter::{
    Abandoned, CounterEvent, CounterLab, CounterMode, CounterView, DEFAULT_INCREMENTS, RunResult,
    RunSpec,
};
use crate::lab::engine::Engine;
use crate::lab::{Lab, WorkerSnapshot};

/// What the next run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterSettings {
    pub mode: CounterMode,
    pub workers: u32,
    pub increments: u64,
    pub slow: bool,
}

impl Default for CounterSettings {
    fn default() -> Self {
        CounterSettings {
            mode: CounterMode::Racy,
            workers: 2,
            increments: DEFAULT_INCREMENTS,
            slow: false,
        }
    }
}

impl CounterSettings {
    pub fn spec(self) -> RunSpec {
        RunSpec {
            mode: self.mode,
            workers: self.workers,
            increments: self.increments,
            slow: self.slow,
        }
    }
}

/// Everything the counter panel shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CounterState {
    pub settings: CounterSettings,
    /// The engine's view as of the last tick.
    pub view: CounterView,
    /// The last finished run.
    pub last: Option<RunResult>,
    /// The last full-speed run of each mode, in [`CounterMode::ALL`] order.
    pub by_mode: [Option<RunResult>; 4],
    /// The last abandoned lock, until the next run.
    pub abandoned: Option<Abandoned>,
    /// The worker whose death holding the lock was said already: when the
    /// next locker finds the lock abandoned, that is not said again.
    pub holder_death_said: Option<crate::lab::WorkerId>,
}

impl CounterState {
    pub fn running(&self) -> bool {
        self.view.run.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterAction {
    /// Start a run with the current settings.
    Run,
    /// Terminate the run's workers.
    Stop,
    CycleMode,
    MoreWorkers,
    FewerWorkers,
    ToggleSlow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterEffect {
    Run(RunSpec),
    Stop,
}

/// What the command line opens the lab with; `--workers` sets the run's
/// workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterOpening {
    pub mode: CounterMode,
    pub increments: u64,
    pub slow: bool,
}

impl Default for CounterOpening {
    fn default() -> Self {
        let d = CounterSettings::default();
        CounterOpening {
            mode: d.mode,
            increments: d.increments,
            slow: d.slow,
        }
    }
}

impl AppLab for CounterState {
    type Action = CounterAction;
    type Effect = CounterEffect;
    type Controller = CounterLab;
    type Opening = CounterOpening;

    const ABOUT: &'static str =
        "A counter shared by every worker: racy, locked, atomic, or behind a manager";
    const FLAGS: &'static [&'static str] = &["workers", "counter", "increments", "slow"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Counter::TABLE];
    const EXAMPLE: Option<&'static str> = Some("racy_counter.py");
    const ACTIONS: &'static [ActionInfo<CounterAction>] = &[
        ActionInfo::new(
            CounterAction::Run,
            "counter-run",
            "run",
            "run: N workers add 1 to one counter K times each",
        ),
        ActionInfo::new(
            CounterAction::Stop,
            "counter-stop",
            "stop",
            "stop the run: terminate its workers",
        ),
        ActionInfo::new(
            CounterAction::CycleMode,
            "counter-mode",
            "mode",
            "the next run's mode: racy, locked, atomic, manager",
        ),
        ActionInfo::new(
            CounterAction::MoreWorkers,
            "counter-more",
            "more workers",
            "one more worker in the next run",
        ),
        ActionInfo::new(
            CounterAction::FewerWorkers,
            "counter-fewer",
            "fewer workers",
            "one worker fewer in the next run",
        ),
        ActionInfo::new(
            CounterAction::ToggleSlow,
            "counter-slow",
            "slow-mo",
            "slow motion: each increment slow enough to follow",
        ),
    ];
    const METRICS: &'static [Metric] = &[
        Metric::count("counter-runs", "counter runs finished", |a| {
            a.counter.last.as_ref().map_or(0, |r| r.number) as f64
        }),
        Metric::choice(
            "counter-mode",
            "the next run's mode: 0 racy, 1 locked, 2 atomic, 3 manager",
            |a| f64::from(a.counter.settings.mode as u8),
            &[
                "the next run's mode is racy",
                "the next run's mode is locked",
                "the next run's mode is atomic",
                "the next run's mode is manager",
            ],
        ),
        Metric::count("counter-lost", "updates lost by the last counter run", |a| {
            a.counter.last.as_ref().map_or(0, |r| r.lost) as f64
        }),
        Metric::count(
            "counter-value",
            "the counter at the end of the last run",
            |a| a.counter.last.as_ref().map_or(0, |r| r.value) as f64,
        ),
        Metric::choice(
            "lock-abandoned",
            "1 if the lock was abandoned since the last run",
            |a| f64::from(u8::from(a.counter.abandoned.is_some())),
            &["", "the lock was abandoned"],
        ),
    ];

    fn keys() -> Vec<(Key, Action, bool)> {
        let c = Action::Counter;
        vec![
            (Key::char('r'), c(CounterAction::Run), true),
            (Key::char('x'), c(CounterAction::Stop), true),
            (Key::char('c'), c(CounterAction::CycleMode), true),
            (Key::char('m'), c(CounterAction::ToggleSlow), true),
            (Key::char('t'), Action::Terminate, true),
            (Key::char('p'), Action::TogglePause, true),
            (Key::char('k'), Action::Kill, true),
            (Key::char('+'), c(CounterAction::MoreWorkers), false),
            (Key::char('='), c(CounterAction::MoreWorkers), false),
            (Key::char('-'), c(CounterAction::FewerWorkers), false),
        ]
    }

    /// Takes the next run's settings; opened on this lab, runs `--workers`
    /// workers (2 unless told; `--workers 0` opens it without a run, and
    /// `r` then runs the default number).
    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &CounterOpening,
    ) -> Result<(), String> {
        let workers = start.workers.unwrap_or(2);
        app.counter.settings = CounterSettings {
            mode: opening.mode,
            workers: if workers == 0 {
                CounterSettings::default().workers
            } else {
                workers
            },
            increments: opening.increments,
            slow: opening.slow,
        };
        if start.lab == LabId::Counter && workers > 0 {
            let run = Effect::Counter(CounterEffect::Run(app.counter.settings.spec()));
            crate::app::perform::perform(app, engine, run);
        }
        Ok(())
    }

    fn applies(app: &App, action: CounterAction) -> bool {
        applies(app, action)
    }

    fn update(app: &mut App, action: CounterAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, counter: &mut CounterLab, effect: CounterEffect) {
        perform(app, lab, counter, effect)
    }

    fn on_event(app: &mut App, event: CounterEvent) {
        on_event(app, event)
    }

    fn refresh(app: &mut App, _lab: &Lab, counter: &CounterLab) -> bool {
        refresh(app, counter)
    }

    fn header(app: &App) -> String {
        header_status(app)
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        narrate::role_state(snap.wait)
    }

    /// Increments made; for the manager, requests served.
    fn count_shown(snap: &WorkerSnapshot) -> u64 {
        snap.aux
    }
}

/// Whether an action would do anything now.
pub fn applies(app: &App, action: CounterAction) -> bool {
    let s = app.counter.settings;
    match action {
        CounterAction::Run => !app.counter.running(),
        CounterAction::Stop => app.counter.running(),
        CounterAction::MoreWorkers => (s.workers as usize) < app.settings.max_workers,
        CounterAction::FewerWorkers => s.workers > 1,
        CounterAction::CycleMode | CounterAction::ToggleSlow => true,
    }
}

pub fn update(app: &mut App, action: CounterAction) -> Vec<Effect> {
    let running = app.counter.running();
    let s = &mut app.counter.settings;
    match action {
        CounterAction::Run => {
            if running {
                app.say(Line {
                    python: None,
                    text: "a run is going: x stops it, or wait for it to end".into(),
                    level: crate::app::log::Level::Note,
                });
                return Vec::new();
            }
            return vec![Effect::Counter(CounterEffect::Run(s.spec()))];
        }
        CounterAction::Stop => {
            if running {
                return vec![Effect::Counter(CounterEffect::Stop)];
            }
        }
        CounterAction::CycleMode => {
            s.mode = s.mode.next();
            let mode = s.mode;
            app.say(narrate::mode_set(mode));
        }
        CounterAction::MoreWorkers | CounterAction::FewerWorkers => {
            let cap = app.settings.max_workers.min(u32::MAX as usize) as u32;
            s.workers = match action {
                CounterAction::MoreWorkers => (s.workers + 1).min(cap),
                _ => s.workers.saturating_sub(1).max(1),
            };
            let n = s.workers;
            app.say(narrate::workers_set(n));
        }
        CounterAction::ToggleSlow => {
            s.slow = !s.slow;
            let slow = s.slow;
            app.say(narrate::slow_set(slow));
        }
    }
    Vec::new()
}

pub fn perform(app: &mut App, lab: &mut Lab, counter: &mut CounterLab, effect: CounterEffect) {
    match effect {
        CounterEffect::Run(spec) => match counter.start_run(lab, spec) {
            Ok(started) => {
                app.counter.abandoned = None;
                if let Some(a) = started.repaired {
                    for line in narrate::abandoned(&a) {
                        app.say(line);
                    }
                }
                for line in narrate::started(&started) {
                    app.say(line);
                }
                app.selected = started.clients.first().copied().or(app.selected);
            }
            Err(e) => app.say(Line {
                python: None,
                text: format!("cannot start the run: {e}"),
                level: crate::app::log::Level::Error,
            }),
        },
        CounterEffect::Stop => {
            let ids = counter.stop_run(lab);
            app.say(narrate::stopped(&ids));
        }
    }
}

/// Takes in one event from the counter controller.
pub fn on_event(app: &mut App, event: CounterEvent) {
    match event {
        CounterEvent::LockAbandoned(a) => {
            app.counter.abandoned = Some(a);
            let said = a.by.is_some() && app.counter.holder_death_said.take() == a.by;
            for line in narrate::abandoned(&a).into_iter().skip(usize::from(said)) {
                app.say(line);
            }
        }
        CounterEvent::HolderDied { id, exitcode } => {
            app.counter.holder_death_said = id;
            app.say(narrate::holder_died(id, exitcode))
        }
        CounterEvent::ManagerLost { id, exitcode } => app.say(narrate::manager_lost(id, exitcode)),
        CounterEvent::RunFinished(r) => {
            app.counter.last = Some(r);
            if !r.spec.slow && !r.stopped && r.failed == 0 {
                app.counter.by_mode[r.spec.mode as usize] = Some(r);
            }
            app.say(narrate::finished(&r));
        }
    }
}

/// Takes the controller's latest view; returns whether it changed.
pub fn refresh(app: &mut App, counter: &CounterLab) -> bool {
    let view = counter.view();
    if *view == app.counter.view {
        return false;
    }
    app.counter.view = view.clone();
    true
}

/// The header's right side in the counter lab.
pub fn header_status(app: &App) -> String {
    let s = app.counter.settings;
    format!(
        "next: {} · {} × {}{} ",
        s.mode.name(),
        s.workers,
        crate::app::numbers::thousands(if s.slow {
            s.increments.min(crate::lab::counter::SLOW_INCREMENTS)
        } else {
            s.increments
        }),
        if s.slow { " · slow motion" } else { "" }
    )
}
