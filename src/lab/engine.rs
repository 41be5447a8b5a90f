//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::pool::{PoolController, PoolEvent};
use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
    Pool(PoolEvent),
}

pub struct Engine {
    pub lab: Lab,
    pub pool: PoolController,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        let pool = PoolController::new(&lab);
        Engine { lab, pool }
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
        events.extend(self.lab.poll().into_iter().map(EngineEvent::Lab));
        events
    }

    /// Stops every controller, then every worker (see [`Lab::shutdown`]).
    pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        self.lab.shutdown(grace)
    }
}
