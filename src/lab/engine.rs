//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::counter::{CounterEvent, CounterLab};
use super::pool::{PoolController, PoolEvent};
use super::sync_lab::{SyncEvent, SyncLab};
use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
    Counter(CounterEvent),
    Sync(SyncEvent),
    Pool(PoolEvent),
}

pub struct Engine {
    pub lab: Lab,
    pub counter: CounterLab,
    pub sync: SyncLab,
    pub pool: PoolController,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        let counter = CounterLab::new(&lab);
        let sync = SyncLab::new(&lab);
        let pool = PoolController::new(&lab);
        Engine {
            lab,
            counter,
            sync,
            pool,
        }
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        // The pool joins its own workers first, so they are told of as pool
        // workers (retired, died) rather than as plain exits.
        let mut events: Vec<EngineEvent> = self
            .pool
            .poll(&mut self.lab)
            .into_iter()
            .map(EngineEvent::Pool)
            .collect();
        let lab_events = self.lab.poll();
        let sync = self.sync.poll(&self.lab, &lab_events);
        events.extend(lab_events.into_iter().map(EngineEvent::Lab));
        events.extend(
            self.counter
                .poll(&mut self.lab)
                .into_iter()
                .map(EngineEvent::Counter),
        );
        events.extend(sync.into_iter().map(EngineEvent::Sync));
        events
    }

    /// Stops every controller, then every worker (see [`Lab::shutdown`]).
    pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        self.lab.shutdown(grace)
    }
}
