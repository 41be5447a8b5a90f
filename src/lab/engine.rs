//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::gil::{GilEvent, GilLab};
use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
    Gil(GilEvent),
}

pub struct Engine {
    pub lab: Lab,
    /// The GIL lab: its workers in the current mode, and the race.
    pub gil: GilLab,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        Engine {
            lab,
            gil: GilLab::new(),
        }
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        // Controllers first: the race reads its ended workers before the
        // lab would report (or auto-join) them, and reports them itself.
        let mut events: Vec<EngineEvent> = (self.gil.poll(&mut self.lab).into_iter())
            .map(EngineEvent::Gil)
            .collect();
        let gil = &self.gil;
        events.extend(
            self.lab
                .poll()
                .into_iter()
                .filter(|e| !gil.owns(lab_event_worker(e)))
                .map(EngineEvent::Lab),
        );
        events
    }

    /// Stops every controller, then every worker (see [`Lab::shutdown`]).
    pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        self.gil.shutdown(&mut self.lab);
        self.lab.shutdown(grace)
    }
}

fn lab_event_worker(e: &LabEvent) -> super::WorkerId {
    match e {
        LabEvent::Exited { id, .. } | LabEvent::Joined { id, .. } => *id,
    }
}
