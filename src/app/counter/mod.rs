//! The counter lab's UI state, actions and effects: what `r`, `x`, `c`,
//! `m`, `+` and `-` do, carried out on the engine's counter controller,
//! and what its events mean in the log.

pub mod narrate;

use crate::lab::counter::{
    Abandoned, CounterEvent, CounterMode, CounterView, DEFAULT_INCREMENTS, RunResult, RunSpec,
};
use crate::lab::engine::Engine;

use crate::app::narrate::Line;
use crate::app::{App, Effect};

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

impl CounterAction {
    pub fn label(self) -> &'static str {
        match self {
            CounterAction::Run => "run",
            CounterAction::Stop => "stop",
            CounterAction::CycleMode => "mode",
            CounterAction::MoreWorkers => "more workers",
            CounterAction::FewerWorkers => "fewer workers",
            CounterAction::ToggleSlow => "slow-mo",
        }
    }

    pub fn describe(self) -> String {
        match self {
            CounterAction::Run => "run: N workers add 1 to one counter K times each".into(),
            CounterAction::Stop => "stop the run: terminate its workers".into(),
            CounterAction::CycleMode => "the next run's mode: racy, locked, atomic, manager".into(),
            CounterAction::MoreWorkers => "one more worker in the next run".into(),
            CounterAction::FewerWorkers => "one worker fewer in the next run".into(),
            CounterAction::ToggleSlow => "slow motion: each increment slow enough to follow".into(),
        }
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

pub fn perform(app: &mut App, engine: &mut Engine, effect: CounterEffect) {
    match effect {
        CounterEffect::Run(spec) => match engine.counter.start_run(&mut engine.lab, spec) {
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
            let ids = engine.counter.stop_run(&mut engine.lab);
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
pub fn refresh(app: &mut App, engine: &Engine) -> bool {
    let view = engine.counter.view();
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
