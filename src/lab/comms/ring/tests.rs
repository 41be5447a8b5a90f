//! The ring in one process: threads stand in for workers (a robust mutex
//! tracks holders per thread, so a thread that ends holding it leaves it
//! abandoned, as a killed process would).

use super::*;
use crate::lab::comms::message::Message;

const T: Duration = Duration::from_millis(200);

/// A ring in leaked, zeroed memory, as a fresh section would be.
fn ring(records: usize, cells: usize, capacity: u64) -> Ring<'static> {
    let blocks: Vec<Block> = (0..Ring::blocks(records, cells))
        .map(|_| Block::default())
        .collect();
    let ring = Ring::new(Box::leak(blocks.into_boxed_slice()), records);
    ring.init(capacity).unwrap();
    ring
}

fn item(from: u32, seq: u64) -> Raw {
    Message::Item {
        from,
        seq,
        sent_ns: 0,
    }
    .to_raw()
    .unwrap()
}

fn seq_of(raw: &Raw) -> u64 {
    match Message::from_raw(raw).unwrap() {
        Message::Item { seq, .. } => seq,
        Message::Sentinel => u64::MAX,
    }
}

#[test]
fn messages_come_out_in_order_and_capacity_holds() {
    let r = ring(2, 8, 4);
    let batch: Vec<Raw> = (0..6).map(|i| item(1, i)).collect();
    assert_eq!(
        r.put(&batch, Duration::ZERO, None).unwrap(),
        4,
        "room for 4"
    );
    assert_eq!(r.put(&batch[4..], Duration::ZERO, None).unwrap(), 0, "full");
    let t = r.totals(T);
    assert_eq!((t.depth(), t.unfinished()), (4, 4));
    let (mut out, mut done) = (Vec::new(), Done::default());
    assert_eq!(r.get(0, 3, &mut out, &mut done, T, None).unwrap(), 3);
    assert_eq!(out.iter().map(seq_of).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(
        r.put(&batch[4..], Duration::ZERO, None).unwrap(),
        2,
        "room again"
    );
    out.clear();
    r.get(1, 10, &mut out, &mut done, T, None).unwrap();
    assert_eq!(
        out.iter().map(seq_of).collect::<Vec<_>>(),
        [3, 4, 5],
        "wraps around"
    );
    assert!(r.totals(T).balanced());
}

#[test]
fn a_batch_ends_at_a_sentinel() {
    let r = ring(1, 8, 8);
    let stop = Message::Sentinel.to_raw().unwrap();
    r.put(&[item(1, 0), stop, item(1, 1)], T, None).unwrap();
    let (mut out, mut done) = (Vec::new(), Done::default());
    assert_eq!(r.get(0, 8, &mut out, &mut done, T, None).unwrap(), 2);
    assert_eq!(Message::from_raw(&out[1]).unwrap(), Message::Sentinel);
}

#[test]
fn task_done_brings_unfinished_to_zero() {
    let r = ring(1, 8, 8);
    r.put(&[item(1, 0), item(1, 1)], T, None).unwrap();
    let (mut out, mut done) = (Vec::new(), Done::default());
    r.get(0, 8, &mut out, &mut done, T, None).unwrap();
    assert_eq!(r.totals(T).held, 2);
    for m in &out {
        done.add(m.hash);
    }
    r.task_done(0, &mut done).unwrap();
    let t = r.totals(T);
    assert_eq!((t.unfinished(), t.held, t.done), (0, 0, 2));
    assert!(t.balanced());
}

#[test]
fn what_a_dead_worker_held_is_counted_lost_exactly() {
    let r = ring(3, 16, 16);
    let batch: Vec<Raw> = (0..10).map(|i| item(7, i)).collect();
    r.put(&batch, T, None).unwrap();
    let (mut out, mut done) = (Vec::new(), Done::default());
    r.get(2, 4, &mut out, &mut done, T, None).unwrap();
    done.add(out[0].hash);
    r.task_done(2, &mut done).unwrap();
    // Worker 2 holds three and dies: they are lost, and only they.
    assert_eq!(r.fold(2, T).unwrap(), 3);
    assert_eq!(
        r.fold(2, T).unwrap(),
        0,
        "folding twice counts nothing more"
    );
    let t = r.totals(T);
    assert_eq!((t.lost, t.done, t.depth(), t.held), (3, 1, 6, 0));
    assert!(t.balanced());
}

#[test]
fn a_holder_that_dies_mid_change_is_rolled_back() {
    let r = ring(1, 8, 8);
    r.put(&[item(1, 0)], T, None).unwrap();
    let before = r.totals(T);
    // A "worker" takes the lock, moves the tail and the sum, and dies
    // before it commits (the thread ends holding the lock).
    std::thread::spawn(move || {
        let g = r.lock().unwrap();
        r.write_cell(1, &item(1, 1));
        r.add(&r.header.put_sum, 12345);
        r.set(&r.header.tail, 2);
        std::mem::forget(g);
    })
    .join()
    .unwrap();
    // The next one to take the lock repairs, and nothing half-made shows.
    let after = r.totals(T);
    assert!(after.consistent);
    assert_eq!(after.repaired, 1);
    assert_eq!((after.tail, after.head), (before.tail, before.head));
    assert!(after.balanced(), "{after:?}");
    // And the queue works on.
    r.put(&[item(1, 1)], T, None).unwrap();
    assert_eq!(r.totals(T).depth(), 2);
}

#[test]
fn capacity_out_of_range_names_the_range() {
    let r = ring(1, 8, 8);
    let err = r.reset(0).unwrap_err();
    assert_eq!(err, RingError::Capacity { asked: 0, max: 8 });
    assert!(err.to_string().contains("1 to 8"), "{err}");
    assert!(r.reset(9).is_err());
    r.reset(8).unwrap();
}

#[test]
fn a_scribbled_message_fails_its_check() {
    let r = ring(1, 8, 8);
    r.put(&[item(1, 0), item(1, 1)], T, None).unwrap();
    assert!(r.scribble(1).unwrap());
    assert!(!r.scribble(2).unwrap(), "only queued messages");
    let (mut out, mut done) = (Vec::new(), Done::default());
    r.get(0, 8, &mut out, &mut done, T, None).unwrap();
    assert!(Message::from_raw(&out[0]).is_ok());
    assert!(Message::from_raw(&out[1]).is_err());
}

#[test]
fn a_get_on_an_empty_queue_times_out_and_shows_its_wait() {
    let r = ring(1, 8, 8);
    let word = AtomicU32::new(0);
    let (mut out, mut done) = (Vec::new(), Done::default());
    let start = Instant::now();
    let n = r
        .get(
            0,
            1,
            &mut out,
            &mut done,
            Duration::from_millis(30),
            Some((&word, 9)),
        )
        .unwrap();
    assert_eq!(n, 0);
    assert!(start.elapsed() >= Duration::from_millis(25));
    assert_eq!(word.load(Ordering::Relaxed), 0, "cleared after the wait");
}

#[test]
fn threads_as_producers_and_consumers_deliver_each_message_once() {
    let r = ring(4, 64, 16);
    let per_producer = 5_000u64;
    let producers: Vec<_> = (0..2u32)
        .map(|p| {
            std::thread::spawn(move || {
                let mut seq = 0;
                while seq < per_producer {
                    let batch: Vec<Raw> = (seq..(seq + 7).min(per_producer))
                        .map(|s| item(p, s))
                        .collect();
                    let mut put = 0;
                    while put < batch.len() {
                        put += r.put(&batch[put..], T, None).unwrap();
                    }
                    seq += batch.len() as u64;
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2usize)
        .map(|c| {
            std::thread::spawn(move || {
                let (mut out, mut done) = (Vec::new(), Done::default());
                let mut got = Vec::new();
                loop {
                    out.clear();
                    r.get(c, 5, &mut out, &mut done, T, None).unwrap();
                    for m in &out {
                        done.add(m.hash);
                        match Message::from_raw(m).unwrap() {
                            Message::Sentinel => {
                                r.task_done(c, &mut done).unwrap();
                                return got;
                            }
                            Message::Item { from, seq, .. } => got.push((from, seq)),
                        }
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let stop = Message::Sentinel.to_raw().unwrap();
    r.put(&[stop, stop], T, None).unwrap();
    let mut all: Vec<(u32, u64)> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort_unstable();
    let expected: Vec<(u32, u64)> = (0..2)
        .flat_map(|p| (0..per_producer).map(move |s| (p, s)))
        .collect();
    assert_eq!(all, expected, "every message exactly once");
    let t = r.totals(T);
    assert_eq!(t.unfinished(), 0);
    assert!(t.balanced());
}
