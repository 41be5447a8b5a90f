//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
}

pub struct Engine {
    pub lab: Lab,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        Engine { lab }
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        self.lab.poll().into_iter().map(EngineEvent::Lab).collect()
    }

    /// Stops every controller, then every worker (see [`Lab::shutdown`]).
    pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        self.lab.shutdown(grace)
    }
}
