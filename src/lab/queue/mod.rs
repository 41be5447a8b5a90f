//! The queue lab's engine: a bounded queue in shared memory between
//! producer and consumer processes, with `JoinableQueue`'s `task_done` and
//! `join`, sentinels to stop consumers, and exact counts of what is lost
//! when a consumer dies holding messages.
//!
//! [`ring()`] is the queue itself, [`roles`] the workers' side, and
//! [`QueueLab`] what proclab drives: start and stop producers and
//! consumers, change their rates, put sentinels, wait for `q.join()`, and
//! notice workers that ended holding messages.

pub mod roles;

pub use super::comms::{message, ring, step_rate, wait};

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::comms::message::Message;
use super::comms::ring::{Block, Ring, RingError, Totals};
use super::shm::{Region, SectionId, Shared};
use super::slot::Control;
use super::{Lab, LabError, Role, StartOptions, Status, WorkerId, Workload};

/// The most cells a queue may have (`--capacity`): each is 64 bytes of
/// the shared region, touched only when used.
pub const MAX_CAPACITY: u64 = 65_536;
pub const DEFAULT_CAPACITY: u64 = 16;
/// The most messages one lock taking moves, for workers at full speed.
pub const BATCH_MAX: usize = 64;
/// How long proclab's own thread waits for the queue's lock.
const UI_LOCK_WAIT: Duration = Duration::from_millis(2);

/// Rates the keys step through, in messages per second; 0 is "as fast as
/// it can".
pub const RATES: [u32; 12] = [1, 2, 5, 8, 10, 20, 50, 100, 200, 500, 1000, 0];

/// Settings workers read live, at the start of the queue's section.
#[repr(C, align(64))]
pub struct QueueSettings {
    /// Items per second each producer puts; 0: as fast as it can.
    pub producer_rate: AtomicU32,
    /// Items per second each consumer works through; 0: no work at all.
    pub consumer_rate: AtomicU32,
    /// Most messages a worker at full speed moves per lock taking.
    pub batch: AtomicU32,
}

// Safety: atomics only, valid all-zero.
unsafe impl Shared for QueueSettings {}

impl QueueSettings {
    pub fn batch(&self) -> usize {
        (self.batch.load(Ordering::Relaxed) as usize).clamp(1, BATCH_MAX)
    }
}

/// Bytes of the queue's section for `slot_count` workers.
pub fn section_len(slot_count: usize) -> usize {
    (1 + Ring::blocks(slot_count, MAX_CAPACITY as usize)) * size_of::<Block>()
}

/// The queue in a region.
pub fn ring(region: &Region) -> Ring<'_> {
    let blocks: &[Block] = region.section_slice(SectionId::Queue);
    Ring::new(&blocks[1..], region.slot_count())
}

/// The queue's live settings in a region.
pub fn settings(region: &Region) -> &QueueSettings {
    region.section(SectionId::Queue)
}

/// Something the queue lab reports without being asked this instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueEvent {
    /// A consumer ended holding messages it had got and not finished.
    Lost { id: WorkerId, count: u64 },
    /// A sentinel that had to wait for room went into the queue; `left`
    /// more wait.
    SentinelPut { left: u32 },
    /// `q.join()` returned: every item put was marked done.
    JoinReturned,
    /// Every producer has ended; sentinels follow, one per consumer.
    ProducersStopped { consumers: u32 },
    /// Every consumer has ended: the queue is shut down.
    Stopped,
    /// A worker died holding the queue's lock; the next one repaired it.
    Repaired { total: u64 },
    /// Messages that would not decode were counted and skipped.
    Corrupt { total: u64 },
}

/// Where a clean shutdown is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopping {
    /// Producers were asked to return; waiting for them to end.
    Producers,
    /// Sentinels are going in; consumers drain the backlog and exit.
    Consumers,
}

/// What the panel shows, read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub totals: Totals,
    pub producer_rate: u32,
    pub consumer_rate: u32,
    /// Sentinels waiting for room in the queue.
    pub sentinels_pending: u32,
    /// `q.join()` was called and has not returned.
    pub join_pending: bool,
    pub stopping: Option<Stopping>,
}

#[derive(Debug, Clone, Copy)]
struct Member {
    id: WorkerId,
    role: Role,
    /// Its slot index, which is its record in the ring.
    record: usize,
    /// Its record was folded after it ended.
    folded: bool,
    /// Asked to stop (producers) or sent a sentinel.
    stopping: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Ring(#[from] RingError),
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error("the capacity can change only while no producer or consumer runs")]
    Busy,
}

/// The queue lab's controller, held by the engine.
#[derive(Debug)]
pub struct QueueLab {
    members: Vec<Member>,
    sentinels_pending: u32,
    /// Of those, how many found the queue full at least once.
    sentinels_waited: u32,
    /// Sentinels put, and consumers that have ended by one.
    sentinels_put: u64,
    sentinel_exits: u64,
    join_pending: bool,
    stopping: Option<Stopping>,
    seen_repaired: u64,
    seen_corrupt: u64,
}

impl QueueLab {
    /// Sets up the queue in the region; before any worker starts.
    pub fn new(region: &Region) -> Result<QueueLab, RingError> {
        ring(region).init(DEFAULT_CAPACITY)?;
        let s = settings(region);
        s.producer_rate.store(5, Ordering::Relaxed);
        s.consumer_rate.store(8, Ordering::Relaxed);
        s.batch.store(BATCH_MAX as u32, Ordering::Relaxed);
        Ok(QueueLab {
            members: Vec::new(),
            sentinels_pending: 0,
            sentinels_waited: 0,
            sentinels_put: 0,
            sentinel_exits: 0,
            join_pending: false,
            stopping: None,
            seen_repaired: 0,
            seen_corrupt: 0,
        })
    }

    /// Empties the queue and gives it a new capacity (1 to [`MAX_CAPACITY`]):
    /// `JoinableQueue(maxsize=capacity)`. Only while none of its workers runs.
    pub fn set_capacity(&mut self, lab: &mut Lab, capacity: u64) -> Result<(), QueueError> {
        self.poll(lab);
        if self.members.iter().any(|m| !m.folded) {
            return Err(QueueError::Busy);
        }
        ring(lab.region()).reset(capacity)?;
        self.sentinels_pending = 0;
        self.sentinels_waited = 0;
        self.sentinels_put = 0;
        self.sentinel_exits = 0;
        self.seen_repaired = 0;
        self.seen_corrupt = 0;
        Ok(())
    }

    /// Sets the rates (items per second, 0 for as fast as possible); workers
    /// pick them up at once.
    pub fn set_rates(&self, lab: &Lab, producer: u32, consumer: u32) {
        let s = settings(lab.region());
        s.producer_rate.store(producer, Ordering::Relaxed);
        s.consumer_rate.store(consumer, Ordering::Relaxed);
    }

    /// Most messages a worker at full speed moves per lock taking (1 turns
    /// batching off).
    pub fn set_batch(&self, lab: &Lab, batch: usize) {
        settings(lab.region())
            .batch
            .store(batch.clamp(1, BATCH_MAX) as u32, Ordering::Relaxed);
    }

    pub fn rates(&self, lab: &Lab) -> (u32, u32) {
        let s = settings(lab.region());
        (
            s.producer_rate.load(Ordering::Relaxed),
            s.consumer_rate.load(Ordering::Relaxed),
        )
    }

    fn start(
        &mut self,
        lab: &mut Lab,
        role: Role,
        tasks: Option<u64>,
    ) -> Result<WorkerId, LabError> {
        // Whatever ended is folded first, so no record is reused unread.
        self.poll(lab);
        let id = lab.start_with(StartOptions {
            role,
            workload: Workload::Io,
            tasks,
            task_ms: 1000,
            daemon: false,
        })?;
        let record = lab.slot_of(id)?.expect("a started worker has a slot");
        self.members.push(Member {
            id,
            role,
            record,
            folded: false,
            stopping: false,
        });
        Ok(id)
    }

    /// Starts a producer; it puts `tasks` items and returns, or runs until
    /// stopped.
    pub fn add_producer(
        &mut self,
        lab: &mut Lab,
        tasks: Option<u64>,
    ) -> Result<WorkerId, LabError> {
        self.start(lab, Role::Producer, tasks)
    }

    pub fn add_consumer(&mut self, lab: &mut Lab) -> Result<WorkerId, LabError> {
        self.start(lab, Role::Consumer, None)
    }

    fn alive(&self, lab: &Lab, role: Role) -> impl Iterator<Item = &Member> {
        self.members
            .iter()
            .filter(move |m| m.role == role && !m.folded && is_alive(lab, m.id))
    }

    /// Asks the newest running producer to return after its current put
    /// (a stop event it checks between items). Returns which one.
    pub fn stop_producer(&mut self, lab: &mut Lab) -> Option<WorkerId> {
        let id = self
            .alive(lab, Role::Producer)
            .filter(|m| !m.stopping)
            .last()?
            .id;
        lab.request(id, Control::Exit(0)).ok()?;
        if let Some(m) = self.members.iter_mut().find(|m| m.id == id) {
            m.stopping = true;
        }
        Some(id)
    }

    /// Sentinels that will still reach a consumer: pending or in the queue.
    fn sentinels_owed(&self) -> u64 {
        u64::from(self.sentinels_pending) + self.sentinels_put.saturating_sub(self.sentinel_exits)
    }

    /// `q.put(None)`: one consumer will stop, once it reaches the sentinel.
    /// Refused (false) when every live consumer already has one coming.
    pub fn send_sentinel(&mut self, lab: &mut Lab) -> bool {
        let consumers = self.alive(lab, Role::Consumer).count() as u64;
        if self.sentinels_owed() >= consumers {
            return false;
        }
        self.sentinels_pending += 1;
        self.put_sentinels(lab);
        true
    }

    /// `q.join()`: true if it returns at once (nothing unfinished); else it
    /// is pending and [`QueueEvent::JoinReturned`] follows.
    pub fn join(&mut self, lab: &Lab) -> bool {
        let t = ring(lab.region()).totals(UI_LOCK_WAIT);
        if t.unfinished() == 0 {
            self.join_pending = false;
            return true;
        }
        self.join_pending = true;
        false
    }

    /// Begins the clean shutdown the course teaches: stop the producers
    /// and join them, then one sentinel per consumer, then join the
    /// consumers as they finish the backlog; [`poll`](Self::poll) carries
    /// it on. Returns the producers asked to stop.
    pub fn begin_shutdown(&mut self, lab: &mut Lab) -> Vec<WorkerId> {
        let ids: Vec<WorkerId> = self
            .alive(lab, Role::Producer)
            .filter(|m| !m.stopping)
            .map(|m| m.id)
            .collect();
        for &id in &ids {
            let _ = lab.request(id, Control::Exit(0));
        }
        for m in self.members.iter_mut().filter(|m| m.role == Role::Producer) {
            m.stopping = true;
            let _ = lab.join_nowait(m.id);
        }
        self.stopping = Some(Stopping::Producers);
        ids
    }

    fn put_sentinels(&mut self, lab: &Lab) -> Vec<QueueEvent> {
        let mut events = Vec::new();
        let raw = Message::Sentinel.to_raw().expect("a sentinel fits a cell");
        while self.sentinels_pending > 0 {
            match ring(lab.region()).try_put(&raw, UI_LOCK_WAIT) {
                Ok(true) => {
                    self.sentinels_pending -= 1;
                    self.sentinels_put += 1;
                    // Only a sentinel that waited is news: the others were
                    // told of when they were asked for.
                    if self.sentinels_waited > 0 {
                        self.sentinels_waited -= 1;
                        events.push(QueueEvent::SentinelPut {
                            left: self.sentinels_pending,
                        });
                    }
                }
                Ok(false) | Err(_) => {
                    self.sentinels_waited = self.sentinels_pending;
                    break;
                }
            }
        }
        events
    }

    /// Looks at everything once, without blocking: folds the records of
    /// workers that ended (counting what they held as lost), puts pending
    /// sentinels, and moves `q.join()` and the shutdown along.
    pub fn poll(&mut self, lab: &mut Lab) -> Vec<QueueEvent> {
        let mut events = Vec::new();
        for m in self.members.iter_mut().filter(|m| !m.folded) {
            // Looks at the process itself, not at what `Lab::poll` last saw.
            if lab.is_alive(m.id).unwrap_or(false) {
                continue;
            }
            let code = lab.status(m.id).ok().and_then(Status::exitcode);
            // A lock held by a paused worker: fold next time.
            if let Ok(lost) = ring(lab.region()).fold(m.record, UI_LOCK_WAIT) {
                m.folded = true;
                if lost > 0 {
                    events.push(QueueEvent::Lost {
                        id: m.id,
                        count: lost,
                    });
                }
                if m.role == Role::Consumer && code == Some(0) {
                    self.sentinel_exits += 1;
                }
            }
        }
        events.extend(self.put_sentinels(lab));
        if self.stopping == Some(Stopping::Producers)
            && self.alive(lab, Role::Producer).count() == 0
        {
            let consumers = self.alive(lab, Role::Consumer).count() as u64;
            let owed = self.sentinels_owed();
            self.sentinels_pending += consumers.saturating_sub(owed) as u32;
            // `for c in consumers: c.join()`: those that ended before
            // (on a sentinel, or terminated) are reaped too.
            for m in self.members.iter_mut().filter(|m| m.role == Role::Consumer) {
                m.stopping = true;
                let _ = lab.join_nowait(m.id);
            }
            self.stopping = Some(Stopping::Consumers);
            events.push(QueueEvent::ProducersStopped {
                consumers: consumers as u32,
            });
            events.extend(self.put_sentinels(lab));
        }
        if self.stopping == Some(Stopping::Consumers)
            && self.alive(lab, Role::Consumer).count() == 0
        {
            self.stopping = None;
            self.sentinels_pending = 0;
            self.sentinels_waited = 0;
            events.push(QueueEvent::Stopped);
        }
        let t = ring(lab.region()).totals(UI_LOCK_WAIT);
        if self.join_pending && t.consistent && t.unfinished() == 0 {
            self.join_pending = false;
            events.push(QueueEvent::JoinReturned);
        }
        if t.repaired > self.seen_repaired {
            self.seen_repaired = t.repaired;
            events.push(QueueEvent::Repaired { total: t.repaired });
        }
        if t.corrupt > self.seen_corrupt {
            self.seen_corrupt = t.corrupt;
            events.push(QueueEvent::Corrupt { total: t.corrupt });
        }
        // Forgotten workers can no longer be looked up: drop their entries.
        self.members
            .retain(|m| !m.folded || lab.status(m.id).is_ok());
        events
    }

    /// What the panel shows.
    pub fn stats(&self, lab: &Lab) -> QueueStats {
        let (producer_rate, consumer_rate) = self.rates(lab);
        QueueStats {
            totals: ring(lab.region()).totals(UI_LOCK_WAIT),
            producer_rate,
            consumer_rate,
            sentinels_pending: self.sentinels_pending,
            join_pending: self.join_pending,
            stopping: self.stopping,
        }
    }

    /// Damages the `nth` message now queued, as a stray write would (to
    /// show and test that a consumer counts it and goes on).
    pub fn scribble(&self, lab: &Lab, nth: u64) -> Result<bool, RingError> {
        ring(lab.region()).scribble(nth)
    }
}

fn is_alive(lab: &Lab, id: WorkerId) -> bool {
    lab.status(id).is_ok_and(|s| s.is_alive())
}

impl super::controller::Controller for QueueLab {
    type Event = QueueEvent;

    fn set_up(lab: &Lab) -> QueueLab {
        // Initialising a process-shared mutex in fresh memory cannot fail
        // on Linux; if it ever did, nothing of the queue could work.
        QueueLab::new(lab.region()).expect("the queue's lock initialises")
    }

    fn section_len(sizing: super::controller::Sizing) -> usize {
        section_len(sizing.slot_count)
    }


    fn run_worker(
        role: Role,
        args: &super::worker::WorkerArgs,
        region: &Region,
        slot: &super::slot::Slot,
    ) -> i32 {
        match role {
            Role::Producer => roles::run_producer(args, ring(region), settings(region), slot),
            _ => roles::run_consumer(args, ring(region), settings(region), slot),
        }
    }

    /// What a consumer held comes after its exit.
    fn after_exits(&mut self, lab: &mut Lab, _ended: &[super::LabEvent]) -> Vec<QueueEvent> {
        self.poll(lab)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_step_through_the_presets() {
        let step = |r, f| step_rate(&RATES, r, f);
        assert_eq!(step(5, true), 8);
        assert_eq!(step(5, false), 2);
        assert_eq!(step(1, false), 1, "the slowest stays");
        assert_eq!(step(1000, true), 0, "then as fast as it can");
        assert_eq!(step(0, true), 0);
        assert_eq!(step(0, false), 1000);
        assert_eq!(step(7, true), 8, "a rate from a flag snaps to the next");
        assert_eq!(step(7, false), 5);
    }
}
