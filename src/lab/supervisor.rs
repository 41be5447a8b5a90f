//! The supervisor thread: the one long-lived thread that spawns every child.
//!
//! Linux delivers a child's parent-death signal when the *thread* that forked
//! it exits, not the process. Spawning from a short-lived thread would kill
//! the child with it; spawning from the UI thread would tie workers to
//! whatever that thread does. So one thread lives as long as the engine and
//! does every fork+exec, and nothing else.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;

use rustix::process::Signal;

use super::process::ChildProcess;

struct Request {
    command: Command,
    reply: mpsc::SyncSender<std::io::Result<Child>>,
}

pub struct Supervisor {
    tx: Option<Arc<mpsc::Sender<Request>>>,
    thread: Option<JoinHandle<()>>,
}

impl Supervisor {
    pub fn start() -> std::io::Result<Supervisor> {
        let (tx, rx) = mpsc::channel::<Request>();
        let thread = std::thread::Builder::new()
            .name("proclab-supervisor".into())
            .spawn(move || {
                for mut request in rx {
                    let _ = request.reply.send(request.command.spawn());
                }
            })?;
        Ok(Supervisor {
            tx: Some(Arc::new(tx)),
            thread: Some(thread),
        })
    }

    /// A handle that spawns from this thread while it lives. It does not
    /// keep the thread alive: once the supervisor is dropped, the handle's
    /// spawns fail (and what they started has been killed by its
    /// parent-death signal anyway).
    pub fn spawner(&self) -> Spawner {
        Spawner {
            tx: self.tx.as_ref().map_or_else(Weak::new, Arc::downgrade),
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop.
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Spawns children from the engine's supervisor thread, tied to proclab as
/// every worker is. Handed to a controller that starts programs of its own
/// (a server, Celery nodes), so that every child of proclab comes from the
/// one thread.
#[derive(Clone)]
pub struct Spawner {
    tx: Weak<mpsc::Sender<Request>>,
}

impl Spawner {
    /// Spawns `command` from the supervisor thread and waits for the result.
    pub fn spawn(&self, command: Command) -> std::io::Result<Child> {
        let (reply, result) = mpsc::sync_channel(1);
        let gone = || std::io::Error::other("the supervisor thread has stopped");
        let tx = self.tx.upgrade().ok_or_else(gone)?;
        tx.send(Request { command, reply }).map_err(|_| gone())?;
        drop(tx);
        result.recv().map_err(|_| gone())?
    }

    /// Spawns any command as a child tied to proclab as every worker is:
    /// from the supervisor thread, with a parent-death signal (SIGKILL) and
    /// a check that the parent is still there, held by its pidfd. A program
    /// that is not proclab's own worker (a Python program, a server) is
    /// started this way so that even `kill -9` of proclab takes it along.
    pub fn spawn_tied(&self, mut command: Command) -> std::io::Result<ChildProcess> {
        let parent = std::process::id();
        // Safety: between fork and exec this calls only prctl and getppid,
        // both async-signal-safe system calls, and allocates nothing.
        unsafe {
            command.pre_exec(move || {
                rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
                let ppid = rustix::process::getppid().map(|p| p.as_raw_nonzero().get() as u32);
                if ppid != Some(parent) {
                    return Err(std::io::ErrorKind::BrokenPipe.into());
                }
                Ok(())
            });
        }
        let child = self.spawn(command)?;
        ChildProcess::adopt(child)
    }
}
