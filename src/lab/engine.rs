//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::counter::{CounterEvent, CounterLab};
use super::sync_lab::{SyncEvent, SyncLab};
use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
    Counter(CounterEvent),
    Sync(SyncEvent),
}

pub struct Engine {
    pub lab: Lab,
    pub counter: CounterLab,
    pub sync: SyncLab,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        let counter = CounterLab::new(&lab);
        let sync = SyncLab::new(&lab);
        Engine { lab, counter, sync }
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        let lab_events = self.lab.poll();
        let sync = self.sync.poll(&self.lab, &lab_events);
        let mut events: Vec<EngineEvent> = lab_events.into_iter().map(EngineEvent::Lab).collect();
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
