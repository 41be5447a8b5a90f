//! The lab's own broker: Debian's redis-server as a child of proclab, on a
//! free localhost port, keeping nothing on disk (`--save "" --appendonly
//! no`), so that two proclabs side by side each have their own and a
//! restart starts empty. Started with the workers' death tie, so even
//! `kill -9` of proclab takes it along.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::files::RunDir;
use super::settings::BrokerUrl;
use crate::lab::Spawner;
use crate::lab::process::ChildProcess;

/// The log's name in the run's folder.
pub const LOG: &str = "redis";

/// A port no one listens on now, chosen by the kernel.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The shell line that starts the same server.
pub fn shell_line(port: u16) -> String {
    format!("redis-server --port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
}

pub struct OwnBroker {
    port: u16,
    process: ChildProcess,
    /// Its end has been reported by [`OwnBroker::poll_exit`].
    end_told: bool,
    pub started_at: Instant,
}

impl OwnBroker {
    /// Starts redis-server on a free port.
    pub fn start(lab: &Spawner, program: &Path, dir: &RunDir) -> std::io::Result<OwnBroker> {
        let port = free_port()?;
        Ok(OwnBroker {
            port,
            process: spawn(lab, program, dir, port)?,
            end_told: false,
            started_at: Instant::now(),
        })
    }

    pub fn url(&self) -> BrokerUrl {
        BrokerUrl::localhost(self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn is_running(&mut self) -> bool {
        self.process.poll_exit().is_none()
    }

    /// The exit code once, the first time the server is seen ended.
    pub fn poll_exit(&mut self) -> Option<i32> {
        let code = self.process.poll_exit()?;
        if self.end_told {
            return None;
        }
        self.end_told = true;
        Some(code)
    }

    /// Starts it again on the same port, so that the nodes, which keep
    /// trying the address they were given, find it. Only once it has ended.
    pub fn restart(&mut self, lab: &Spawner, program: &Path, dir: &RunDir) -> std::io::Result<()> {
        if self.process.poll_exit().is_none() {
            return Err(std::io::Error::other("redis-server is still running"));
        }
        let _ = self.process.reap();
        self.process = spawn(lab, program, dir, self.port)?;
        self.end_told = false;
        self.started_at = Instant::now();
        Ok(())
    }

    /// SIGTERM, then SIGKILL after `grace`; reaped before this returns.
    pub fn stop(&mut self, grace: Duration) {
        if self.process.is_reaped() {
            return;
        }
        if self.process.poll_exit().is_none() {
            let _ = self.process.signal(Signal::TERM);
            if self.process.wait_exit(Some(grace)).is_none() {
                let _ = self.process.signal(Signal::KILL);
                self.process.wait_exit(None);
            }
        }
        let _ = self.process.reap();
        self.end_told = true;
    }
}

fn spawn(lab: &Spawner, program: &Path, dir: &RunDir, port: u16) -> std::io::Result<ChildProcess> {
    let log = std::fs::File::create(dir.log(LOG))?;
    let mut command = Command::new(program);
    command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Keys typed at the terminal reach proclab, not the server.
        .process_group(0);
    lab.spawn_tied(command)
}
