//! The pipeline's three stages. fetch holds the pipe's writing end and
//! process its reading end, both at [`WORKER_EXTRA_FD`], each with the
//! other end after it; save holds both ends there, using neither. With
//! the ends closed each closes what it does not use first thing. process
//! and save share the queue in the pipeline's section.

use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Fetched, PipelineSettings, StageEnd, ring, settings};
use crate::lab::WORKER_EXTRA_FD;
use crate::lab::clock;
use crate::lab::comms::conn::{Conn, Recv, Sent};
use crate::lab::comms::message::{self, Message};
use crate::lab::comms::pace::{Beat, STEP, pace};
use crate::lab::comms::ring::{Done, Raw, Ring};
use crate::lab::comms::{unused_ends, wait};
use crate::lab::role::Role;
use crate::lab::shm::Region;
use crate::lab::slot::{Phase, Slot};
use crate::lab::worker::{WorkerArgs, between_slices};

pub fn run(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    let s = settings(region);
    let ring = ring(region);
    // Save, forked after Pipe(), holds both ends: `r.close(); w.close()`
    // first thing, or, left open, both kept until it ends.
    if args.role == Role::Save {
        let _kept = unused_ends(s.closing.get(), &[WORKER_EXTRA_FD, WORKER_EXTRA_FD + 1]);
        slot.set_phase(Phase::Io);
        return save(args.slot, ring, s, slot);
    }
    // `r.close()` first thing in fetch, `w.close()` in process.
    let _kept = unused_ends(s.closing.get(), &[WORKER_EXTRA_FD + 1]);
    slot.set_phase(Phase::Io);
    // Safety: proclab handed this stage its end of the pipe at this fd.
    let fd = unsafe { OwnedFd::from_raw_fd(WORKER_EXTRA_FD) };
    let mut conn = match Conn::new(fd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("proclab {}: no pipe end: {e}", args.role.name());
            return 2;
        }
    };
    match args.role {
        Role::Fetch => fetch(args, &mut conn, s, slot),
        _ => process(&mut conn, ring, s, slot),
    }
}

/// Works on one item for the stage's time, a sleep shown as "working",
/// on a steady beat (see [`Beat`]).
fn work(s: &PipelineSettings, stage: usize, slot: &Slot, beat: &mut Beat) -> bool {
    let ms = s.stage_ms[stage].load(Ordering::Relaxed);
    if ms == 0 {
        *beat = Beat::new();
        return between_slices(slot, 0.0).is_continue();
    }
    let rate_period = Duration::from_millis(u64::from(ms));
    if Instant::now() > beat.from + rate_period {
        *beat = Beat::new();
    }
    let due = beat.from + rate_period;
    if pace(slot, beat.from, due, wait::WORK, || false).is_break() {
        return false;
    }
    beat.from = due;
    true
}

fn send(conn: &mut Conn, slot: &Slot, value: &Fetched) -> bool {
    let _ = conn.queue(value);
    loop {
        match conn.flush(STEP, Some((&slot.wait, wait::SEND))) {
            Sent::Done => return true,
            Sent::Broken => return false,
            Sent::Idle => slot.beat(),
        }
    }
}

/// `for seq in count(): item = fetch(); w.send(item)`, then `w.send(None)`.
fn fetch(args: &WorkerArgs, conn: &mut Conn, s: &PipelineSettings, slot: &Slot) -> i32 {
    let mut seq = 0u64;
    let mut beat = Beat::new();
    loop {
        let stop = s.stop.load(Ordering::Relaxed) != 0 || args.tasks.is_some_and(|n| seq >= n);
        if stop {
            if !send(conn, slot, &Fetched::Done) {
                s.ended[0].store(StageEnd::Broken.to_u32(), Ordering::Relaxed);
                return 0;
            }
            s.ended[0].store(StageEnd::Sentinel.to_u32(), Ordering::Relaxed);
            slot.set_phase(Phase::Finished);
            return 0;
        }
        if !work(s, 0, slot, &mut beat) {
            return 0;
        }
        let item = Fetched::Item {
            seq,
            fetched_ns: clock::now_ns(),
        };
        if !send(conn, slot, &item) {
            s.ended[0].store(StageEnd::Broken.to_u32(), Ordering::Relaxed);
            return 0;
        }
        seq += 1;
        slot.tasks_done.store(seq, Ordering::Relaxed);
    }
}

/// Tells how much waits in the pipe, in bytes and in items of the size
/// of the latest.
fn report_backlog(conn: &Conn, s: &PipelineSettings, last: &Fetched) {
    let bytes = conn.backlog_bytes() as u64;
    let mut frame = Vec::new();
    let per_item = match message::frame(last, &mut frame) {
        Ok(()) => frame.len().max(1) as u64,
        Err(_) => 16,
    };
    s.pipe_bytes.store(bytes, Ordering::Relaxed);
    s.pipe_items
        .store(bytes.div_ceil(per_item), Ordering::Relaxed);
}

fn put(ring: Ring<'_>, slot: &Slot, raw: &Raw) -> bool {
    loop {
        match ring.put(
            std::slice::from_ref(raw),
            STEP,
            Some((&slot.wait, wait::PUT)),
        ) {
            Ok(1) => return true,
            Ok(_) => slot.beat(),
            Err(e) => {
                eprintln!("proclab process: {e}");
                return false;
            }
        }
    }
}

/// `while (item := r.recv()) is not None: q.put(work(item))`, then
/// `q.put(None)`; also on `EOFError`.
fn process(conn: &mut Conn, ring: Ring<'_>, s: &PipelineSettings, slot: &Slot) -> i32 {
    let from = rustix::process::getpid().as_raw_nonzero().get() as u32;
    let mut done = 0u64;
    let mut beat = Beat::new();
    let mut last = Fetched::Item {
        seq: 0,
        fetched_ns: 0,
    };
    loop {
        report_backlog(conn, s, &last);
        let end = match conn.recv::<Fetched>(STEP, Some((&slot.wait, wait::RECV))) {
            Recv::Msg(Fetched::Item { seq, fetched_ns }) => {
                last = Fetched::Item { seq, fetched_ns };
                report_backlog(conn, s, &last);
                if !work(s, 1, slot, &mut beat) {
                    return 0;
                }
                let m = Message::Item {
                    from,
                    seq,
                    sent_ns: fetched_ns,
                };
                if !put(ring, slot, &m.to_raw().expect("an item fits a cell")) {
                    return 1;
                }
                done += 1;
                slot.tasks_done.store(done, Ordering::Relaxed);
                continue;
            }
            Recv::Msg(Fetched::Done) => StageEnd::Sentinel,
            Recv::Eof => StageEnd::Eof,
            Recv::Corrupt(_) => continue,
            Recv::Idle => {
                if between_slices(slot, 0.0).is_break() {
                    return 0;
                }
                continue;
            }
        };
        report_backlog(conn, s, &last);
        // Pass the end down the line, so save stops too.
        let sentinel = Message::Sentinel.to_raw().expect("a sentinel fits a cell");
        if !put(ring, slot, &sentinel) {
            return 1;
        }
        s.ended[1].store(end.to_u32(), Ordering::Relaxed);
        slot.set_phase(Phase::Finished);
        return 0;
    }
}

/// `while (item := q.get()) is not None: save(item); q.task_done()`.
fn save(record: usize, ring: Ring<'_>, s: &PipelineSettings, slot: &Slot) -> i32 {
    let mut got = Vec::with_capacity(1);
    let mut done = Done::default();
    let mut saved = 0u64;
    let mut beat = Beat::new();
    loop {
        if between_slices(slot, 0.0).is_break() {
            return 0;
        }
        got.clear();
        match ring.get(
            record,
            1,
            &mut got,
            &mut done,
            STEP,
            Some((&slot.wait, wait::GET)),
        ) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(e) => {
                eprintln!("proclab save: {e}");
                return 1;
            }
        }
        let raw = got[0];
        match Message::from_raw(&raw) {
            Ok(Message::Sentinel) => {
                done.add(raw.hash);
                let _ = ring.task_done(record, &mut done);
                s.ended[2].store(StageEnd::Sentinel.to_u32(), Ordering::Relaxed);
                slot.set_phase(Phase::Finished);
                return 0;
            }
            Ok(Message::Item { .. }) => {
                if !work(s, 2, slot, &mut beat) {
                    return 0;
                }
                saved += 1;
                slot.tasks_done.store(saved, Ordering::Relaxed);
            }
            Err(_) => ring.count_corrupt(1),
        }
        done.add(raw.hash);
        let _ = ring.task_done(record, &mut done);
    }
}
