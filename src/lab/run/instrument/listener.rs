//! The receiving end: one thread polls the listening socket and every
//! process's connection, checks each peer (same user, by SO_PEERCRED),
//! decodes messages into [`Report`]s and hands each process's own output
//! pipes, passed with SCM_RIGHTS, to [`output::spawn_reader`].

use std::io::IoSliceMut;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::event::{PollFd, PollFlags, poll};
use rustix::io::Errno;
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SocketFlags, accept_with,
    recvmsg, sockopt,
};

use super::wire::{self, Event, MAX_MESSAGE};
use crate::lab::run::output::{self, OutputLine, Stream};

/// Connections served at once; more are refused.
pub const MAX_CONNECTIONS: usize = 1024;
/// File descriptors accepted with one message.
const MAX_FDS: usize = 4;

/// What the listener tells whoever watches the program.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// An event of process `pid` (the peer's pid, from the kernel), at
    /// `time` (unix seconds: the event's own, else when it arrived).
    Event { pid: u32, time: f64, event: Event },
    /// Process `pid` closed its connection (it ended, or fell silent).
    Closed { pid: u32 },
    /// Lines or messages from `pid` that were not understood, or too long.
    Dropped { pid: u32, count: u64 },
}

/// The listening thread; stopped and joined on drop.
#[derive(Debug)]
pub struct Listener {
    stop: Option<OwnedFd>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Serves `socket` (bound and listening) on a new thread.
    pub fn spawn(
        socket: OwnedFd,
        reports: Sender<Report>,
        output: Sender<OutputLine>,
    ) -> std::io::Result<Listener> {
        let (stop_r, stop_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let thread = std::thread::Builder::new()
            .name("proclab-instrument".into())
            .spawn(move || serve(socket, stop_r, reports, output))?;
        Ok(Listener {
            stop: Some(stop_w),
            thread: Some(thread),
        })
    }

    /// Stops listening and closes every connection: the program's
    /// processes fall silent and go on.
    pub fn stop(&mut self) {
        // Closing the write end wakes the thread (its read end sees EOF).
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Conn {
    fd: OwnedFd,
    pid: u32,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn serve(socket: OwnedFd, stop: OwnedFd, reports: Sender<Report>, output: Sender<OutputLine>) {
    let mut conns: Vec<Conn> = Vec::new();
    let mut buf = vec![0u8; MAX_MESSAGE];
    let uid = rustix::process::geteuid();
    loop {
        let ready: Vec<bool> = {
            let mut fds = Vec::with_capacity(conns.len() + 2);
            fds.push(PollFd::new(&stop, PollFlags::IN));
            fds.push(PollFd::new(&socket, PollFlags::IN));
            fds.extend(conns.iter().map(|c| PollFd::new(&c.fd, PollFlags::IN)));
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(_) => return,
            }
            fds.iter().map(|p| !p.revents().is_empty()).collect()
        };
        if ready[0] {
            return;
        }
        if ready[1] {
            accept_all(&socket, &mut conns, uid);
        }
        let mut closed = Vec::new();
        for (i, conn) in conns.iter().enumerate() {
            if ready.get(i + 2) == Some(&true) && !receive(conn, &mut buf, &reports, &output) {
                closed.push(i);
            }
        }
        for i in closed.into_iter().rev() {
            let conn = conns.remove(i);
            let _ = reports.send(Report::Closed { pid: conn.pid });
        }
    }
}

fn accept_all(socket: &OwnedFd, conns: &mut Vec<Conn>, uid: rustix::process::Uid) {
    loop {
        let fd = match accept_with(socket, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK) {
            Ok(fd) => fd,
            Err(Errno::INTR) => continue,
            Err(_) => return,
        };
        let Ok(cred) = sockopt::socket_peercred(&fd) else {
            continue;
        };
        // Only this user's processes may talk to proclab.
        if cred.uid != uid || conns.len() >= MAX_CONNECTIONS {
            continue;
        }
        let pid = cred.pid.as_raw_nonzero().get() as u32;
        conns.push(Conn { fd, pid });
    }
}

/// Reads every message waiting on `conn`. False once the peer is gone.
fn receive(
    conn: &Conn,
    buf: &mut [u8],
    reports: &Sender<Report>,
    output: &Sender<OutputLine>,
) -> bool {
    loop {
        let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let msg = match recvmsg(
            conn.fd.as_fd(),
            &mut [IoSliceMut::new(buf)],
            &mut control,
            RecvFlags::DONTWAIT | RecvFlags::CMSG_CLOEXEC,
        ) {
            Ok(msg) => msg,
            Err(Errno::AGAIN) => return true,
            Err(Errno::INTR) => continue,
            Err(_) => return false,
        };
        let mut fds: Vec<OwnedFd> = Vec::new();
        for m in control.drain() {
            if let RecvAncillaryMessage::ScmRights(rights) = m {
                fds.extend(rights);
            }
        }
        if msg.bytes == 0 && fds.is_empty() {
            return false;
        }
        if msg.flags.contains(ReturnFlags::TRUNC) || msg.flags.contains(ReturnFlags::CTRUNC) {
            let _ = reports.send(Report::Dropped {
                pid: conn.pid,
                count: 1,
            });
            continue;
        }
        let (events, bad) = wire::decode(&buf[..msg.bytes.min(buf.len())]);
        if bad > 0 {
            let _ = reports.send(Report::Dropped {
                pid: conn.pid,
                count: bad as u64,
            });
        }
        let arrived = now();
        for event in events {
            if let Event::Out { streams, .. } = &event {
                read_output(conn.pid, streams, std::mem::take(&mut fds), output);
            }
            let time = event.time().unwrap_or(arrived);
            let _ = reports.send(Report::Event {
                pid: conn.pid,
                time,
                event,
            });
        }
    }
}

/// Reads each of a process's own output pipes on a thread of its own.
fn read_output(pid: u32, streams: &[String], fds: Vec<OwnedFd>, output: &Sender<OutputLine>) {
    for (fd, name) in fds.into_iter().zip(streams) {
        let stream = match name.as_str() {
            "stdout" => Stream::Stdout,
            "stderr" => Stream::Stderr,
            _ => continue,
        };
        let _ = output::spawn_reader(fd, Some(pid), stream, output.clone());
    }
}
