//! The supervisor thread: the one long-lived thread that spawns every child.
//!
//! Linux delivers a child's parent-death signal when the *thread* that forked
//! it exits, not the process. Spawning from a short-lived thread would kill
//! the child with it; spawning from the UI thread would tie workers to
//! whatever that thread does. So one thread lives as long as the engine and
//! does every fork+exec, and nothing else.

use std::process::{Child, Command};
use std::sync::mpsc;
use std::thread::JoinHandle;

struct Request {
    command: Command,
    reply: mpsc::SyncSender<std::io::Result<Child>>,
}

pub struct Supervisor {
    tx: Option<mpsc::Sender<Request>>,
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
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Spawns `command` from the supervisor thread and waits for the result.
    pub fn spawn(&self, command: Command) -> std::io::Result<Child> {
        let (reply, result) = mpsc::sync_channel(1);
        let gone = || std::io::Error::other("the supervisor thread has stopped");
        self.tx
            .as_ref()
            .ok_or_else(gone)?
            .send(Request { command, reply })
            .map_err(|_| gone())?;
        result.recv().map_err(|_| gone())?
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
