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
    /// An interpreter process whose threads share a simulated GIL: the GIL
    /// lab's thread modes.
    Interpreter,
}

impl Role {
    /// The name passed as `--role`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Tasks => "tasks",
            Role::Interpreter => "interp",
        }
    }

    pub fn parse(name: &str) -> Result<Role, String> {
        match name {
            "tasks" => Ok(Role::Tasks),
            "interp" => Ok(Role::Interpreter),
            other => Err(format!("unknown role {other:?}")),
        }
    }

    /// A short word for the worker table.
    pub fn label(self) -> &'static str {
        match self {
            Role::Tasks => "task",
            Role::Interpreter => "interp",
        }
    }
}
