//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::pipe::{PipeEvent, PipeLab};
use super::pipeline::{PipelineEvent, PipelineLab};
use super::queue::{QueueEvent, QueueLab};
use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
    Queue(QueueEvent),
    Pipe(PipeEvent),
    Pipeline(PipelineEvent),
}

pub struct Engine {
    pub lab: Lab,
    pub queue: QueueLab,
    pub pipe: PipeLab,
    pub pipeline: PipelineLab,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        // Initialising a process-shared mutex in fresh memory cannot fail
        // on Linux; if it ever did, nothing of the queue labs could work.
        let queue = QueueLab::new(lab.region()).expect("the queue's lock initialises");
        let pipe = PipeLab::new(lab.region());
        let pipeline = PipelineLab::new(lab.region()).expect("the pipeline's lock initialises");
        Engine {
            lab,
            queue,
            pipe,
            pipeline,
        }
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        let ended = self.lab.poll();
        // What a pipe end met comes before its exit, what a consumer held
        // after it: the order in which they happened.
        let mut events: Vec<EngineEvent> = self
            .pipe
            .poll(&self.lab)
            .into_iter()
            .map(EngineEvent::Pipe)
            .collect();
        let pipeline = self.pipeline.poll(&mut self.lab);
        events.extend(pipeline.into_iter().map(EngineEvent::Pipeline));
        events.extend(ended.into_iter().map(EngineEvent::Lab));
        let queue = self.queue.poll(&mut self.lab);
        events.extend(queue.into_iter().map(EngineEvent::Queue));
        events
    }

    /// Stops every controller, then every worker (see [`Lab::shutdown`]).
    pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        self.lab.shutdown(grace)
    }
}
