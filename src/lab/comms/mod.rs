//! What the queue, pipe and pipeline labs share on the engine side: the
//! messages they carry ([`message`]), the bounded queue in shared memory
//! ([`ring`]), one end of a pipe ([`conn`]), the beat workers keep
//! ([`pace`]) and the codes of what a worker waits on ([`wait`]).

pub mod conn;
pub mod message;
pub mod pace;
pub mod ring;

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
