//! What a worker process does once started.
//!
//! A role is named on the worker's command line (`--role NAME`); anything a
//! role needs beyond its name it reads from its lab's section of the shared
//! region, where proclab can also change it while the worker runs.

/// A worker's job. Each lab adds the roles it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Runs CPU- or I/O-bound tasks: the lifecycle lab's worker.
    #[default]
    Tasks,
    /// Increments the shared counter: the counter lab's worker.
    Counter,
    /// The counter lab's manager: a server process that owns a counter.
    Manager,
    /// Goes round an Event, a Semaphore and a Barrier: the sync lab's worker.
    Sync,
    /// A pool worker: takes chunks of the pool lab's job.
    Pool,
    /// Puts items into the queue: the queue lab.
    Producer,
    /// Gets items from the queue until a sentinel.
    Consumer,
    /// Sends a ping over a duplex pipe and waits for the answer.
    Ping,
    /// Answers pings.
    Pong,
    /// Streams messages one way into a pipe.
    Sender,
    /// Reads the stream until the other end closes.
    Receiver,
    /// The pipeline's first stage: fetches items into a pipe.
    Fetch,
    /// The middle stage: pipe in, queue out.
    Process,
    /// The last stage: gets from the queue and saves.
    Save,
    /// An interpreter process whose threads share a simulated GIL: the GIL
    /// lab's thread modes.
    Interpreter,
}

impl Role {
    pub const ALL: [Role; 15] = [
        Role::Tasks,
        Role::Counter,
        Role::Manager,
        Role::Sync,
        Role::Pool,
        Role::Producer,
        Role::Consumer,
        Role::Ping,
        Role::Pong,
        Role::Sender,
        Role::Receiver,
        Role::Fetch,
        Role::Process,
        Role::Save,
        Role::Interpreter,
    ];

    /// The name passed as `--role`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Tasks => "tasks",
            Role::Counter => "counter",
            Role::Manager => "manager",
            Role::Sync => "sync",
            Role::Pool => "pool",
            Role::Producer => "producer",
            Role::Consumer => "consumer",
            Role::Ping => "ping",
            Role::Pong => "pong",
            Role::Sender => "sender",
            Role::Receiver => "receiver",
            Role::Fetch => "fetch",
            Role::Process => "process",
            Role::Save => "save",
            Role::Interpreter => "interp",
        }
    }

    /// The role named `name` on a worker's command line.
    pub fn parse(name: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| format!("unknown role {name:?}"))
    }

    /// A short word for the worker table.
    pub fn label(self) -> &'static str {
        match self {
            Role::Tasks => "task",
            other => other.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_parsed_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Ok(role));
        }
        assert_eq!(
            Role::parse("tsks"),
            Err("unknown role \"tsks\"".to_string())
        );
    }
}
