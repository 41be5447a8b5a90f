//! What can go wrong when running, attaching to or signalling a program.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
// Each message holds its reason, so none is also a `source`: a report that
// prints the chain would say it twice.
pub enum RunError {
    #[error(
        "nothing to run: give a script (proclab run script.py) or a command after -- (proclab run -- PROGRAM ARGS...)"
    )]
    NothingToRun,
    #[error("cannot run {}: there is no such file", .0.display())]
    NoScript(PathBuf),
    #[error("cannot start {program}: {error}")]
    Spawn {
        program: String,
        error: std::io::Error,
    },
    #[error("cannot capture the program's output: {0}")]
    Pipe(std::io::Error),
    #[error(
        "cannot keep the program's orphans as proclab's children (PR_SET_CHILD_SUBREAPER): {0}"
    )]
    Subreaper(std::io::Error),
    #[error("there is no process {0} to attach to")]
    NoProcess(u32),
    #[error("process {0} is proclab itself: attach to another program")]
    AttachSelf(u32),
    #[error("a program proclab attached to cannot be restarted: it did not start it")]
    NotOwned,
    #[error("process {0} is not part of the program")]
    NotInProgram(u32),
    #[error("process {0} has already ended")]
    Ended(u32),
    #[error("not allowed to send {signal} to process {pid}: it belongs to another user")]
    Refused { pid: u32, signal: &'static str },
    #[error("cannot send {signal} to process {pid}: {error}")]
    Signal {
        pid: u32,
        signal: &'static str,
        error: std::io::Error,
    },
}
