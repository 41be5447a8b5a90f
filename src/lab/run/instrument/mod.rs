//! Instrumenting a real Python program: a small Python module, shipped
//! inside the binary, that reports what the program does with
//! `multiprocessing`, and the Rust end that receives it.
//!
//! [`Instrument::prepare`] writes the module and a `sitecustomize.py` into
//! a private folder (0700, removed on drop) and binds a Unix socket there;
//! [`Instrument::env`] is the environment to start the program with
//! (PYTHONPATH first, the socket's path, PYTHONUNBUFFERED); once
//! [`Instrument::listen`]ing, every Python process of the program connects
//! by itself (forked, spawned, forkserver children alike) and its events
//! arrive as [`Report`]s, which [`Program::apply`] folds into the state a
//! view draws: processes, queues and their depth, values, pools, pipes,
//! and a log with each event's `file:line`.
//!
//! The wire: [`wire`]; the Python side: `python/_proclab/` (see its
//! `__init__.py`).

pub mod folder;
pub mod listener;
pub mod state;
pub mod wire;

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::Sender;

use rustix::net::{
    AddressFamily, SocketAddrUnix, SocketFlags, SocketType, bind, listen, socket_with,
};

pub use self::folder::PrivateDir;
pub use self::listener::{Listener, Report};
pub use self::state::Program;
pub use self::wire::{Event, Site};
use super::output::OutputLine;

/// The environment variable naming the socket.
pub const ENV_SOCKET: &str = "PROCLAB_EVENTS";
/// Set to `1`: each process hands proclab its own pipes for fds 1 and 2,
/// so every line is known to be that process's.
pub const ENV_SPLIT_OUTPUT: &str = "PROCLAB_SPLIT_OUTPUT";
/// The socket's name in the folder.
pub const SOCKET_NAME: &str = "events.sock";
/// Longest socket path the kernel takes (`sun_path`, less its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// What can go wrong setting the instrumentation up.
#[derive(Debug, thiserror::Error)]
pub enum InstrumentError {
    #[error("cannot make a private folder for the instrumentation: {0}")]
    Folder(std::io::Error),
    #[error("cannot write the instrumentation module into {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "socket path {0} is longer than the 107 bytes a Unix socket allows; set TMPDIR shorter"
    )]
    PathTooLong(PathBuf),
    #[error("cannot listen on {path}: {source}")]
    Socket {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the instrumentation's listener: {0}")]
    Thread(std::io::Error),
}

/// One run's instrumentation: the folder, the socket, the listener.
#[derive(Debug)]
pub struct Instrument {
    // Dropped last (fields drop in order): the listener stops first.
    listener: Option<Listener>,
    socket: Option<OwnedFd>,
    socket_path: PathBuf,
    dir: PrivateDir,
}

impl Instrument {
    /// Writes the module into a new private folder under the temporary
    /// directory and binds the socket there (not yet served).
    pub fn prepare() -> Result<Instrument, InstrumentError> {
        Instrument::prepare_in(None)
    }

    /// As [`Instrument::prepare`], in `parent` instead of the temporary
    /// directory.
    pub fn prepare_in(parent: Option<&Path>) -> Result<Instrument, InstrumentError> {
        let dir = PrivateDir::create(parent).map_err(InstrumentError::Folder)?;
        dir.write_module()
            .map_err(|source| InstrumentError::Write {
                path: dir.path().to_path_buf(),
                source,
            })?;
        let socket_path = dir.path().join(SOCKET_NAME);
        if socket_path.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(InstrumentError::PathTooLong(socket_path));
        }
        let socket = bind_socket(&socket_path).map_err(|source| InstrumentError::Socket {
            path: socket_path.clone(),
            source,
        })?;
        Ok(Instrument {
            listener: None,
            socket: Some(socket),
            socket_path,
            dir,
        })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// The environment to give the program: the folder first on
    /// PYTHONPATH (before the PYTHONPATH proclab was given), the socket,
    /// unbuffered output, and whether each process's output comes on pipes
    /// of its own (only worth it when proclab reads fds 1 and 2 as pipes).
    pub fn env(&self, split_output: bool) -> Vec<(OsString, OsString)> {
        let mut path = OsString::from(self.dir.path());
        if let Some(old) = std::env::var_os("PYTHONPATH").filter(|p| !p.is_empty()) {
            path.push(":");
            path.push(old);
        }
        let mut env = vec![
            ("PYTHONPATH".into(), path),
            (ENV_SOCKET.into(), self.socket_path.clone().into_os_string()),
            ("PYTHONUNBUFFERED".into(), "1".into()),
        ];
        if split_output {
            env.push((ENV_SPLIT_OUTPUT.into(), "1".into()));
        }
        env
    }

    /// Sets [`Instrument::env`] on a command.
    pub fn apply(&self, cmd: &mut Command, split_output: bool) {
        cmd.envs(self.env(split_output));
    }

    /// Serves the socket on a thread: reports go to `reports`, the lines
    /// of processes that hand over their output go to `output`.
    pub fn listen(
        &mut self,
        reports: Sender<Report>,
        output: Sender<OutputLine>,
    ) -> Result<(), InstrumentError> {
        let Some(socket) = self.socket.take() else {
            return Ok(());
        };
        let listener = Listener::spawn(socket, reports, output).map_err(InstrumentError::Thread)?;
        self.listener = Some(listener);
        Ok(())
    }

    /// Stops listening and removes the socket: processes already connected
    /// fall silent, new ones find nobody and run uninstrumented.
    pub fn stop(&mut self) {
        if let Some(mut l) = self.listener.take() {
            l.stop();
        }
        self.socket.take();
        let _ = std::fs::remove_file(&self.socket_path);
    }
}

impl Drop for Instrument {
    fn drop(&mut self) {
        self.stop();
    }
}

fn bind_socket(path: &Path) -> std::io::Result<OwnedFd> {
    let fd = socket_with(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
        None,
    )?;
    bind(&fd, &SocketAddrUnix::new(path)?)?;
    listen(&fd, 128)?;
    Ok(fd)
}

#[cfg(test)]
mod tests;
