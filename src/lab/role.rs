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
}

impl Role {
    /// The name passed as `--role`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Tasks => "tasks",
            Role::Counter => "counter",
            Role::Manager => "manager",
            Role::Sync => "sync",
            Role::Pool => "pool",
        }
    }

    pub fn parse(name: &str) -> Result<Role, String> {
        match name {
            "tasks" => Ok(Role::Tasks),
            "counter" => Ok(Role::Counter),
            "manager" => Ok(Role::Manager),
            "sync" => Ok(Role::Sync),
            "pool" => Ok(Role::Pool),
            other => Err(format!("unknown role {other:?}")),
        }
    }

    /// A short word for the worker table.
    pub fn label(self) -> &'static str {
        match self {
            Role::Tasks => "task",
            Role::Counter => "counter",
            Role::Manager => "manager",
            Role::Sync => "sync",
            Role::Pool => "pool",
        }
    }
}
