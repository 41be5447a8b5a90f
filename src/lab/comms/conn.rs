//! One end of a pipe as a worker uses it: `multiprocessing.Connection`'s
//! `send` and `recv` over a real OS pipe or socket pair, with messages
//! framed as a length and then postcard bytes.
//!
//! The fd is made non-blocking so that a worker blocked in `recv` or `send`
//! still wakes every so often to beat its heart and read proclab's
//! requests; to the worker's code the calls block, as Python's do.
//!
//! A `recv` whose last message came quickly (the other end answering flat
//! out) keeps reading for a few microseconds before it sleeps: waking a
//! sleeping process on another core costs tens of microseconds here, more
//! than a whole round trip between two awake ones. A `recv` that waited
//! long last time, as a paced or idle end does, sleeps at once, so an end
//! that is not flat out never holds a core; and when most spins end asleep
//! anyway (the machine is busy, and the other end waits for a core), the
//! end stops spinning for a while, as the spinning would only take time
//! from the other end.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::message::{self, MessageError};

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

/// How long `recv` keeps reading before it sleeps, when the last message
/// came quickly.
const SPIN: Duration = Duration::from_micros(20);

/// A wait for a message no longer than this was quick: the other end is
/// answering flat out, and the next message is worth waiting awake for.
const QUICK: Duration = Duration::from_micros(100);

/// Spins judged together: if more than [`SPINS_MAY_FAIL`] of them end
/// asleep anyway, the other end is not getting a core of its own (the
/// machine is busy) and waiting awake only takes time from it, so the next
/// [`REST`] waits sleep at once.
const SPINS_JUDGED: u8 = 32;
const SPINS_MAY_FAIL: u8 = 8;
const REST: u16 = 4096;

/// Whether waiting awake is paying off, judged over the last spins.
#[derive(Debug, Default)]
struct Spinning {
    /// How long the last message that had to be waited for took to come.
    last_wait: Duration,
    tried: u8,
    failed: u8,
    /// Waits left before spinning is tried again.
    rest: u16,
}

impl Spinning {
    /// Whether this wait may spin; counts a rest if it may not.
    fn may_spin(&mut self) -> bool {
        if self.rest > 0 {
            self.rest -= 1;
            return false;
        }
        self.last_wait <= QUICK
    }

    /// A spin ended: with the message, or asleep.
    fn spun(&mut self, paid: bool) {
        self.tried += 1;
        self.failed += u8::from(!paid);
        if self.tried == SPINS_JUDGED {
            if self.failed > SPINS_MAY_FAIL {
                self.rest = REST;
            }
            self.tried = 0;
            self.failed = 0;
        }
    }
}

pub struct Conn {
    fd: OwnedFd,
    inbox: Box<[u8]>,
    read_at: usize,
    filled: usize,
    outbox: Vec<u8>,
    written: usize,
    spinning: Spinning,
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
            spinning: Spinning::default(),
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
        let mut since: Option<Instant> = None;
        let mut spin = false;
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
                Ok(n) => {
                    self.filled += n;
                    if let Some(t) = since {
                        self.spinning.last_wait = t.elapsed();
                        if spin && !waited {
                            self.spinning.spun(true);
                        }
                    }
                }
                Err(Errno::AGAIN) if !waited => {
                    let started = match since {
                        Some(t) => t,
                        None => {
                            spin = self.spinning.may_spin();
                            *since.insert(Instant::now())
                        }
                    };
                    if spin && started.elapsed() < SPIN {
                        std::hint::spin_loop();
                        continue;
                    }
                    if spin {
                        self.spinning.spun(false);
                    }
                    if let Some((w, code)) = waiting {
                        w.store(code, Ordering::Relaxed);
                    }
                    let ready = wait_for(&self.fd, PollFlags::IN, timeout);
                    if let Some((w, _)) = waiting {
                        w.store(0, Ordering::Relaxed);
                    }
                    waited = true;
                    if !ready {
                        self.spinning.last_wait = started.elapsed();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_end_spins_and_a_slow_one_sleeps() {
        let mut s = Spinning::default();
        assert!(s.may_spin());
        s.last_wait = Duration::from_millis(10);
        assert!(!s.may_spin(), "a paced end sleeps at once");
        s.last_wait = Duration::from_micros(30);
        assert!(s.may_spin());
    }

    #[test]
    fn spins_that_keep_paying_go_on() {
        let mut s = Spinning::default();
        for _ in 0..10 * u32::from(SPINS_JUDGED) {
            assert!(s.may_spin());
            s.spun(true);
        }
    }

    #[test]
    fn spins_that_end_asleep_rest_then_try_again() {
        let mut s = Spinning::default();
        for i in 0..SPINS_JUDGED {
            assert!(s.may_spin());
            // A few failures are forgiven; most are not.
            s.spun(i < SPINS_JUDGED / 4);
        }
        for _ in 0..REST {
            assert!(!s.may_spin(), "resting");
        }
        assert!(s.may_spin(), "tried again after the rest");
    }

    #[test]
    fn a_few_failed_spins_are_forgiven() {
        let mut s = Spinning::default();
        for i in 0..SPINS_JUDGED {
            assert!(s.may_spin());
            s.spun(i >= SPINS_MAY_FAIL);
        }
        assert!(s.may_spin());
    }
}
