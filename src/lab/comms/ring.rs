//! A bounded multi-producer, multi-consumer queue of encoded messages that
//! lives in the shared region: `multiprocessing.JoinableQueue(maxsize)`
//! without the pipe and the feeder thread.
//!
//! Layout, in 64-byte blocks of one section: a header (the lock, two wake-up
//! words, the counters and a journal), one [`Record`] per worker slot (what
//! that worker holds), then the cells, one message each. `head` and `tail`
//! count messages got and put since the start; the depth is their difference.
//!
//! Every change is made under one robust process-shared mutex. Before a
//! field changes, its old value goes into the journal; the change is
//! committed by emptying the journal. A process killed halfway through a
//! change leaves the journal full, and the next process to take the lock
//! (told by `EOWNERDEAD`) rolls the change back, counts a repair, and goes
//! on: a killed holder neither hangs the queue nor leaves it half-changed.
//!
//! A consumer holds the messages it got until it calls `task_done` for
//! them; its [`Record`] counts them and sums their hashes, so if it dies
//! holding some, proclab counts exactly those as lost ([`Ring::fold`]).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::lab::locks::{LockError, Locked, MutexGuard, RobustMutex, WakeWord};
use crate::lab::shm::Shared;

/// Bytes of one cell.
pub const CELL_BYTES: usize = 64;
/// The largest encoded message a cell holds.
pub const MESSAGE_MAX: usize = CELL_BYTES - 16;
/// Most fields one change may touch.
const JOURNAL_MAX: usize = 8;
/// Marks a cell header as written by a producer ("Q1").
const CELL_MAGIC: u64 = 0x5131;

/// The unit a ring's section is made of.
#[repr(C, align(64))]
#[derive(Default)]
pub struct Block([AtomicU64; 8]);

// Safety: plain atomics, valid all-zero.
unsafe impl Shared for Block {}

#[repr(C)]
struct Header {
    lock: RobustMutex,
    not_full: WakeWord,
    not_empty: WakeWord,
    capacity: AtomicU64,
    /// Messages got since the start.
    head: AtomicU64,
    /// Messages put since the start.
    tail: AtomicU64,
    /// `task_done` calls since the start.
    done: AtomicU64,
    /// Wrapping sums of message hashes: an audit that every message put is
    /// done, lost, held or still queued, each exactly once.
    put_sum: AtomicU64,
    done_sum: AtomicU64,
    lost: AtomicU64,
    lost_sum: AtomicU64,
    /// Messages that failed to decode (counted as done: skipped).
    corrupt: AtomicU64,
    /// Times a holder died with the lock and the next one repaired it.
    repaired: AtomicU64,
    /// Nanoseconds spent queued, summed over messages got, and how many.
    queued_ns: AtomicU64,
    queued_count: AtomicU64,
    journal_len: AtomicU64,
    journal: [[AtomicU64; 2]; JOURNAL_MAX],
}

// Safety: repr(C), valid all-zero, changed only through atomics and the
// process-shared primitives.
unsafe impl Shared for Header {}

/// What one worker holds: messages got and not yet done.
#[repr(C)]
pub struct Record {
    held: AtomicU64,
    held_sum: AtomicU64,
}

#[repr(C)]
struct Cell {
    /// `len | tag << 8 | CELL_MAGIC << 16`.
    head: AtomicU64,
    hash: AtomicU64,
    body: [AtomicU64; MESSAGE_MAX / 8],
}

const _: () = assert!(size_of::<Cell>() == CELL_BYTES);

/// A message as bytes, ready for a cell or just out of one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Raw {
    /// The role's kind of message; a [`Tag::STOP`] cell ends a batch.
    pub tag: u8,
    pub len: u8,
    /// The message's identity, for the audit (see [`Totals::balanced`]).
    pub hash: u64,
    pub bytes: [u8; MESSAGE_MAX],
}

impl std::fmt::Debug for Raw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Raw")
            .field("tag", &self.tag)
            .field("len", &self.len)
            .field("hash", &self.hash)
            .finish()
    }
}

impl Raw {
    pub fn body(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len).min(MESSAGE_MAX)]
    }
}

/// Tags a role gives its messages.
pub struct Tag;

impl Tag {
    pub const ITEM: u8 = 1;
    /// A sentinel: a consumer that gets one stops, so a batch ends there.
    pub const STOP: u8 = 2;
}

/// `task_done` calls made but not yet published; published by the next
/// change the consumer makes (or by [`Ring::task_done`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub count: u64,
    pub sum: u64,
}

impl Done {
    pub fn add(&mut self, hash: u64) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(hash);
    }
}

/// The counters, read together.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub capacity: u64,
    pub head: u64,
    pub tail: u64,
    pub done: u64,
    pub lost: u64,
    pub corrupt: u64,
    pub repaired: u64,
    pub queued_ns: u64,
    pub queued_count: u64,
    /// Wrapping sums of the identities of messages put, done, lost, held
    /// by live consumers, and queued (see [`Totals::balanced`]).
    pub put_sum: u64,
    pub done_sum: u64,
    pub lost_sum: u64,
    pub held: u64,
    pub held_sum: u64,
    pub queued_sum: u64,
    /// Read under the lock, so the figures agree with each other.
    pub consistent: bool,
}

impl Totals {
    /// Messages in the queue now: `q.qsize()`.
    pub fn depth(&self) -> u64 {
        self.tail.saturating_sub(self.head)
    }

    /// Put and not yet done: JoinableQueue's unfinished count.
    pub fn unfinished(&self) -> u64 {
        self.tail.saturating_sub(self.done)
    }

    /// The audit: every message put is done, lost, held or queued, once.
    /// Only meaningful when read consistently.
    pub fn balanced(&self) -> bool {
        let counted = self.done + self.lost + self.held + self.depth();
        let summed = self
            .done_sum
            .wrapping_add(self.lost_sum)
            .wrapping_add(self.held_sum)
            .wrapping_add(self.queued_sum);
        counted == self.tail && summed == self.put_sum
    }
}

/// Errors of the queue.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RingError {
    #[error("the queue's lock failed: {0}")]
    Lock(#[from] LockError),
    #[error("a queue capacity of {asked} is out of range: it must be 1 to {max}")]
    Capacity { asked: u64, max: u64 },
    #[error("the queue's lock is busy")]
    Busy,
}

/// A view of a ring in a section.
#[derive(Clone, Copy)]
pub struct Ring<'a> {
    header: &'a Header,
    records: &'a [Record],
    cells: &'a [Cell],
    /// Bytes from the header to the end of the last cell.
    extent: usize,
}

const fn blocks_for(bytes: usize) -> usize {
    bytes.div_ceil(size_of::<Block>())
}

/// The waiting word a blocking call sets while it sleeps, and to what.
pub type Waiting<'w> = Option<(&'w AtomicU32, u32)>;

fn set_waiting(w: Waiting<'_>, on: bool) {
    if let Some((word, code)) = w {
        word.store(if on { code } else { 0 }, Ordering::Relaxed);
    }
}

impl<'a> Ring<'a> {
    /// Blocks a ring with `records` worker records and `cells` cells takes.
    pub const fn blocks(records: usize, cells: usize) -> usize {
        blocks_for(size_of::<Header>())
            + blocks_for(records * size_of::<Record>())
            + blocks_for(cells * size_of::<Cell>())
    }

    /// The ring laid out in `blocks`, with `records` worker records.
    pub fn new(blocks: &'a [Block], records: usize) -> Ring<'a> {
        let hb = blocks_for(size_of::<Header>());
        let rb = blocks_for(records * size_of::<Record>());
        assert!(
            blocks.len() > hb + rb,
            "a ring section holds at least one cell"
        );
        let cells = (blocks.len() - hb - rb) * size_of::<Block>() / size_of::<Cell>();
        let base = blocks.as_ptr().cast::<u8>();
        // Safety: the three parts are disjoint, in bounds, 64-byte aligned,
        // and each type is repr(C), valid all-zero and changed only through
        // atomics or process-shared primitives.
        unsafe {
            Ring {
                header: &*base.cast::<Header>(),
                records: std::slice::from_raw_parts(
                    base.add(hb * size_of::<Block>()).cast::<Record>(),
                    records,
                ),
                cells: std::slice::from_raw_parts(
                    base.add((hb + rb) * size_of::<Block>()).cast::<Cell>(),
                    cells,
                ),
                extent: size_of_val(blocks),
            }
        }
    }

    /// The most cells this ring can use.
    pub fn max_capacity(&self) -> u64 {
        self.cells.len() as u64
    }

    /// Initialises the lock and sets the capacity. Call once, before any
    /// other process uses the ring.
    pub fn init(&self, capacity: u64) -> Result<(), RingError> {
        self.check_capacity(capacity)?;
        self.header.lock.init()?;
        self.header.capacity.store(capacity, Ordering::Relaxed);
        Ok(())
    }

    fn check_capacity(&self, capacity: u64) -> Result<(), RingError> {
        if capacity == 0 || capacity > self.max_capacity() {
            return Err(RingError::Capacity {
                asked: capacity,
                max: self.max_capacity(),
            });
        }
        Ok(())
    }

    /// Empties the ring and zeroes every counter, with a new capacity.
    /// Only while no worker uses it.
    pub fn reset(&self, capacity: u64) -> Result<(), RingError> {
        self.check_capacity(capacity)?;
        let _g = self.lock()?;
        let h = self.header;
        for f in [
            &h.head,
            &h.tail,
            &h.done,
            &h.put_sum,
            &h.done_sum,
            &h.lost,
            &h.lost_sum,
            &h.corrupt,
            &h.repaired,
            &h.queued_ns,
            &h.queued_count,
        ] {
            f.store(0, Ordering::Relaxed);
        }
        for r in self.records {
            r.held.store(0, Ordering::Relaxed);
            r.held_sum.store(0, Ordering::Relaxed);
        }
        h.capacity.store(capacity, Ordering::Relaxed);
        Ok(())
    }

    /// Repairs after a holder that died: undoes its half-made change.
    fn repair(&self, locked: Locked<'a>) -> MutexGuard<'a> {
        let abandoned = locked.was_abandoned();
        let guard = locked.guard();
        if abandoned || self.header.journal_len.load(Ordering::SeqCst) != 0 {
            self.rollback();
            if abandoned {
                self.header.repaired.fetch_add(1, Ordering::Relaxed);
                guard.make_consistent();
            }
        }
        guard
    }

    /// Takes the lock, waiting as long as it takes.
    fn lock(&self) -> Result<MutexGuard<'a>, RingError> {
        Ok(self.repair(self.header.lock.lock()?))
    }

    /// Takes the lock; if it is busy, shows `waiting` while it waits.
    fn lock_showing(&self, waiting: Waiting<'_>) -> Result<MutexGuard<'a>, RingError> {
        if let Some(l) = self.header.lock.try_lock()? {
            return Ok(self.repair(l));
        }
        set_waiting(waiting, true);
        let l = self.header.lock.lock();
        set_waiting(waiting, false);
        Ok(self.repair(l?))
    }

    /// Takes the lock if it comes within `timeout` (for proclab's own
    /// thread, which must never hang on a paused holder).
    fn lock_within(&self, timeout: Duration) -> Result<MutexGuard<'a>, RingError> {
        match self.header.lock.lock_timeout(timeout)? {
            Some(l) => Ok(self.repair(l)),
            None => Err(RingError::Busy),
        }
    }

    fn offset_of(&self, field: &AtomicU64) -> u64 {
        (field as *const AtomicU64 as usize - self.header as *const Header as usize) as u64
    }

    /// Sets a field under the lock, journaling its old value first.
    fn set(&self, field: &AtomicU64, value: u64) {
        let h = self.header;
        let n = h.journal_len.load(Ordering::SeqCst) as usize;
        assert!(
            n < JOURNAL_MAX,
            "a change touches at most {JOURNAL_MAX} fields"
        );
        h.journal[n][0].store(self.offset_of(field), Ordering::SeqCst);
        h.journal[n][1].store(field.load(Ordering::SeqCst), Ordering::SeqCst);
        h.journal_len.store(n as u64 + 1, Ordering::SeqCst);
        field.store(value, Ordering::SeqCst);
    }

    fn add(&self, field: &AtomicU64, n: u64) {
        self.set(field, field.load(Ordering::Relaxed).wrapping_add(n));
    }

    fn commit(&self) {
        self.header.journal_len.store(0, Ordering::SeqCst);
    }

    fn rollback(&self) {
        let h = self.header;
        let n = (h.journal_len.load(Ordering::SeqCst) as usize).min(JOURNAL_MAX);
        for entry in h.journal[..n].iter().rev() {
            let off = entry[0].load(Ordering::SeqCst) as usize;
            // A journal scribbled over must not make us write elsewhere.
            if !off.is_multiple_of(8) || off + 8 > self.extent {
                continue;
            }
            // Safety: in bounds and aligned (checked); every 8-byte word of
            // the ring is an AtomicU64 or part of the lock, and the journal
            // only ever names counter fields.
            let field = unsafe {
                &*(self.header as *const Header)
                    .cast::<u8>()
                    .add(off)
                    .cast::<AtomicU64>()
            };
            field.store(entry[1].load(Ordering::SeqCst), Ordering::SeqCst);
        }
        h.journal_len.store(0, Ordering::SeqCst);
    }

    fn capacity(&self) -> u64 {
        self.header
            .capacity
            .load(Ordering::Relaxed)
            .clamp(1, self.max_capacity())
    }

    fn cell(&self, index: u64) -> &Cell {
        &self.cells[(index % self.capacity()) as usize]
    }

    fn write_cell(&self, index: u64, m: &Raw) {
        let c = self.cell(index);
        let mut words = [0u64; MESSAGE_MAX / 8];
        for (w, chunk) in words.iter_mut().zip(m.bytes.chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        }
        for (cell_word, w) in c.body.iter().zip(words) {
            cell_word.store(w, Ordering::Relaxed);
        }
        c.hash.store(m.hash, Ordering::Relaxed);
        c.head.store(
            u64::from(m.len) | u64::from(m.tag) << 8 | CELL_MAGIC << 16,
            Ordering::Relaxed,
        );
    }

    fn read_cell(&self, index: u64) -> Raw {
        let c = self.cell(index);
        let head = c.head.load(Ordering::Relaxed);
        let mut bytes = [0u8; MESSAGE_MAX];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip(&c.body) {
            chunk.copy_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        // A cell whose header is not a producer's reads as an empty message
        // of tag 0, which no role accepts: it is counted as corrupt.
        let ok = head >> 16 == CELL_MAGIC && (head & 0xff) as usize <= MESSAGE_MAX;
        Raw {
            tag: if ok { (head >> 8) as u8 } else { 0 },
            len: if ok { head as u8 } else { 0 },
            hash: c.hash.load(Ordering::Relaxed),
            bytes,
        }
    }

    /// `q.put(...)` for each message, in order: puts as many as there is
    /// room for (at least one), waiting up to `timeout` for room; returns
    /// how many were put (0 if the queue stayed full). While it waits,
    /// `waiting` is set.
    pub fn put(
        &self,
        msgs: &[Raw],
        timeout: Duration,
        waiting: Waiting<'_>,
    ) -> Result<usize, RingError> {
        if msgs.is_empty() {
            return Ok(0);
        }
        let deadline = Instant::now() + timeout;
        let mut g = self.lock_showing(waiting)?;
        loop {
            let h = self.header;
            let tail = h.tail.load(Ordering::Relaxed);
            let room =
                self.capacity() - (tail - h.head.load(Ordering::Relaxed)).min(self.capacity());
            if room > 0 {
                let n = (room as usize).min(msgs.len());
                let mut sum = 0u64;
                // Cells past the tail are nobody's: writing them changes
                // nothing until the tail moves.
                for (i, m) in msgs[..n].iter().enumerate() {
                    self.write_cell(tail + i as u64, m);
                    sum = sum.wrapping_add(m.hash);
                }
                self.add(&h.put_sum, sum);
                self.set(&h.tail, tail + n as u64);
                self.commit();
                drop(g);
                h.not_empty.notify();
                return Ok(n);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(0);
            }
            set_waiting(waiting, true);
            let woken = h.not_full.wait(g, left);
            set_waiting(waiting, false);
            g = self.repair(woken?);
        }
    }

    /// Puts one message if there is room now, never waiting for room (it
    /// may wait a moment for the lock).
    pub fn try_put(&self, msg: &Raw, lock_timeout: Duration) -> Result<bool, RingError> {
        let g = self.lock_within(lock_timeout)?;
        let h = self.header;
        let tail = h.tail.load(Ordering::Relaxed);
        if tail - h.head.load(Ordering::Relaxed) >= self.capacity() {
            return Ok(false);
        }
        self.write_cell(tail, msg);
        self.add(&h.put_sum, msg.hash);
        self.set(&h.tail, tail + 1);
        self.commit();
        drop(g);
        h.not_empty.notify();
        Ok(true)
    }

    /// Publishes `done` for the worker of record `record` (under the lock
    /// already held).
    fn publish(&self, record: usize, done: &mut Done) {
        if done.count == 0 {
            return;
        }
        let h = self.header;
        let r = &self.records[record];
        self.set(
            &r.held,
            r.held.load(Ordering::Relaxed).saturating_sub(done.count),
        );
        self.set(
            &r.held_sum,
            r.held_sum.load(Ordering::Relaxed).wrapping_sub(done.sum),
        );
        self.add(&h.done, done.count);
        self.add(&h.done_sum, done.sum);
        *done = Done::default();
    }

    /// Publishes `task_done` calls: `q.task_done()` for each.
    pub fn task_done(&self, record: usize, done: &mut Done) -> Result<(), RingError> {
        if done.count == 0 {
            return Ok(());
        }
        let _g = self.lock()?;
        self.publish(record, done);
        self.commit();
        Ok(())
    }

    /// `q.get()`: publishes `done` first, then takes up to `max` messages
    /// (stopping after a [`Tag::STOP`] one) into `out`, waiting up to
    /// `timeout` for one to arrive. The worker of record `record` holds
    /// them until it publishes their `task_done`. Returns how many it got.
    pub fn get(
        &self,
        record: usize,
        max: usize,
        out: &mut Vec<Raw>,
        done: &mut Done,
        timeout: Duration,
        waiting: Waiting<'_>,
    ) -> Result<usize, RingError> {
        let deadline = Instant::now() + timeout;
        let mut g = self.lock_showing(waiting)?;
        let h = self.header;
        if done.count > 0 {
            self.publish(record, done);
            self.commit();
        }
        loop {
            let head = h.head.load(Ordering::Relaxed);
            let available = h.tail.load(Ordering::Relaxed).saturating_sub(head);
            if available > 0 {
                let want = (available as usize).min(max.max(1));
                let mut n = 0;
                let mut sum = 0u64;
                while n < want {
                    let m = self.read_cell(head + n as u64);
                    sum = sum.wrapping_add(m.hash);
                    out.push(m);
                    n += 1;
                    if m.tag == Tag::STOP {
                        break;
                    }
                }
                let r = &self.records[record];
                self.add(&r.held, n as u64);
                self.add(&r.held_sum, sum);
                self.set(&h.head, head + n as u64);
                self.commit();
                drop(g);
                h.not_full.notify();
                return Ok(n);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(0);
            }
            set_waiting(waiting, true);
            let woken = h.not_empty.wait(g, left);
            set_waiting(waiting, false);
            g = self.repair(woken?);
        }
    }

    /// Counts a message that would not decode: skipped, so it is also done.
    pub fn count_corrupt(&self, n: u64) {
        self.header.corrupt.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds the time messages spent queued.
    pub fn count_queued(&self, ns: u64, n: u64) {
        self.header.queued_ns.fetch_add(ns, Ordering::Relaxed);
        self.header.queued_count.fetch_add(n, Ordering::Relaxed);
    }

    /// After the worker of record `record` ended: whatever it held is lost.
    /// Returns how many messages that was. Waits at most `timeout` for the
    /// lock (a paused holder may keep it); `Busy` means try again later.
    pub fn fold(&self, record: usize, timeout: Duration) -> Result<u64, RingError> {
        let _g = self.lock_within(timeout)?;
        let h = self.header;
        let r = &self.records[record];
        let held = r.held.load(Ordering::Relaxed);
        if held > 0 {
            self.add(&h.lost, held);
            self.add(&h.lost_sum, r.held_sum.load(Ordering::Relaxed));
        }
        self.set(&r.held, 0);
        self.set(&r.held_sum, 0);
        self.commit();
        Ok(held)
    }

    /// The counters, read under the lock if it comes within `timeout`,
    /// otherwise as they are (`consistent` false).
    pub fn totals(&self, timeout: Duration) -> Totals {
        let guard = self.lock_within(timeout).ok();
        let h = self.header;
        let ld = |f: &AtomicU64| f.load(Ordering::Relaxed);
        let (mut held, mut held_sum) = (0u64, 0u64);
        for r in self.records {
            held += ld(&r.held);
            held_sum = held_sum.wrapping_add(ld(&r.held_sum));
        }
        let (head, tail) = (ld(&h.head), ld(&h.tail));
        let mut queued_sum = 0u64;
        if guard.is_some() {
            for i in head..tail.min(head + self.capacity()) {
                queued_sum = queued_sum.wrapping_add(self.cell(i).hash.load(Ordering::Relaxed));
            }
        }
        Totals {
            capacity: self.capacity(),
            head,
            tail,
            done: ld(&h.done),
            lost: ld(&h.lost),
            corrupt: ld(&h.corrupt),
            repaired: ld(&h.repaired),
            queued_ns: ld(&h.queued_ns),
            queued_count: ld(&h.queued_count),
            put_sum: ld(&h.put_sum),
            done_sum: ld(&h.done_sum),
            lost_sum: ld(&h.lost_sum),
            held,
            held_sum,
            queued_sum,
            consistent: guard.is_some(),
        }
    }

    /// Scribbles over the body of the `nth` message now queued, as a stray
    /// write would: its consumer must count it corrupt and go on. Returns
    /// false if there is no such message.
    pub fn scribble(&self, nth: u64) -> Result<bool, RingError> {
        let _g = self.lock()?;
        let h = self.header;
        let head = h.head.load(Ordering::Relaxed);
        if head + nth >= h.tail.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let c = self.cell(head + nth);
        for w in &c.body {
            w.store(!w.load(Ordering::Relaxed) ^ 0x5a5a_5a5a, Ordering::Relaxed);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests;
