//! What proclab does as it opens: the first workers of the lab it opens on.

use crate::cli::Cli;

use super::counter::{CounterEffect, CounterSettings};
use super::pool::PoolEffect;
use super::sync::SyncEffect;
use super::{App, Effect, LabId};

/// Takes the lab settings from the command line and returns the effects
/// that start the lab: workers for the lifecycle lab, a run for the
/// counter lab, the primitives and workers for the sync lab, the job for
/// the pool lab.
pub fn effects(cli: &Cli, app: &mut App) -> Vec<Effect> {
    let workers = cli.workers.unwrap_or(2);
    // `--workers 0` opens the counter lab without a run; `r` then runs
    // the default number of workers.
    let defaults = CounterSettings::default();
    app.counter.settings = CounterSettings {
        mode: cli.counter,
        workers: if workers == 0 {
            defaults.workers
        } else {
            workers
        },
        increments: cli.increments,
        slow: cli.slow,
    };
    app.pool.settings = cli.pool_settings(app.machine.cores);
    let n = workers as usize;
    match app.lab {
        LabId::Pool => vec![Effect::Pool(PoolEffect::Run(app.pool.settings.spec()))],
        // The GIL lab starts its workers in its own mode (`gil::startup`).
        LabId::Gil => Vec::new(),
        // Their producers, consumers and stages are opened by
        // `queue::perform::open` and the like, from `--producers` and the like.
        LabId::Queue | LabId::Pipe | LabId::Pipeline => {
            vec![Effect::Start(app.settings.start); cli.workers.unwrap_or(0) as usize]
        }
        LabId::Lifecycle => vec![Effect::Start(app.settings.start); n],
        LabId::Counter if n > 0 => vec![Effect::Counter(CounterEffect::Run(
            app.counter.settings.spec(),
        ))],
        LabId::Counter => Vec::new(),
        LabId::Sync => {
            let setup = SyncEffect::Setup {
                permits: cli.permits,
                parties: cli.parties.unwrap_or(workers).max(1),
            };
            std::iter::once(Effect::Sync(setup))
                .chain(std::iter::repeat_n(
                    Effect::Sync(SyncEffect::Start(app.settings.start.task_ms)),
                    n,
                ))
                .collect()
        }
    }
}
