//! The queue lab's workers: producers that `q.put(item)` at a rate, and
//! consumers that `item = q.get()`, work on it, then `q.task_done()`, until
//! they get a sentinel. Rates come from the queue's section, so proclab can
//! change them while the workers run.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::QueueSettings;
use crate::lab::clock;
use crate::lab::comms::message::Message;
use crate::lab::comms::pace::{Beat, STEP, pace};
use crate::lab::comms::ring::{Done, Raw, Ring};
use crate::lab::comms::wait;
use crate::lab::slot::{Control, Phase, Slot};
use crate::lab::worker::{WorkerArgs, between_slices};

/// `for seq in count(): q.put(item)`, `--tasks` times or forever.
pub fn run_producer(
    args: &WorkerArgs,
    ring: Ring<'_>,
    settings: &QueueSettings,
    slot: &Slot,
) -> i32 {
    let from = rustix::process::getpid().as_raw_nonzero().get() as u32;
    let mut seq = 0u64;
    let mut batch: Vec<Raw> = Vec::with_capacity(super::BATCH_MAX);
    let mut beat = Beat::new();
    slot.set_phase(Phase::Io);
    loop {
        let left = args.tasks.map_or(u64::MAX, |n| n.saturating_sub(seq));
        if left == 0 {
            slot.set_phase(Phase::Finished);
            return 0;
        }
        let rate = settings.producer_rate.load(Ordering::Relaxed);
        let n = if rate == 0 {
            if between_slices(slot, 0.0).is_break() {
                return 0;
            }
            left.min(settings.batch() as u64) as usize
        } else {
            // Waits out the period; a new rate applies at once.
            let due = beat.due(rate);
            let moved = || settings.producer_rate.load(Ordering::Relaxed) != rate;
            if pace(slot, beat.from, due, wait::PACE, moved).is_break() {
                return 0;
            }
            if Instant::now() < due {
                continue;
            }
            1
        };
        batch.clear();
        let sent_ns = clock::now_ns();
        for i in 0..n as u64 {
            let m = Message::Item {
                from,
                seq: seq + i,
                sent_ns,
            };
            batch.push(m.to_raw().expect("an item fits a cell"));
        }
        let mut put = 0;
        while put < n {
            match ring.put(&batch[put..], STEP, Some((&slot.wait, wait::PUT))) {
                Ok(k) => put += k,
                Err(e) => {
                    eprintln!("proclab producer: {e}");
                    return 1;
                }
            }
            slot.beat();
        }
        seq += n as u64;
        slot.tasks_done.fetch_add(n as u64, Ordering::Relaxed);
        if rate == 0 {
            beat = Beat::new();
        } else {
            beat.next(rate);
        }
    }
}

/// `while (item := q.get()) is not None: work(item); q.task_done()`.
pub fn run_consumer(
    args: &WorkerArgs,
    ring: Ring<'_>,
    settings: &QueueSettings,
    slot: &Slot,
) -> i32 {
    let record = args.slot;
    let mut done = Done::default();
    let mut got: Vec<Raw> = Vec::with_capacity(super::BATCH_MAX);
    let mut beat = Beat::new();
    slot.set_phase(Phase::Io);
    loop {
        // A request to exit or raise (the lifecycle keys) is acted on
        // between items; what is done by then is published first.
        if slot.control() != Control::None {
            let _ = ring.task_done(record, &mut done);
        }
        if between_slices(slot, 0.0).is_break() {
            return 0;
        }
        let rate = settings.consumer_rate.load(Ordering::Relaxed);
        // A paced consumer takes one at a time, as `q.get()` does; one
        // working flat out takes what is there, up to a batch.
        let max = if rate == 0 { settings.batch() } else { 1 };
        got.clear();
        let n = match ring.get(
            record,
            max,
            &mut got,
            &mut done,
            STEP,
            Some((&slot.wait, wait::GET)),
        ) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("proclab consumer: {e}");
                return 1;
            }
        };
        if n == 0 {
            slot.beat();
            continue;
        }
        let now = clock::now_ns();
        let (mut queued_ns, mut items) = (0u64, 0u64);
        for raw in &got {
            match Message::from_raw(raw) {
                Ok(Message::Item { sent_ns, .. }) => {
                    queued_ns += now.saturating_sub(sent_ns);
                    items += 1;
                    if rate > 0 {
                        // After a wait on an empty queue the work starts now.
                        if Instant::now() > beat.due(rate) {
                            beat = Beat::new();
                        }
                        // Working on an item: a sleep, as `time.sleep(1 / rate)`.
                        // A request met here ends the worker mid-item: the
                        // item is lost, as it would be in Python.
                        if pace(slot, beat.from, beat.due(rate), wait::WORK, || false).is_break() {
                            return 0;
                        }
                        beat.next(rate);
                    }
                    done.add(raw.hash);
                }
                Ok(Message::Sentinel) => {
                    done.add(raw.hash);
                    ring.count_queued(queued_ns, items);
                    slot.tasks_done.fetch_add(items, Ordering::Relaxed);
                    let _ = ring.task_done(record, &mut done);
                    slot.set_phase(Phase::Finished);
                    return 0;
                }
                Err(_) => {
                    // Counted and skipped: done, so `q.join()` is not held up.
                    ring.count_corrupt(1);
                    done.add(raw.hash);
                }
            }
        }
        ring.count_queued(queued_ns, items);
        slot.tasks_done.fetch_add(items, Ordering::Relaxed);
        if rate > 0
            && let Err(e) = ring.task_done(record, &mut done)
        {
            eprintln!("proclab consumer: {e}");
            return 1;
        }
    }
}
