//! The labs proclab has, in the order of the lab selector.

/// One lab: a focus panel and its keys on top of the shared dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum LabId {
    /// Spawn, pause, resume, terminate, kill and join real worker processes.
    Lifecycle,
    /// A counter shared by every worker: racy, locked, atomic, or behind a manager.
    Counter,
    /// An Event, a Semaphore(k) and a Barrier between processes.
    Sync,
    /// A pool of workers: map, imap, apply_async, futures, chunks, recycling.
    Pool,
    /// Producers and consumers around a bounded queue in shared memory.
    Queue,
    /// Two workers and a Pipe: ping-pong or a one-way stream.
    Pipe,
    /// fetch -> process -> save, joined by a pipe and a queue.
    Pipeline,
    /// Threads under a simulated GIL, processes and free threads, and a race.
    Gil,
}

impl LabId {
    /// Every lab, in selector order; number keys pick them by position.
    pub const ALL: &'static [LabId] = &[
        LabId::Lifecycle,
        LabId::Gil,
        LabId::Queue,
        LabId::Pipe,
        LabId::Pipeline,
        LabId::Counter,
        LabId::Sync,
        LabId::Pool,
    ];

    pub fn title(self) -> &'static str {
        match self {
            LabId::Lifecycle => "Lifecycle",
            LabId::Counter => "Counter",
            LabId::Sync => "Sync",
            LabId::Pool => "Pool",
            LabId::Queue => "Queue",
            LabId::Pipe => "Pipe",
            LabId::Pipeline => "Pipeline",
            LabId::Gil => "GIL race",
        }
    }

    /// The name used by `--lab`.
    pub fn name(self) -> &'static str {
        match self {
            LabId::Lifecycle => "lifecycle",
            LabId::Counter => "counter",
            LabId::Sync => "sync",
            LabId::Pool => "pool",
            LabId::Queue => "queue",
            LabId::Pipe => "pipe",
            LabId::Pipeline => "pipeline",
            LabId::Gil => "gil",
        }
    }

    pub fn index(self) -> usize {
        LabId::ALL.iter().position(|&l| l == self).unwrap_or(0)
    }

    pub fn next(self) -> LabId {
        LabId::ALL[(self.index() + 1) % LabId::ALL.len()]
    }

    pub fn prev(self) -> LabId {
        LabId::ALL[(self.index() + LabId::ALL.len() - 1) % LabId::ALL.len()]
    }
}
