//! The sync lab's UI state, actions, effects and words: start a worker,
//! set or clear the event, change the semaphore's k and the barrier's
//! parties, each with the Python that does it.

pub mod claims;

use crate::app::keymap::Key;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::log::Level;
use crate::app::metrics::Metric;
use crate::app::narrate::Line;
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::engine::Engine;
use crate::lab::sync::{SyncEvent, SyncLab, SyncView, SyncWait};
use crate::lab::{Lab, WorkerSnapshot};

use self::claims::Sync;

/// Everything the sync panel shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncState {
    /// The engine's view as of the last tick.
    pub view: SyncView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncAction {
    /// Start one more worker going round the loop.
    Start,
    /// `e.set()`, or `e.clear()` if it is set.
    ToggleEvent,
    MorePermits,
    FewerPermits,
    MoreParties,
    FewerParties,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncEffect {
    /// Start a worker whose critical section lasts this many milliseconds.
    Start(u64),
    SetEvent(bool),
    SetPermits(u32),
    SetParties(u32),
    /// Make the event, the semaphore and the barrier for a class.
    Setup {
        permits: u32,
        parties: u32,
    },
}

/// What the command line opens the lab with: the semaphore's k and the
/// barrier's parties (`--workers` when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOpening {
    pub permits: u32,
    pub parties: Option<u32>,
}

impl Default for SyncOpening {
    fn default() -> Self {
        SyncOpening {
            permits: crate::lab::sync::DEFAULT_PERMITS,
            parties: None,
        }
    }
}

impl AppLab for SyncState {
    type Action = SyncAction;
    type Effect = SyncEffect;
    type Controller = SyncLab;
    type Opening = SyncOpening;

    const ABOUT: &'static str = "An Event, a Semaphore of k permits and a Barrier between processes";
    const FLAGS: &'static [&'static str] = &["workers", "task-ms", "permits", "parties"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Sync::TABLE];
    const ACTIONS: &'static [ActionInfo<SyncAction>] = &[
        ActionInfo::new(
            SyncAction::Start,
            "sync-start",
            "start",
            "start a worker: the event, a permit, the barrier, round again",
        ),
        ActionInfo::new(
            SyncAction::ToggleEvent,
            "sync-event",
            "set/clear event",
            "set the event, or clear it",
        ),
        ActionInfo::new(
            SyncAction::MorePermits,
            "sync-more-permits",
            "more permits",
            "one more permit: the semaphore's k + 1",
        ),
        ActionInfo::new(
            SyncAction::FewerPermits,
            "sync-fewer-permits",
            "fewer permits",
            "one permit fewer: the semaphore's k - 1",
        ),
        ActionInfo::new(
            SyncAction::MoreParties,
            "sync-more-parties",
            "more parties",
            "one more party at the barrier",
        ),
        ActionInfo::new(
            SyncAction::FewerParties,
            "sync-fewer-parties",
            "fewer parties",
            "one party fewer at the barrier",
        ),
    ];
    const METRICS: &'static [Metric] = &[
        Metric::workers("sem-held", "semaphore permits held", |a| {
            f64::from(a.sync.view.held)
        }),
        Metric::workers("sem-most", "most workers ever inside the semaphore", |a| {
            f64::from(a.sync.view.most_inside)
        }),
        Metric::workers("barrier-arrived", "workers waiting at the barrier", |a| {
            f64::from(a.sync.view.arrived)
        }),
        Metric::count(
            "barrier-rounds",
            "times the barrier released its parties",
            |a| f64::from(a.sync.view.rounds),
        ),
        Metric::choice(
            "event-set",
            "1 if the event is set",
            |a| f64::from(u8::from(a.sync.view.event_set)),
            &["the event is clear", "the event is set"],
        ),
    ];

    fn keys() -> Vec<(Key, Action, bool)> {
        let s = Action::Sync;
        vec![
            (Key::char('s'), s(SyncAction::Start), true),
            (Key::char('g'), s(SyncAction::ToggleEvent), true),
            (Key::char('+'), s(SyncAction::MorePermits), true),
            (Key::char('='), s(SyncAction::MorePermits), false),
            (Key::char('-'), s(SyncAction::FewerPermits), true),
            (Key::char(']'), s(SyncAction::MoreParties), false),
            (Key::char('['), s(SyncAction::FewerParties), false),
            (Key::char('t'), Action::Terminate, true),
            (Key::char('p'), Action::TogglePause, false),
            (Key::char('k'), Action::Kill, false),
            (Key::char('j'), Action::Join, false),
            (Key::char('a'), Action::JoinAll, false),
        ]
    }

    /// Opened on this lab, makes the event, the semaphore and the barrier,
    /// and starts `--workers` workers (2 unless told).
    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &SyncOpening,
    ) -> Result<(), String> {
        if start.lab != LabId::Sync {
            return Ok(());
        }
        let workers = start.workers.unwrap_or(2);
        let setup = SyncEffect::Setup {
            permits: opening.permits,
            parties: opening.parties.unwrap_or(workers).max(1),
        };
        crate::app::perform::perform(app, engine, Effect::Sync(setup));
        for _ in 0..workers {
            let task_ms = app.settings.start.task_ms;
            crate::app::perform::perform(app, engine, Effect::Sync(SyncEffect::Start(task_ms)));
        }
        Ok(())
    }

    fn applies(app: &App, action: SyncAction) -> bool {
        applies(app, action)
    }

    fn label(app: &App, action: SyncAction) -> &'static str {
        action_label(app, action)
    }

    fn update(app: &mut App, action: SyncAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, sync: &mut SyncLab, effect: SyncEffect) {
        perform(app, lab, sync, effect)
    }

    fn on_event(app: &mut App, event: SyncEvent) {
        on_event(app, event)
    }

    fn refresh(app: &mut App, _lab: &Lab, sync: &SyncLab) -> bool {
        refresh(app, sync)
    }

    fn header(app: &App) -> String {
        header_status(app)
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        role_state(snap.wait)
    }
}

fn cap(app: &App) -> u32 {
    app.settings.max_workers.min(4095) as u32
}

pub fn applies(app: &App, action: SyncAction) -> bool {
    let v = &app.sync.view;
    match action {
        SyncAction::FewerPermits => v.permits > 1,
        SyncAction::MorePermits => v.permits < cap(app),
        SyncAction::FewerParties => v.parties > 1,
        SyncAction::MoreParties => v.parties < cap(app),
        SyncAction::Start | SyncAction::ToggleEvent => true,
    }
}

/// The footer's word, which follows the event's state.
pub fn action_label(app: &App, action: SyncAction) -> &'static str {
    match action {
        SyncAction::ToggleEvent if app.sync.view.event_set => "clear event",
        SyncAction::ToggleEvent => "set event",
        other => crate::app::labs::info::<SyncState>(other).map_or("", |i| i.label),
    }
}

pub fn update(app: &mut App, action: SyncAction) -> Vec<Effect> {
    let v = &app.sync.view;
    let effect = match action {
        SyncAction::Start => SyncEffect::Start(app.settings.start.task_ms),
        SyncAction::ToggleEvent => SyncEffect::SetEvent(!v.event_set),
        SyncAction::MorePermits => SyncEffect::SetPermits((v.permits + 1).min(cap(app))),
        SyncAction::FewerPermits => SyncEffect::SetPermits(v.permits.saturating_sub(1).max(1)),
        SyncAction::MoreParties => SyncEffect::SetParties((v.parties + 1).min(cap(app))),
        SyncAction::FewerParties => SyncEffect::SetParties(v.parties.saturating_sub(1).max(1)),
    };
    vec![Effect::Sync(effect)]
}

fn said(python: String, text: String) -> Line {
    Line {
        python: Some(python),
        text,
        level: Level::Info,
    }
}

fn failed(e: impl std::fmt::Display) -> Line {
    Line {
        python: None,
        text: e.to_string(),
        level: Level::Error,
    }
}

pub fn perform(app: &mut App, lab: &mut Lab, sync: &mut SyncLab, effect: SyncEffect) {
    let line = match effect {
        SyncEffect::Start(task_ms) => match sync.start_worker(lab, task_ms) {
            Ok(id) => {
                app.selected = Some(id);
                said(
                    Sync::WorkerStart.fill(&[("p", &format!("p{id}"))]),
                    format!("worker {id} started: it waits for the event, then a permit"),
                )
            }
            Err(e) => failed(e),
        },
        SyncEffect::SetEvent(on) => match sync.set_event(lab, on) {
            Ok(()) => {
                app.sync.view.event_set = on;
                if on {
                    said(
                        Sync::EventSet.fill(&[]),
                        "the event is set: every waiter goes on, and later ones pass".into(),
                    )
                } else {
                    said(
                        Sync::EventClear.fill(&[]),
                        "the event is cleared: workers stop at it next round".into(),
                    )
                }
            }
            Err(e) => failed(e),
        },
        SyncEffect::SetPermits(k) => {
            let before = app.sync.view.permits;
            match sync.set_permits(lab, k) {
                Ok(()) => {
                    app.sync.view.permits = k;
                    let python = if k > before {
                        Sync::Release
                    } else {
                        Sync::Acquire
                    };
                    said(
                        python.fill(&[]),
                        format!("at most {k} in the critical section at once"),
                    )
                }
                Err(e) => failed(e),
            }
        }
        SyncEffect::Setup { permits, parties } => {
            let done = sync
                .set_permits(lab, permits)
                .and_then(|()| sync.set_parties(lab, parties));
            match done {
                Ok(()) => {
                    app.sync.view.permits = permits;
                    app.sync.view.parties = parties;
                    said(
                        Sync::Make.fill(&[
                            ("k", &permits.to_string()),
                            ("n", &parties.to_string()),
                        ]),
                        format!(
                            "at most {permits} in the critical section; the barrier waits for {parties}"
                        ),
                    )
                }
                Err(e) => failed(e),
            }
        }
        SyncEffect::SetParties(n) => match sync.set_parties(lab, n) {
            Ok(()) => {
                app.sync.view.parties = n;
                said(
                    Sync::NewBarrier.fill(&[("n", &n.to_string())]),
                    format!(
                        "the barrier now releases {n} at a time (a Python Barrier's parties are fixed: this is a new one)"
                    ),
                )
            }
            Err(e) => failed(e),
        },
    };
    app.say(line);
}

pub fn on_event(app: &mut App, event: SyncEvent) {
    let line = |python: String, text: String| Line {
        python: Some(python),
        text,
        level: Level::Error,
    };
    app.say(match event {
        SyncEvent::PermitLost { id, exitcode } => {
            let (python, how) = crate::app::narrate::ended(id, exitcode);
            line(
                Sync::PermitLost.fill(&[("ended", &python)]),
                format!("worker {id} was {how} holding a permit: it is never given back (+ adds one)"),
            )
        }
        SyncEvent::DiedAtBarrier { id, exitcode } => {
            let (python, how) = crate::app::narrate::ended(id, exitcode);
            line(
                Sync::DiedAtBarrier.fill(&[("ended", &python)]),
                format!(
                    "worker {id} was {how} waiting at the barrier: its arrival counts, and the barrier hangs for good, as in Python"
                ),
            )
        }
        SyncEvent::PartiesShort { alive, parties } => line(
            Sync::PartyMissing.fill(&[]),
            format!(
                "{alive} workers left for a barrier of {parties}: it never fills again ([ lowers it, s adds a worker)"
            ),
        ),
    });
}

/// A sync worker's row, from its slot's `wait` word; None to show the
/// kernel's state in words.
pub fn role_state(wait: u32) -> Option<String> {
    Some(match SyncWait::decode(wait) {
        SyncWait::Nothing => return None,
        SyncWait::Event => "waiting for event".into(),
        SyncWait::Semaphore { held, permits } => {
            format!("waiting on semaphore ({held}/{permits} held)")
        }
        SyncWait::Inside => "in critical section".into(),
        SyncWait::Outside => "working outside".into(),
        SyncWait::Barrier { arrived, parties } => format!("waiting at barrier {arrived}/{parties}"),
    })
}

/// Takes the controller's latest view; returns whether it changed.
pub fn refresh(app: &mut App, sync: &SyncLab) -> bool {
    let view = sync.view();
    if *view == app.sync.view {
        return false;
    }
    app.sync.view = view.clone();
    true
}

/// The header's right side in the sync lab.
pub fn header_status(app: &App) -> String {
    let v = &app.sync.view;
    format!(
        "event {} · sem {} · barrier {} ",
        if v.event_set { "set" } else { "clear" },
        v.permits.max(1),
        v.parties.max(1)
    )
}
