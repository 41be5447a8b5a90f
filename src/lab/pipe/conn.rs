//! One end of a pipe as a worker uses it: `multiprocessing.Connection`'s
//! `send` and `recv` over a real OS pipe or socket pair, with messages
//! framed as a length and then postcard bytes.
//!
//! The fd is made non-blocking so that a worker blocked in `recv` or `send`
//! still wakes every so often to beat its heart and read proclab's
//! requests; to the worker's code the calls block, as Python's do.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::lab::queue::message::{self, MessageError};

/// What `recv` found.
#[derive(Debug, PartialEq)]
pub enum Recv<T> {
    Msg(T),
    /// The other end is closed and nothing is left: Python's `EOFError`.
    Eof,
    /// Nothing arrived within the timeout; ask again.
    Idle,
    /// A message that would not decode (skipped).
    Corrupt(MessageError),
}

/// What `send` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    Done,
    /// The other end is closed: Python's `BrokenPipeError`.
    Broken,
    /// The pipe stayed full for the whole timeout; the rest is still queued.
    Idle,
}

/// Bytes read ahead at most.
const INBOX: usize = 64 * 1024;

pub struct Conn {
    fd: OwnedFd,
    inbox: Box<[u8]>,
    read_at: usize,
    filled: usize,
    outbox: Vec<u8>,
    written: usize,
}

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

fn wait_for(fd: &OwnedFd, flags: PollFlags, timeout: Duration) -> bool {
    let mut fds = [PollFd::new(fd, flags)];
    matches!(poll(&mut fds, Some(&timespec(timeout))), Ok(n) if n > 0)
}

impl Conn {
    /// Takes an inherited end and makes it non-blocking.
    pub fn new(fd: OwnedFd) -> std::io::Result<Conn> {
        let flags = rustix::fs::fcntl_getfl(&fd)?;
        rustix::fs::fcntl_setfl(&fd, flags | rustix::fs::OFlags::NONBLOCK)?;
        Ok(Conn {
            fd,
            inbox: vec![0; INBOX].into_boxed_slice(),
            read_at: 0,
            filled: 0,
            outbox: Vec::with_capacity(64 * 1024),
            written: 0,
        })
    }

    /// Adds a message to what the next [`flush`](Self::flush) writes.
    pub fn queue<T: Serialize>(&mut self, value: &T) -> Result<(), MessageError> {
        message::frame(value, &mut self.outbox)
    }

    /// Writes what is queued; waits up to `timeout` for room in the pipe,
    /// showing `waiting` meanwhile.
    pub fn flush(&mut self, timeout: Duration, waiting: Option<(&AtomicU32, u32)>) -> Sent {
        let mut waited = false;
        while self.written < self.outbox.len() {
            match rustix::io::write(&self.fd, &self.outbox[self.written..]) {
                Ok(n) => self.written += n,
                Err(Errno::AGAIN) if !waited => {
                    if let Some((w, code)) = waiting {
                        w.store(code, Ordering::Relaxed);
                    }
                    let ready = wait_for(&self.fd, PollFlags::OUT, timeout);
                    if let Some((w, _)) = waiting {
                        w.store(0, Ordering::Relaxed);
                    }
                    waited = true;
                    if !ready {
                        return Sent::Idle;
                    }
                }
                Err(Errno::AGAIN) => return Sent::Idle,
                Err(Errno::INTR) => {}
                Err(_) => return Sent::Broken,
            }
        }
        self.outbox.clear();
        self.written = 0;
        Sent::Done
    }

    /// `conn.send(value)`: queues and writes it.
    pub fn send<T: Serialize>(
        &mut self,
        value: &T,
        timeout: Duration,
        waiting: Option<(&AtomicU32, u32)>,
    ) -> Sent {
        if self.queue(value).is_err() {
            return Sent::Broken;
        }
        self.flush(timeout, waiting)
    }

    /// `conn.recv()`: the next message, waiting up to `timeout` for one.
    pub fn recv<T: DeserializeOwned>(
        &mut self,
        timeout: Duration,
        waiting: Option<(&AtomicU32, u32)>,
    ) -> Recv<T> {
        let mut waited = false;
        loop {
            if let Some((value, used)) =
                message::unframe::<T>(&self.inbox[self.read_at..self.filled])
            {
                self.read_at += used;
                return match value {
                    Ok(v) => Recv::Msg(v),
                    Err(e) => Recv::Corrupt(e),
                };
            }
            // Keep the unread tail at the front, and room after it.
            if self.read_at > 0 {
                self.inbox.copy_within(self.read_at..self.filled, 0);
                self.filled -= self.read_at;
                self.read_at = 0;
            }
            if self.filled == self.inbox.len() {
                // A frame longer than the buffer cannot be a proclab frame.
                self.filled = 0;
                return Recv::Corrupt(MessageError::TooLarge {
                    size: self.inbox.len(),
                    max: self.inbox.len(),
                });
            }
            match rustix::io::read(&self.fd, &mut self.inbox[self.filled..]) {
                Ok(0) => return Recv::Eof,
                Ok(n) => self.filled += n,
                Err(Errno::AGAIN) if !waited => {
                    if let Some((w, code)) = waiting {
                        w.store(code, Ordering::Relaxed);
                    }
                    let ready = wait_for(&self.fd, PollFlags::IN, timeout);
                    if let Some((w, _)) = waiting {
                        w.store(0, Ordering::Relaxed);
                    }
                    waited = true;
                    if !ready {
                        return Recv::Idle;
                    }
                }
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => return Recv::Idle,
                // ECONNRESET and the like: the other end is gone.
                Err(_) => return Recv::Eof,
            }
        }
    }

    /// Bytes written by the other end and not yet taken by this one: what
    /// waits in the pipe, plus what this end has read ahead.
    pub fn backlog_bytes(&self) -> usize {
        let in_kernel = rustix::io::ioctl_fionread(&self.fd).unwrap_or(0) as usize;
        in_kernel + self.filled - self.read_at
    }
}
