//! The pool lab's UI state: the settings of the next run, the latest view
//! of the pool, and the actions that change them.

pub mod claims;
pub mod narrate;
pub mod python;
pub mod view;

pub use self::view::PoolView;

use crate::app::keymap::Key;
use ratatui::crossterm::event::KeyCode;
use crate::app::labs::{ActionInfo, AppLab};
use crate::app::metrics::Metric;
use crate::app::numbers::thousands;
use crate::app::{Action, App, Effect, LabId, Startup};
use crate::lab::engine::Engine;
use crate::lab::pool::{
    ChunkChoice, Cost, DEFAULT_ITEMS, JobSpec, MAX_POOL_WORKERS, Method, Outcome, PoolEvent,
    PoolLab, serve,
};
use crate::lab::{Lab, Role, WorkerSnapshot};

/// Default time of one ordinary item, in microseconds.
pub const DEFAULT_ITEM_US: u32 = 2_000;
/// Default time of a worker's initializer, in milliseconds.
pub const DEFAULT_INIT_MS: u32 = 100;
/// The `maxtasksperchild` values `t` steps through (None first).
pub const MAXTASKS_STEPS: [Option<u32>; 4] = [None, Some(1), Some(5), Some(25)];

/// What the next run will be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub method: Method,
    pub chunk: ChunkChoice,
    pub items: u32,
    pub workers: u32,
    pub maxtasks: Option<u32>,
    pub cost: Cost,
    pub item_us: u32,
    pub init_ms: u32,
}

impl PoolSettings {
    /// The defaults on a machine with `cores` cores: `Pool()` has one
    /// worker per core.
    pub fn for_cores(cores: usize) -> PoolSettings {
        PoolSettings {
            method: Method::Map,
            chunk: ChunkChoice::Default,
            items: DEFAULT_ITEMS as u32,
            workers: cores.clamp(1, MAX_POOL_WORKERS) as u32,
            maxtasks: None,
            cost: Cost::Uniform,
            item_us: DEFAULT_ITEM_US,
            init_ms: DEFAULT_INIT_MS,
        }
    }

    pub fn spec(&self) -> JobSpec {
        JobSpec {
            method: self.method,
            items: self.items,
            chunk: self.chunk,
            workers: self.workers,
            maxtasks: self.maxtasks,
            cost: self.cost,
            item_us: self.item_us,
            init_ms: self.init_ms,
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings::for_cores(2)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolState {
    pub settings: PoolSettings,
    /// The engine's latest view of the pool.
    pub view: PoolView,
}

impl PoolState {
    pub fn running(&self) -> bool {
        self.view
            .run
            .as_ref()
            .is_some_and(|r| r.outcome == Outcome::Running)
    }
}

/// What the user asks of the pool lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolAction {
    /// Submit a job with the current settings.
    Run,
    NextMethod,
    /// Default, 1, one chunk per worker.
    NextChunk,
    BiggerChunks,
    SmallerChunks,
    NextMaxTasks,
    ToggleCost,
    /// Stop the run: `pool.terminate()`.
    Cancel,
}

/// What the loop must do for the pool lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolEffect {
    Run(JobSpec),
    /// `pool.terminate()`, or an executor's workers terminated.
    Terminate,
}

impl AppLab for PoolState {
    type Action = PoolAction;
    type Effect = PoolEffect;
    type Controller = PoolLab;
    /// The first run's settings, for the machine's cores.
    type Opening = PoolSettings;

    const ABOUT: &'static str =
        "A pool of workers: map, imap, apply_async, futures, chunks, recycling";
    const FLAGS: &'static [&'static str] = &["workers", "items", "chunksize", "method", "maxtasksperchild", "cost", "item-us", "init-ms"];
    const CLAIMS: &'static [crate::app::claims::Table] = &[claims::Pool::TABLE];
    const EXAMPLE: Option<&'static str> = Some("pool_map.py");
    const ACTIONS: &'static [ActionInfo<PoolAction>] = &[
        ActionInfo::new(
            PoolAction::Run,
            "pool-run",
            "run",
            "run the job: submit every item to the pool",
        ),
        ActionInfo::new(
            PoolAction::NextMethod,
            "pool-method",
            "method",
            "next method: map, imap, imap_unordered, apply_async, futures",
        ),
        ActionInfo::new(
            PoolAction::NextChunk,
            "pool-chunks",
            "chunksize",
            "chunksize: Python's default, 1, or one chunk per worker",
        ),
        ActionInfo::new(
            PoolAction::BiggerChunks,
            "pool-bigger-chunks",
            "bigger",
            "double the chunksize",
        ),
        ActionInfo::new(
            PoolAction::SmallerChunks,
            "pool-smaller-chunks",
            "smaller",
            "halve the chunksize",
        ),
        ActionInfo::new(
            PoolAction::NextMaxTasks,
            "pool-maxtasks",
            "maxtasks",
            "maxtasksperchild: None, 1, 5, 25 (a new pool at the next run)",
        ),
        ActionInfo::new(
            PoolAction::ToggleCost,
            "pool-cost",
            "skew",
            "items cost the same, or 1 in 100 is 50x heavier (skewed)",
        ),
        ActionInfo::new(
            PoolAction::Cancel,
            "pool-terminate",
            "terminate",
            "stop the run: terminate the pool (SIGTERM to every worker)",
        ),
    ];
    const METRICS: &'static [Metric] = &[
        Metric::count("pool-runs", "pool runs finished", |a| {
            a.pool.view.history.len() as f64
        }),
        Metric::count("pool-lost", "items lost in the last pool run", |a| {
            a.pool.view.history.last().map_or(0, |r| r.lost_items) as f64
        }),
    ];

    fn keys() -> Vec<(Key, Action, bool)> {
        let p = Action::Pool;
        vec![
            (Key::char('r'), p(PoolAction::Run), true),
            (Key::plain(KeyCode::Esc), p(PoolAction::Cancel), true),
            (Key::char('x'), p(PoolAction::Cancel), false),
            (Key::char('m'), p(PoolAction::NextMethod), true),
            (Key::char('c'), p(PoolAction::NextChunk), true),
            (Key::char('k'), Action::Kill, true),
            (Key::char('t'), p(PoolAction::NextMaxTasks), true),
            (Key::char('u'), p(PoolAction::ToggleCost), true),
            (Key::char('+'), p(PoolAction::BiggerChunks), false),
            (Key::char('='), p(PoolAction::BiggerChunks), false),
            (Key::char('-'), p(PoolAction::SmallerChunks), false),
        ]
    }

    /// Takes the next run's settings; opened on this lab, runs the job.
    fn open(
        app: &mut App,
        engine: &mut Engine,
        start: &Startup,
        opening: &PoolSettings,
    ) -> Result<(), String> {
        app.pool.settings = *opening;
        if start.lab == LabId::Pool {
            let run = Effect::Pool(PoolEffect::Run(app.pool.settings.spec()));
            crate::app::perform::perform(app, engine, run);
        }
        Ok(())
    }

    fn applies(app: &App, action: PoolAction) -> bool {
        applies(app, action)
    }

    fn update(app: &mut App, action: PoolAction) -> Vec<Effect> {
        update(app, action)
    }

    fn perform(app: &mut App, lab: &mut Lab, pool: &mut PoolLab, effect: PoolEffect) {
        perform(app, lab, pool, effect)
    }

    fn on_event(app: &mut App, event: PoolEvent) {
        on_event(app, event)
    }

    /// The pool's view is read while the lab is shown.
    fn refresh(app: &mut App, lab: &Lab, pool: &PoolLab) -> bool {
        app.lab == LabId::Pool && refresh(app, lab, pool)
    }

    /// A pool replaces its workers by itself: the selection follows it to
    /// a live one, so the keys act on the pool as it is.
    fn on_workers(app: &mut App) {
        if app.selected_worker().is_none_or(|w| !w.status.is_alive())
            && let Some(w) = app
                .workers
                .iter()
                .find(|w| w.role == Role::Pool && w.status.is_alive())
        {
            app.selected = Some(w.id);
        }
    }

    /// The next run's settings.
    fn header(app: &App) -> String {
        let s = &app.pool.settings;
        let spec = s.spec();
        let chunk = if s.method.chunked() {
            let star = if spec.chunksize_is_default() {
                " (default)"
            } else {
                ""
            };
            format!(" · chunksize {}{star}", thousands(spec.chunksize().into()))
        } else {
            String::new()
        };
        let tasks = s.maxtasks.map_or(String::new(), |m| {
            format!(" · {m} task{}/child", if m == 1 { "" } else { "s" })
        });
        format!(
            "next: {}{chunk} · {} items · {}{tasks} ",
            s.method.name(),
            thousands(s.items.into()),
            s.cost.name()
        )
    }

    fn wait_words(snap: &WorkerSnapshot) -> Option<String> {
        match snap.wait {
            serve::WAIT_INIT => Some("initializer()".into()),
            serve::WAIT_IDLE => Some("idle: no task".into()),
            _ => None,
        }
    }
}

/// Whether a pool action would do anything now.
pub fn applies(app: &App, action: PoolAction) -> bool {
    let s = &app.pool.settings;
    match action {
        PoolAction::Run => !app.pool.running(),
        PoolAction::Cancel => app.pool.running(),
        PoolAction::NextChunk | PoolAction::BiggerChunks | PoolAction::SmallerChunks => {
            s.method.chunked()
        }
        _ => true,
    }
}

/// Applies a pool action to the settings; returns what the loop must do.
pub fn update(app: &mut App, action: PoolAction) -> Vec<Effect> {
    let running = app.pool.running();
    let number = app.pool.view.run.as_ref().map_or(0, |r| r.number);
    let s = &mut app.pool.settings;
    let line = match action {
        PoolAction::Run if running => narrate::note(
            None,
            format!("run {number} is still going: wait for it, or Esc terminates the pool"),
        ),
        PoolAction::Run => return vec![Effect::Pool(PoolEffect::Run(s.spec()))],
        PoolAction::Cancel if running => return vec![Effect::Pool(PoolEffect::Terminate)],
        PoolAction::Cancel => narrate::note(None, "no run going: nothing to stop".into()),
        PoolAction::NextMethod => {
            s.method = s.method.next();
            narrate::info(
                Some(python::call(&s.spec())),
                format!("{}: {}", s.method.name(), python::delivery(s.method)),
            )
        }
        PoolAction::NextChunk | PoolAction::BiggerChunks | PoolAction::SmallerChunks
            if !s.method.chunked() =>
        {
            narrate::note(
                None,
                format!(
                    "{} makes one task per item: no chunksize to set",
                    s.method.name()
                ),
            )
        }
        PoolAction::NextChunk => {
            let one_each = s.items.div_ceil(s.workers.max(1));
            s.chunk = match s.chunk {
                ChunkChoice::Default => ChunkChoice::Fixed(1),
                ChunkChoice::Fixed(1) => ChunkChoice::Fixed(one_each),
                ChunkChoice::Fixed(_) => ChunkChoice::Default,
            };
            chunk_line(&s.spec())
        }
        PoolAction::BiggerChunks | PoolAction::SmallerChunks => {
            let now = s.spec().chunksize();
            let next = if action == PoolAction::BiggerChunks {
                now.saturating_mul(2).min(s.items.max(1))
            } else {
                (now / 2).max(1)
            };
            s.chunk = ChunkChoice::Fixed(next);
            chunk_line(&s.spec())
        }
        PoolAction::NextMaxTasks => {
            let i = MAXTASKS_STEPS
                .iter()
                .position(|&m| m == s.maxtasks)
                .unwrap_or(0);
            s.maxtasks = MAXTASKS_STEPS[(i + 1) % MAXTASKS_STEPS.len()];
            let config = s.spec().pool();
            let text = match s.maxtasks {
                None => "workers live as long as the pool".to_string(),
                Some(_) if python::executor_deadlocks(&config) => {
                    return narrate_executor(app, &config);
                }
                Some(m) => {
                    format!("a worker retires after {m} tasks and a fresh one takes its place")
                }
            };
            narrate::info(
                Some(python::constructor(&config)),
                format!("{text} (a new pool at the next run)"),
            )
        }
        PoolAction::ToggleCost => {
            s.cost = match s.cost {
                Cost::Uniform => Cost::Skewed,
                Cost::Skewed => Cost::Uniform,
            };
            let text = match s.cost {
                Cost::Uniform => "every item costs the same".to_string(),
                Cost::Skewed => {
                    let h = s.cost.heavy(s.items);
                    format!(
                        "skewed: items {}-{} are {}x heavier, side by side",
                        h.start,
                        h.end.saturating_sub(1),
                        crate::lab::pool::spec::HEAVY_FACTOR
                    )
                }
            };
            narrate::info(None, text)
        }
    };
    app.say(line);
    Vec::new()
}

/// An executor with `max_tasks_per_child` above 1: what CPython 3.11
/// does with it, and what proclab does instead.
fn narrate_executor(app: &mut App, config: &crate::lab::pool::PoolConfig) -> Vec<Effect> {
    app.say(narrate::note(
        python::executor_recycles(config),
        EXECUTOR_DEADLOCKS.into(),
    ));
    Vec::new()
}

/// Why the lab's executor with `max_tasks_per_child` above 1 is not
/// CPython 3.11's.
pub const EXECUTOR_DEADLOCKS: &str = "CPython 3.11 deadlocks here once the first workers retire (gh-115634: no fresh one is started); proclab starts fresh ones (a new pool at the next run)";

fn chunk_line(spec: &JobSpec) -> crate::app::narrate::Line {
    let size = spec.chunksize();
    let default = if spec.chunksize_is_default() {
        ", Python's default"
    } else {
        ""
    };
    narrate::info(
        Some(python::call(spec)),
        format!(
            "chunksize {}{default}: {} chunks",
            crate::app::numbers::thousands(size.into()),
            crate::app::numbers::thousands(spec.n_chunks().into())
        ),
    )
}

/// Carries out a pool effect.
pub fn perform(app: &mut App, lab: &mut Lab, pool: &mut PoolLab, effect: PoolEffect) {
    match effect {
        PoolEffect::Run(spec) => {
            if let Err(e) = pool.submit(lab, spec) {
                app.say(narrate::error(e.to_string()));
            }
            for event in pool.take_events() {
                on_event(app, event);
            }
            refresh(app, lab, pool);
        }
        PoolEffect::Terminate => {
            if let Some(info) = pool.info().filter(|i| i.config.executor) {
                app.say(narrate::executor_terminated(info.alive as usize));
            }
            pool.terminate(lab);
            for event in pool.take_events() {
                on_event(app, event);
            }
            refresh(app, lab, pool);
        }
    }
}

/// Logs what the pool did.
pub fn on_event(app: &mut App, event: PoolEvent) {
    let lines = match event {
        PoolEvent::PoolStarted { config, workers } => {
            vec![narrate::pool_started(&config, &workers)]
        }
        PoolEvent::PoolClosed { config, joined } => vec![narrate::pool_closed(&config, &joined)],
        PoolEvent::Terminated { joined, run, .. } => vec![narrate::terminated(&joined, run)],
        PoolEvent::RunStarted {
            number,
            spec,
            chunksize,
        } => {
            let mut lines = vec![narrate::run_started(number, &spec, chunksize)];
            lines.extend(narrate::recycling(&spec));
            lines
        }
        PoolEvent::Retired {
            id,
            pid,
            serial,
            tasks,
        } => vec![narrate::retired(id, pid, serial, tasks)],
        PoolEvent::Replaced {
            id,
            pid,
            serial,
            replaced,
            after,
        } => {
            // The selection follows the place, so `k` always has a live
            // worker to kill.
            if app.selected == Some(replaced) {
                app.selected = Some(id);
            }
            vec![narrate::replaced(id, pid, serial, after)]
        }
        PoolEvent::Died {
            id,
            serial,
            exitcode,
            lost,
            executor,
            during_run,
            ..
        } => narrate::died(id, serial, exitcode, &lost, executor, during_run),
        PoolEvent::Broken {
            terminated,
            failed_items,
        } => vec![narrate::broken(&terminated, failed_items)],
        PoolEvent::Joined { id, exitcode } => vec![narrate::joined(id, exitcode)],
        PoolEvent::RunFinished(record) => narrate::run_finished(&record).into_iter().collect(),
        PoolEvent::Error(text) => vec![narrate::error(text)],
    };
    for line in lines {
        app.say(line);
    }
}

/// Takes a fresh view of the pool; returns whether it changed.
pub fn refresh(app: &mut App, lab: &Lab, pool: &PoolLab) -> bool {
    let view = PoolView::of(pool, lab);
    if view == app.pool.view {
        return false;
    }
    app.pool.view = view;
    true
}

#[cfg(test)]
mod tests;
