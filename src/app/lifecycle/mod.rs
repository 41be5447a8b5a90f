//! The lifecycle lab on the UI side. Its keys are the worker actions every
//! lab shares (start, pause, terminate, kill, join, and the settings of
//! new workers), carried out by `app::perform`; what is its own is its
//! key bindings, its first workers and its header.

pub mod claims;

use std::convert::Infallible;

use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::lifecycle::LifecycleLab;
use crate::lab::Lab;

/// The lifecycle lab's state: the dashboard's own (the workers, the
/// settings of new ones) is all it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleState;

impl AppLab for LifecycleState {
    /// Its keys are the dashboard's worker actions.
    type Action = Infallible;
    type Effect = Infallible;
    type Controller = LifecycleLab;
    type Opening = ();

    const ABOUT: &'static str =
        "Spawn, pause, resume, terminate, kill and join real worker processes";
    const FLAGS: &'static [&'static str] = &["workers", "workload", "tasks", "task-ms", "daemon"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Lifecycle::TABLE];
    const EXAMPLE: Option<&'static str> = Some("forgotten_join.py");
    const ACTIONS: &'static [ActionInfo<Infallible>] = &[];

    fn keys() -> Vec<(Key, Action, bool)> {
        use Action::*;
        vec![
            (Key::char('s'), Spawn, true),
            (Key::char('p'), TogglePause, true),
            (Key::char('t'), Terminate, true),
            (Key::char('k'), Kill, true),
            (Key::char('j'), Join, true),
            (Key::char('a'), JoinAll, true),
            (Key::char('e'), Raise, false),
            (Key::char('x'), Exit, false),
            (Key::char('d'), ToggleDaemon, false),
            (Key::char('w'), ToggleWorkload, false),
            (Key::char('A'), ToggleAutoJoin, false),
        ]
    }

    /// Starts `--workers` workers (2 unless told) when proclab opens on it.
    fn open(
        app: &mut App,
        engine: &mut crate::lab::engine::Engine,
        start: &Startup,
        _opening: &(),
    ) -> Result<(), String> {
        if start.lab == LabId::Lifecycle {
            for _ in 0..start.workers.unwrap_or(2) {
                let options = app.settings.start;
                crate::app::perform::perform(app, engine, Effect::Start(options));
            }
        }
        Ok(())
    }

    fn update(_app: &mut App, action: Infallible) -> Vec<Effect> {
        match action {}
    }

    fn perform(_app: &mut App, _lab: &mut Lab, _ctl: &mut LifecycleLab, effect: Infallible) {
        match effect {}
    }

    fn on_event(_app: &mut App, event: Infallible) {
        match event {}
    }

    /// What new workers get: their target, daemon or not, and whether
    /// ended ones are joined at once.
    fn header(app: &App) -> String {
        let s = app.settings;
        format!(
            "{} · {} · {} ",
            app.target(),
            if s.start.daemon {
                "daemon"
            } else {
                "not daemon"
            },
            if s.auto_join {
                "auto-join"
            } else {
                "zombies kept"
            },
        )
    }
}
