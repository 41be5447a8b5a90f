//! What the queue, pipe and pipeline labs share on the engine side: the
//! messages they carry ([`message`]), the bounded queue in shared memory
//! ([`ring`]), one end of a pipe ([`conn`]) and who holds it
//! ([`holders`]), whether unused ends are closed ([`Ends`]), the beat
//! workers keep ([`pace`]) and the codes of what a worker waits on
//! ([`wait`]).

pub mod conn;
pub mod holders;
pub mod message;
pub mod pace;
pub mod ring;

/// Whether the processes of a pipe close the ends they do not use. Under
/// fork every child of the parent that made the pipe holds both ends, and
/// an end meets `EOFError` (its writer `BrokenPipeError`) only once every
/// copy of the other end is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Ends {
    /// The course's idiom: the parent closes both ends after `start()`,
    /// each process the end it does not use, first thing.
    #[default]
    Closed,
    /// The classic bug: nobody closes an end, so one whose other side
    /// dies waits for ever.
    Open,
}

impl Ends {
    pub fn name(self) -> &'static str {
        match self {
            Ends::Closed => "closed",
            Ends::Open => "open",
        }
    }

    pub fn toggled(self) -> Ends {
        match self {
            Ends::Closed => Ends::Open,
            Ends::Open => Ends::Closed,
        }
    }

    fn to_u32(self) -> u32 {
        match self {
            Ends::Closed => 0,
            Ends::Open => 1,
        }
    }

    fn from_u32(v: u32) -> Ends {
        if v == 1 { Ends::Open } else { Ends::Closed }
    }
}

/// The [`Ends`] of the pipe a worker was handed, in a section of the
/// shared region, set before the workers start.
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct EndsCell(std::sync::atomic::AtomicU32);

impl EndsCell {
    pub fn get(&self) -> Ends {
        Ends::from_u32(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }

    pub fn set(&self, ends: Ends) {
        self.0
            .store(ends.to_u32(), std::sync::atomic::Ordering::Relaxed);
    }
}

/// Takes the ends of a pipe a worker was handed and does not use, at
/// `fds`: with the ends closed it closes them first thing, as the course's
/// `w.close()` in the receiver; left open it keeps them for its life, as a
/// forked child that closes nothing does.
pub fn unused_ends(ends: Ends, fds: &[i32]) -> Vec<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // Safety: proclab handed the worker these descriptors, and nothing
    // else in it takes them.
    let held: Vec<std::os::fd::OwnedFd> = fds
        .iter()
        .map(|&fd| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
        .collect();
    match ends {
        Ends::Closed => Vec::new(),
        Ends::Open => held,
    }
}

/// What a worker waits on, as written to its slot's `wait` field.
pub mod wait {
    /// `q.put()` blocked: the queue is full.
    pub const PUT: u32 = 1;
    /// `q.get()` blocked: the queue is empty.
    pub const GET: u32 = 2;
    /// Waiting for the queue's lock (its holder is paused, say).
    pub const LOCK: u32 = 3;
    /// Working on an item it got.
    pub const WORK: u32 = 4;
    /// `conn.send()` blocked: the pipe is full.
    pub const SEND: u32 = 5;
    /// `conn.recv()` blocked: nothing to read.
    pub const RECV: u32 = 6;
    /// Sleeping until the next item is due.
    pub const PACE: u32 = 7;
}

/// The next rate up (`faster`) or down from `rate` in a list of rates
/// where 0, "as fast as it can", comes last. A rate between two steps
/// (from a flag) goes to the nearer one in that direction.
pub fn step_rate(rates: &[u32], rate: u32, faster: bool) -> u32 {
    let key = |r: u32| if r == 0 { u32::MAX } else { r };
    if faster {
        rates
            .iter()
            .copied()
            .find(|&r| key(r) > key(rate))
            .unwrap_or(0)
    } else {
        rates
            .iter()
            .rev()
            .copied()
            .find(|&r| key(r) < key(rate))
            .unwrap_or(rates[0])
    }
}
