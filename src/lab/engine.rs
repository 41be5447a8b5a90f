//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own controller (a race runner, a queue, a counter...).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

use super::counter::{CounterEvent, CounterLab};
use super::gil::{GilEvent, GilLab};
use super::pipe::{PipeEvent, PipeLab};
use super::pipeline::{PipelineEvent, PipelineLab};
use super::pool::{PoolEvent, PoolLab};
use super::queue::{QueueEvent, QueueLab};
use super::sync::{SyncEvent, SyncLab};
use super::{Lab, LabEvent, ShutdownReport};

/// Something the engine reports without being asked this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Lab(LabEvent),
    Counter(CounterEvent),
    Sync(SyncEvent),
    Pool(PoolEvent),
    Queue(QueueEvent),
    Pipe(PipeEvent),
    Pipeline(PipelineEvent),
    Gil(GilEvent),
}

pub struct Engine {
    pub lab: Lab,
    pub counter: CounterLab,
    pub sync: SyncLab,
    pub pool: PoolLab,
    pub queue: QueueLab,
    pub pipe: PipeLab,
    pub pipeline: PipelineLab,
    /// The GIL lab: its workers in the current mode, and the race.
    pub gil: GilLab,
}

impl Engine {
    pub fn new(lab: Lab) -> Engine {
        let counter = CounterLab::new(&lab);
        let sync = SyncLab::new(&lab);
        let pool = PoolLab::new(&lab);
        // Initialising a process-shared mutex in fresh memory cannot fail
        // on Linux; if it ever did, nothing of the queue labs could work.
        let queue = QueueLab::new(lab.region()).expect("the queue's lock initialises");
        let pipe = PipeLab::new(lab.region());
        let pipeline = PipelineLab::new(lab.region()).expect("the pipeline's lock initialises");
        Engine {
            lab,
            gil: GilLab::new(),
            counter,
            sync,
            pool,
            queue,
            pipe,
            pipeline,
        }
    }

    /// Looks at everything once, without blocking.
    pub fn poll(&mut self) -> Vec<EngineEvent> {
        // Controllers first: the race reads its ended workers before the
        // lab would report (or auto-join) them, and reports them itself;
        // the pool joins its own workers, so they are told of as pool
        // workers (retired, died) rather than as plain exits.
        let mut events: Vec<EngineEvent> = (self.gil.poll(&mut self.lab).into_iter())
            .map(EngineEvent::Gil)
            .collect();
        events.extend(
            self.pool
                .poll(&mut self.lab)
                .into_iter()
                .map(EngineEvent::Pool),
        );
        let gil = &self.gil;
        let ended: Vec<LabEvent> = self
            .lab
            .poll()
            .into_iter()
            .filter(|e| !gil.owns(lab_event_worker(e)))
            .collect();
        let sync = self.sync.poll(&self.lab, &ended);
        // What a pipe end met comes before its exit, what a consumer held
        // after it: the order in which they happened.
        events.extend(self.pipe.poll(&self.lab).into_iter().map(EngineEvent::Pipe));
        let pipeline = self.pipeline.poll(&mut self.lab);
        events.extend(pipeline.into_iter().map(EngineEvent::Pipeline));
        events.extend(ended.into_iter().map(EngineEvent::Lab));
        let queue = self.queue.poll(&mut self.lab);
        events.extend(queue.into_iter().map(EngineEvent::Queue));
        events.extend(
            self.counter
                .poll(&mut self.lab)
                .into_iter()
                .map(EngineEvent::Counter),
        );
        events.extend(sync.into_iter().map(EngineEvent::Sync));
        events
    }

    /// Whether a lab has work under way that needs looking at more often
    /// than the screen is redrawn: a pool run, whose retired workers are
    /// replaced when the engine next looks.
    pub fn busy(&self) -> bool {
        self.pool.running()
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
