//! The pipe lab's workers, each holding its end at [`WORKER_EXTRA_FD`] and
//! the other end after it, as a forked child holds both: a pinger and its
//! answerer over `Pipe()`, or a sender and its reader over
//! `Pipe(duplex=False)`. With the ends closed each closes the other end
//! first thing; left open it keeps it. Each catches `EOFError` and
//! `BrokenPipeError`, reports which it met, and returns.

use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{EndState, PipeSection, Wire, section};
use crate::lab::WORKER_EXTRA_FD;
use crate::lab::clock;
use crate::lab::comms::conn::{Conn, Recv, Sent};
use crate::lab::comms::pace::{Beat, STEP, pace};
use crate::lab::comms::{unused_ends, wait};
use crate::lab::role::Role;
use crate::lab::shm::Region;
use crate::lab::slot::{Phase, Slot};
use crate::lab::worker::{WorkerArgs, between_slices};

/// Runs the end its role says.
pub fn run(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    // Safety: proclab handed this worker its end of the pipe at this fd.
    let fd = unsafe { OwnedFd::from_raw_fd(WORKER_EXTRA_FD) };
    let mut conn = match Conn::new(fd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "proclab {}: no pipe end at fd {WORKER_EXTRA_FD}: {e}",
                args.role.name()
            );
            return 2;
        }
    };
    let s = section(region);
    // `w.close()` first thing in the receiver (`r.close()` in the sender),
    // or, left open, kept until the worker ends.
    let _kept = unused_ends(s.closing.get(), &[WORKER_EXTRA_FD + 1]);
    slot.set_phase(Phase::Io);
    match args.role {
        Role::Ping => ping(args, &mut conn, s, slot),
        Role::Pong => pong(&mut conn, s, slot),
        Role::Sender => send(args, &mut conn, s, slot),
        _ => receive(&mut conn, s, slot),
    }
}

/// Waits until the next message is due at the section's rate; returns
/// false if proclab asked the worker to stop.
fn paced(s: &PipeSection, slot: &Slot, beat: &mut Beat) -> bool {
    loop {
        let rate = s.rate.load(Ordering::Relaxed);
        if rate == 0 {
            *beat = Beat::new();
            return between_slices(slot, 0.0).is_continue();
        }
        let due = beat.due(rate);
        let moved = || s.rate.load(Ordering::Relaxed) != rate;
        if pace(slot, beat.from, due, wait::PACE, moved).is_break() {
            return false;
        }
        if Instant::now() >= due {
            beat.next(rate);
            return true;
        }
    }
}

/// Sends everything queued, as long as it takes; false if the pipe broke.
fn flush_all(conn: &mut Conn, slot: &Slot) -> bool {
    loop {
        match conn.flush(STEP, Some((&slot.wait, wait::SEND))) {
            Sent::Done => return true,
            Sent::Broken => return false,
            Sent::Idle => slot.beat(),
        }
    }
}

/// `a.send(ping); a.recv()`, timed, again and again.
fn ping(args: &WorkerArgs, conn: &mut Conn, s: &PipeSection, slot: &Slot) -> i32 {
    let mut beat = Beat::new();
    let mut seq = 0u64;
    loop {
        if args.tasks.is_some_and(|n| seq >= n) {
            s.set_end(0, EndState::Finished);
            slot.set_phase(Phase::Finished);
            return 0;
        }
        if !paced(s, slot, &mut beat) {
            return 0;
        }
        let sent_ns = clock::now_ns();
        let _ = conn.queue(&Wire::Ping { seq, sent_ns });
        if !flush_all(conn, slot) {
            s.set_end(0, EndState::Broken);
            return 0;
        }
        s.sent.store(seq + 1, Ordering::Relaxed);
        loop {
            match conn.recv::<Wire>(STEP, Some((&slot.wait, wait::RECV))) {
                Recv::Msg(Wire::Ping { seq: back, .. }) if back == seq => break,
                Recv::Msg(_) | Recv::Corrupt(_) => {}
                Recv::Eof => {
                    s.set_end(0, EndState::Eof);
                    return 0;
                }
                Recv::Idle => {
                    if between_slices(slot, 0.0).is_break() {
                        return 0;
                    }
                }
            }
        }
        let now = clock::now_ns();
        s.record(now.saturating_sub(sent_ns), now);
        seq += 1;
        slot.tasks_done.store(seq, Ordering::Relaxed);
    }
}

/// `while True: b.send(b.recv())`, until `EOFError`.
fn pong(conn: &mut Conn, s: &PipeSection, slot: &Slot) -> i32 {
    let mut answered = 0u64;
    loop {
        match conn.recv::<Wire>(STEP, Some((&slot.wait, wait::RECV))) {
            Recv::Msg(m) => {
                let _ = conn.queue(&m);
                if !flush_all(conn, slot) {
                    s.set_end(1, EndState::Broken);
                    return 0;
                }
                answered += 1;
                slot.tasks_done.store(answered, Ordering::Relaxed);
            }
            Recv::Corrupt(_) => {}
            Recv::Eof => {
                s.set_end(1, EndState::Eof);
                return 0;
            }
            Recv::Idle => {
                if between_slices(slot, 0.0).is_break() {
                    return 0;
                }
            }
        }
    }
}

/// `for i in range(n): w.send(i)`, then `w.close()`.
fn send(args: &WorkerArgs, conn: &mut Conn, s: &PipeSection, slot: &Slot) -> i32 {
    let mut beat = Beat::new();
    let mut seq = 0u64;
    loop {
        let left = args.tasks.map_or(u64::MAX, |n| n.saturating_sub(seq));
        if left == 0 {
            s.set_end(0, EndState::Finished);
            slot.set_phase(Phase::Finished);
            return 0;
        }
        if !paced(s, slot, &mut beat) {
            return 0;
        }
        // Flat out, several messages go in one write while more are due:
        // each is still its own framed message, in order.
        let n = if s.rate.load(Ordering::Relaxed) == 0 {
            left.min(u64::from(s.batch.load(Ordering::Relaxed).max(1)))
        } else {
            1
        };
        let sent_ns = clock::now_ns();
        for i in 0..n {
            let _ = conn.queue(&Wire::Data {
                seq: seq + i,
                sent_ns,
            });
        }
        if !flush_all(conn, slot) {
            s.set_end(0, EndState::Broken);
            return 0;
        }
        seq += n;
        s.sent.store(seq, Ordering::Relaxed);
        slot.tasks_done.store(seq, Ordering::Relaxed);
    }
}

/// `while True: r.recv()`, until `EOFError`.
fn receive(conn: &mut Conn, s: &PipeSection, slot: &Slot) -> i32 {
    let mut got = 0u64;
    loop {
        match conn.recv::<Wire>(STEP, Some((&slot.wait, wait::RECV))) {
            Recv::Msg(Wire::Data { sent_ns, .. }) => {
                let now = clock::now_ns();
                s.record(now.saturating_sub(sent_ns), now);
                got += 1;
                slot.tasks_done.store(got, Ordering::Relaxed);
                // A stream that never pauses still beats and hears requests.
                if got.is_multiple_of(4096) && between_slices(slot, 0.0).is_break() {
                    return 0;
                }
            }
            Recv::Msg(_) | Recv::Corrupt(_) => {}
            Recv::Eof => {
                s.set_end(1, EndState::Eof);
                slot.set_phase(Phase::Finished);
                return 0;
            }
            Recv::Idle => {
                if between_slices(slot, 0.0).is_break() {
                    return 0;
                }
            }
        }
    }
}
