//! What every lab's engine part is to the engine: a [`Controller`], held
//! by [`Engine`](super::engine::Engine) beside the workers, polled once a
//! tick in three phases, stopped at quit; and, on the child side, the runner
//! of its roles' worker processes.

use std::time::Duration;

use super::shm::Region;
use super::slot::Slot;
use super::worker::WorkerArgs;
use super::{Lab, LabEvent, Role, WorkerId};

/// What a section of the shared region is sized from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    /// Worker slots in the region.
    pub slot_count: usize,
    /// Items a pool job may have.
    pub pool_items: usize,
}

/// One lab's part of the engine.
///
/// The engine polls every controller once a tick, in three phases, because
/// the order in which things are told matters:
///
/// 1. [`claim`](Self::claim), before the engine looks for ended workers: a
///    controller that joins its own workers (the pool replaces retired
///    ones), or tells of their end in its own words (the GIL race), does it
///    here, and says which workers are its own with [`owns`](Self::owns);
/// 2. [`before_exits`](Self::before_exits), what happened before the
///    workers that ended ended (a pipe end meeting a closed pipe);
/// 3. the ended workers' exits, then [`after_exits`](Self::after_exits),
///    what their ends caused (items a consumer held, a permit never given
///    back).
///
/// Within a phase, controllers are polled in the registry's order. `poll`
/// may block briefly (a controller talking to a server), never for long:
/// the screen waits for it.
///
/// The trait is object-safe; its constructors and the child side are for
/// the registry, which knows each concrete type.
pub trait Controller {
    /// What it reports without being asked.
    type Event: std::fmt::Debug + Clone + PartialEq;

    /// Sets the lab's part up on a fresh engine, before any of its workers
    /// starts (its section of the region, say).
    fn set_up(lab: &Lab) -> Self
    where
        Self: Sized;

    /// Bytes its section of the shared region takes; 0 for none.
    fn section_len(_sizing: Sizing) -> usize
    where
        Self: Sized,
    {
        0
    }

    /// Runs a worker process of one of its roles (listed on its registry
    /// line), in that process; returns its exit status.
    fn run_worker(role: Role, _args: &WorkerArgs, _region: &Region, _slot: &Slot) -> i32
    where
        Self: Sized,
    {
        eprintln!("proclab worker: no lab runs the role {}", role.name());
        super::worker::BAD_ARGS
    }

    /// Phase 1: joins or reports its own workers, before the engine does.
    fn claim(&mut self, _lab: &mut Lab) -> Vec<Self::Event> {
        Vec::new()
    }

    /// Whether the end of worker `id` is its to tell, not the engine's.
    fn owns(&self, _id: WorkerId) -> bool {
        false
    }

    /// Phase 2: what happened before the workers in `ended` ended.
    fn before_exits(&mut self, _lab: &mut Lab, _ended: &[LabEvent]) -> Vec<Self::Event> {
        Vec::new()
    }

    /// Phase 3: what followed from the workers in `ended` ending.
    fn after_exits(&mut self, _lab: &mut Lab, _ended: &[LabEvent]) -> Vec<Self::Event> {
        Vec::new()
    }

    /// Whether it has work under way that needs looking at more often than
    /// the screen is redrawn.
    fn busy(&self) -> bool {
        false
    }

    /// At the start of a quit, what Python's own exit handlers would do to
    /// the lab's objects before the children are terminated and joined
    /// (an idle pool or executor is closed, its workers return). Nothing
    /// unless the lab has such objects.
    fn at_exit(&mut self, _lab: &mut Lab) {}

    /// Stops what it runs besides the engine's workers (a race, a server
    /// and its nodes), at quit, giving programs that can stop cleanly up to
    /// `grace`; the workers themselves are stopped by [`Lab::shutdown`]
    /// afterwards. Called once, and again harmlessly.
    fn shutdown(&mut self, _lab: &mut Lab, _grace: Duration) {}
}

/// The trait stays usable behind a pointer.
#[allow(dead_code)]
fn object_safe(_: &dyn Controller<Event = ()>) {}
