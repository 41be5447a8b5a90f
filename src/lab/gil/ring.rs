//! The record of every GIL hand-over and thread state change, in the shared
//! region: a ring that the interpreter's threads write and proclab reads,
//! without either ever waiting for the other.
//!
//! Each record has a sequence number that is never reused (the write count
//! never goes back, not even for a new interpreter), so a reader can tell a
//! record it wants from one not written yet or already overwritten. Records
//! are written and checked like a seqlock: the sequence is cleared before the
//! fields change and set after, and a reader keeps a record only if it saw
//! the same sequence before and after reading the fields.
//!
//! Under the GIL, records are written while the GIL's mutex is held, so
//! their order is the order in which the lock changed hands.

use std::sync::atomic::{AtomicU64, Ordering, fence};

use crate::lab::clock;

/// Records the ring holds before the oldest is overwritten.
pub const RING_LEN: usize = 1 << 14;

/// What happened to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// It wants the GIL and found it held: it waits (`take_gil`).
    Wait,
    /// It took the GIL. `other` is the previous holder (`last_holder`), 0 if none.
    Take,
    /// It dropped the GIL because another thread asked (a forced switch).
    DropForced,
    /// It dropped the GIL around a blocking call (`Py_BEGIN_ALLOW_THREADS`).
    DropIo,
    /// It dropped the GIL for good: its work is done.
    DropDone,
    /// Without a GIL: it runs Python code.
    Run,
    /// Without a GIL: it is in a blocking call.
    Io,
    /// Without a GIL: its work is done.
    Done,
}

impl EventKind {
    fn code(self) -> u64 {
        match self {
            EventKind::Wait => 1,
            EventKind::Take => 2,
            EventKind::DropForced => 3,
            EventKind::DropIo => 4,
            EventKind::DropDone => 5,
            EventKind::Run => 6,
            EventKind::Io => 7,
            EventKind::Done => 8,
        }
    }

    fn from_code(code: u64) -> Option<EventKind> {
        Some(match code {
            1 => EventKind::Wait,
            2 => EventKind::Take,
            3 => EventKind::DropForced,
            4 => EventKind::DropIo,
            5 => EventKind::DropDone,
            6 => EventKind::Run,
            7 => EventKind::Io,
            8 => EventKind::Done,
            _ => return None,
        })
    }

    /// A record of the GIL changing hands or being released.
    pub fn is_drop(self) -> bool {
        matches!(
            self,
            EventKind::DropForced | EventKind::DropIo | EventKind::DropDone
        )
    }
}

/// One record, as read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Its place in the ring's history, from 0, never reused.
    pub seq: u64,
    /// Monotonic nanoseconds (comparable across processes).
    pub at_ns: u64,
    /// The thread it is about, numbered from 1 in its interpreter.
    pub thread: u16,
    pub kind: EventKind,
    /// For [`EventKind::Take`]: the previous holder (0 if none).
    pub other: u16,
}

impl Record {
    /// A hand-over: the GIL went from one thread to another.
    pub fn is_handover(&self) -> bool {
        self.kind == EventKind::Take && self.other != self.thread
    }
}

#[repr(C)]
struct Slot {
    seq: AtomicU64,
    at_ns: AtomicU64,
    word: AtomicU64,
    _pad: AtomicU64,
}

/// The ring itself, in the shared region.
#[repr(C)]
pub struct Ring {
    /// Records ever written (the next record's sequence number).
    head: AtomicU64,
    _pad: [AtomicU64; 7],
    slots: [Slot; RING_LEN],
}

/// What one read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    pub records: Vec<Record>,
    /// Where the next read should start.
    pub next: u64,
    /// Records lost because the reader fell more than the ring behind.
    pub lost: u64,
}

const WRITING: u64 = u64::MAX;

impl Ring {
    /// The sequence number the next record will get.
    pub fn head(&self) -> u64 {
        self.head.load(Ordering::Acquire)
    }

    /// Appends a record stamped now; returns its sequence number.
    pub fn push(&self, thread: u16, kind: EventKind, other: u16) -> u64 {
        self.push_at(clock::now_ns(), thread, kind, other)
    }

    pub fn push_at(&self, at_ns: u64, thread: u16, kind: EventKind, other: u16) -> u64 {
        let seq = self.head.fetch_add(1, Ordering::AcqRel);
        let slot = &self.slots[(seq % RING_LEN as u64) as usize];
        slot.seq.store(WRITING, Ordering::Relaxed);
        fence(Ordering::Release);
        slot.at_ns.store(at_ns, Ordering::Relaxed);
        slot.word.store(
            kind.code() | u64::from(thread) << 8 | u64::from(other) << 24,
            Ordering::Relaxed,
        );
        slot.seq.store(seq + 1, Ordering::Release);
        seq
    }

    /// Reads records from sequence number `since` on, as many as are there.
    ///
    /// Stops at the first record not written yet; skips (and counts) records
    /// already overwritten.
    pub fn read(&self, since: u64) -> Read {
        let head = self.head();
        let oldest = head.saturating_sub(RING_LEN as u64);
        let start = since.max(oldest);
        let mut out = Read {
            records: Vec::with_capacity((head.saturating_sub(start)) as usize),
            next: start,
            lost: start - since.min(start),
        };
        for seq in start..head {
            let slot = &self.slots[(seq % RING_LEN as u64) as usize];
            let before = slot.seq.load(Ordering::Acquire);
            let at_ns = slot.at_ns.load(Ordering::Relaxed);
            let word = slot.word.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            let after = slot.seq.load(Ordering::Relaxed);
            if before != seq + 1 || after != before {
                let lapped =
                    before != WRITING && before > seq + 1 || self.head() > seq + RING_LEN as u64;
                if !lapped {
                    // Not written yet, or being written: read it next time.
                    break;
                }
                out.lost += 1;
                out.next = seq + 1;
                continue;
            }
            if let Some(kind) = EventKind::from_code(word & 0xff) {
                out.records.push(Record {
                    seq,
                    at_ns,
                    thread: ((word >> 8) & 0xffff) as u16,
                    kind,
                    other: ((word >> 24) & 0xffff) as u16,
                });
            }
            out.next = seq + 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> &'static Ring {
        // Safety: a Ring is valid all-zero (atomics only).
        Box::leak(unsafe { Box::<Ring>::new_zeroed().assume_init() })
    }

    #[test]
    fn records_read_back_in_order() {
        let r = ring();
        r.push_at(10, 1, EventKind::Take, 0);
        r.push_at(20, 1, EventKind::DropForced, 0);
        r.push_at(21, 2, EventKind::Take, 1);
        let read = r.read(0);
        assert_eq!(read.next, 3);
        assert_eq!(read.lost, 0);
        assert_eq!(read.records.len(), 3);
        assert!(read.records[2].is_handover());
        assert_eq!(read.records[2].other, 1);
        assert!(!read.records[0].is_handover() || read.records[0].other != 1);
        assert_eq!(r.read(3).records, vec![]);
        assert_eq!(r.read(2).records[0].at_ns, 21);
    }

    #[test]
    fn a_reader_that_falls_behind_counts_what_it_lost() {
        let r = ring();
        for i in 0..RING_LEN as u64 + 5 {
            r.push_at(i, 1, EventKind::Run, 0);
        }
        let read = r.read(0);
        assert_eq!(read.lost, 5);
        assert_eq!(read.records.len(), RING_LEN);
        assert_eq!(read.records[0].seq, 5);
        assert_eq!(read.next, RING_LEN as u64 + 5);
    }

    #[test]
    fn many_writers_lose_nothing() {
        let r = ring();
        std::thread::scope(|s| {
            for t in 1..=4u16 {
                s.spawn(move || {
                    for _ in 0..1000 {
                        r.push(t, EventKind::Run, 0);
                    }
                });
            }
        });
        let read = r.read(0);
        assert_eq!(read.records.len(), 4000);
        for t in 1..=4u16 {
            assert_eq!(read.records.iter().filter(|x| x.thread == t).count(), 1000);
        }
    }
}
