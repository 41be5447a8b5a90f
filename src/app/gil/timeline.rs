//! The GIL timeline's model: one lane per thread (or process), each a list
//! of state changes, and the cells a lane is drawn as.
//!
//! Thread lanes come from the interpreter's hand-over ring, so they are
//! exact to the nanosecond; process lanes come from what each worker
//! reported at every tick. Drawing asks for cells of a fixed length
//! (1, 10 or 100 ms); each cell says what the thread did in that time.

use std::collections::VecDeque;

use crate::lab::gil::ring::{EventKind, Record};

/// How much history each lane keeps.
pub const HISTORY_NS: u64 = 12_000_000_000;

/// What a lane's thread or process was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaneState {
    /// Holds the GIL and runs Python code.
    Holding,
    /// Waits for the GIL.
    Waiting,
    /// In a blocking call, the GIL released.
    Io,
    /// Runs with no GIL to wait for (a free thread, or a process of its own).
    Running,
    /// Paused by SIGSTOP.
    Stopped,
    /// Finished, or gone.
    Done,
}

impl LaneState {
    /// The state a ring record leaves its thread in.
    pub fn after(kind: EventKind) -> LaneState {
        match kind {
            EventKind::Wait | EventKind::DropForced => LaneState::Waiting,
            EventKind::Take => LaneState::Holding,
            EventKind::DropIo | EventKind::Io => LaneState::Io,
            EventKind::DropDone | EventKind::Done => LaneState::Done,
            EventKind::Run => LaneState::Running,
        }
    }

    /// The letter a cell shows for this state.
    pub fn letter(self) -> char {
        match self {
            LaneState::Holding => 'G',
            LaneState::Waiting => 'w',
            LaneState::Io => 'i',
            LaneState::Running => 'R',
            LaneState::Stopped => 'T',
            LaneState::Done => ' ',
        }
    }
}

/// Whose lane it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaneKey {
    /// Thread `number` of the interpreter in `area`, generation `generation`.
    Thread {
        area: usize,
        generation: u32,
        number: u16,
    },
    /// A worker process.
    Process(u32),
}

/// One lane: its state changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub key: LaneKey,
    pub label: String,
    pub changes: VecDeque<(u64, LaneState)>,
}

/// Time spent in each state over some span, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub holding: u64,
    pub waiting: u64,
    pub io: u64,
    pub running: u64,
    pub stopped: u64,
    pub done: u64,
}

impl Spent {
    fn add(&mut self, state: LaneState, ns: u64) {
        match state {
            LaneState::Holding => self.holding += ns,
            LaneState::Waiting => self.waiting += ns,
            LaneState::Io => self.io += ns,
            LaneState::Running => self.running += ns,
            LaneState::Stopped => self.stopped += ns,
            LaneState::Done => self.done += ns,
        }
    }

    /// Time the lane was alive (anything but done).
    pub fn alive(&self) -> u64 {
        self.holding + self.waiting + self.io + self.running + self.stopped
    }

    /// Share of the time the thread could run (alive and not stopped)
    /// spent holding the GIL.
    pub fn gil_share(&self) -> Option<f64> {
        let active = self.alive() - self.stopped;
        (active > 0).then(|| self.holding as f64 / active as f64)
    }
}

/// One cell of a lane as drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Nothing known, or the thread was not alive.
    Empty,
    /// One state for most of the cell.
    State(LaneState),
    /// Held the GIL for this many eighths of the cell (1..=7) and waited
    /// the rest: the threads took turns within the cell.
    Share(u8),
}

impl Lane {
    pub fn new(key: LaneKey, label: impl Into<String>) -> Lane {
        Lane {
            key,
            label: label.into(),
            changes: VecDeque::new(),
        }
    }

    /// Records that the lane is in `state` from `at_ns` on.
    pub fn set(&mut self, at_ns: u64, state: LaneState) {
        match self.changes.back() {
            Some(&(_, s)) if s == state => {}
            // Times never go back: a record read late lands at the last change.
            Some(&(last, _)) => self.changes.push_back((at_ns.max(last), state)),
            None => self.changes.push_back((at_ns, state)),
        }
    }

    pub fn state(&self) -> Option<LaneState> {
        self.changes.back().map(|&(_, s)| s)
    }

    /// Marks the lane stopped over `[from_ns, to_ns)`, a time its process
    /// spent paused, learnt after the fact: a paused process writes no
    /// record, so what it wrote says nothing of the stop. After the stop,
    /// the state in force then goes on. A thread not yet started or done
    /// by then is left as it was.
    pub fn stop_between(&mut self, from_ns: u64, to_ns: u64) {
        let at = |t: u64| {
            self.changes
                .iter()
                .take_while(|&&(at, _)| at <= t)
                .last()
                .map(|&(_, s)| s)
        };
        let (Some(before), Some(after)) = (at(from_ns), at(to_ns)) else {
            return;
        };
        if before == LaneState::Done || from_ns >= to_ns {
            return;
        }
        let mut changes: Vec<(u64, LaneState)> = self
            .changes
            .iter()
            .copied()
            .filter(|&(t, _)| t < from_ns || t >= to_ns)
            .collect();
        let i = changes.partition_point(|&(t, _)| t < from_ns);
        changes.insert(i, (from_ns, LaneState::Stopped));
        if changes.get(i + 1).is_none_or(|&(t, _)| t > to_ns) {
            changes.insert(i + 1, (to_ns, after));
        }
        // Two changes in a row to one state are one.
        changes.dedup_by(|b, a| a.1 == b.1);
        self.changes = changes.into();
    }

    /// Forgets changes before `before_ns`, keeping the one in force then.
    pub fn trim(&mut self, before_ns: u64) {
        while self.changes.len() > 1 && self.changes[1].0 <= before_ns {
            self.changes.pop_front();
        }
    }

    /// Calls `f(from, to, state)` for each span of one state within
    /// `[from_ns, to_ns)`.
    fn spans(&self, from_ns: u64, to_ns: u64, mut f: impl FnMut(u64, u64, LaneState)) {
        let mut iter = self.changes.iter().peekable();
        while let Some(&(at, state)) = iter.next() {
            let end = iter.peek().map_or(to_ns, |&&(next, _)| next);
            let (a, b) = (at.max(from_ns), end.min(to_ns));
            if a < b {
                f(a, b, state);
            }
            if end >= to_ns {
                break;
            }
        }
    }

    /// Time spent in each state within `[from_ns, to_ns)`.
    pub fn spent(&self, from_ns: u64, to_ns: u64) -> Spent {
        let mut spent = Spent::default();
        self.spans(from_ns, to_ns, |a, b, s| spent.add(s, b - a));
        spent
    }

    /// `n` cells of `cell_ns` each, the last one ending at `now_ns`.
    pub fn cells(&self, now_ns: u64, cell_ns: u64, n: usize) -> Vec<Cell> {
        let cell_ns = cell_ns.max(1);
        let start = now_ns.saturating_sub(cell_ns * n as u64);
        let mut spent = vec![Spent::default(); n];
        self.spans(start, now_ns, |mut a, b, s| {
            while a < b {
                let i = ((a - start) / cell_ns) as usize;
                let cell_end = (start + (i as u64 + 1) * cell_ns).min(b);
                if let Some(c) = spent.get_mut(i) {
                    c.add(s, cell_end - a);
                }
                a = cell_end;
            }
        });
        spent.iter().map(|s| cell_of(s, cell_ns)).collect()
    }
}

/// What a cell shows, from the time spent in it.
fn cell_of(s: &Spent, cell_ns: u64) -> Cell {
    let alive = s.alive();
    if alive * 2 < cell_ns {
        return Cell::Empty;
    }
    let most = |ns: u64| ns * 2 >= alive;
    if most(s.io) {
        return Cell::State(LaneState::Io);
    }
    if most(s.running) {
        return Cell::State(LaneState::Running);
    }
    if most(s.stopped) {
        return Cell::State(LaneState::Stopped);
    }
    let gil = s.holding + s.waiting;
    if gil == 0 {
        return Cell::State(LaneState::Io);
    }
    let eighths = ((s.holding * 8 + gil / 2) / gil) as u8;
    match eighths {
        0 => Cell::State(LaneState::Waiting),
        8 => Cell::State(LaneState::Holding),
        e => Cell::Share(e),
    }
}

/// Thread lanes fed from one interpreter's ring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadLanes {
    /// The interpreter (area, generation) the lanes are of.
    pub source: Option<(usize, u32)>,
    /// The next ring record to read.
    pub next_seq: u64,
    pub lanes: Vec<Lane>,
    /// Times of hand-overs between threads, oldest first.
    pub handovers: VecDeque<u64>,
    /// Records the ring overwrote before they were read.
    pub lost: u64,
}

impl ThreadLanes {
    /// Starts afresh for another interpreter.
    pub fn reset(&mut self, area: usize, generation: u32, first_seq: u64) {
        *self = ThreadLanes {
            source: Some((area, generation)),
            next_seq: first_seq,
            ..ThreadLanes::default()
        };
    }

    /// The lane of thread `number`, made if new.
    pub fn lane(&mut self, number: u16) -> &mut Lane {
        let (area, generation) = self.source.unwrap_or((0, 0));
        while self.lanes.len() < usize::from(number) {
            let n = self.lanes.len() as u16 + 1;
            self.lanes.push(Lane::new(
                LaneKey::Thread {
                    area,
                    generation,
                    number: n,
                },
                format!("T{n}"),
            ));
        }
        &mut self.lanes[usize::from(number) - 1]
    }

    /// Takes in records read from the ring.
    pub fn apply(&mut self, records: &[Record]) {
        for r in records {
            if r.thread == 0 {
                continue;
            }
            if r.is_handover() {
                self.handovers.push_back(r.at_ns);
            }
            self.lane(r.thread).set(r.at_ns, LaneState::after(r.kind));
        }
    }

    /// Marks every lane stopped over `[from_ns, to_ns)`: see
    /// [`Lane::stop_between`].
    pub fn stop_between(&mut self, from_ns: u64, to_ns: u64) {
        for lane in &mut self.lanes {
            lane.stop_between(from_ns, to_ns);
        }
    }

    /// Forgets what is older than the history kept, and the lanes
    /// themselves once all their threads have been done that long.
    pub fn trim(&mut self, now_ns: u64) {
        let before = now_ns.saturating_sub(HISTORY_NS);
        for lane in &mut self.lanes {
            lane.trim(before);
        }
        let all_gone = self.lanes.iter().all(|l| match l.changes.back() {
            Some(&(at, LaneState::Done)) => at < before,
            _ => false,
        });
        if all_gone {
            self.lanes.clear();
        }
        while self.handovers.front().is_some_and(|&t| t < before) {
            self.handovers.pop_front();
        }
    }

    /// Hand-overs in the second before `now_ns`.
    pub fn switches_per_second(&self, now_ns: u64) -> usize {
        let from = now_ns.saturating_sub(1_000_000_000);
        self.handovers
            .iter()
            .rev()
            .take_while(|&&t| t >= from)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn a_stop_learnt_afterwards_cuts_into_the_lane() {
        use LaneState::*;
        let mut lane = Lane::new(LaneKey::Process(1), "T1");
        lane.set(10 * MS, Holding);
        lane.set(20 * MS, Waiting);
        lane.set(900 * MS, Holding);
        lane.stop_between(30 * MS, 800 * MS);
        let changes: Vec<_> = lane.changes.iter().copied().collect();
        assert_eq!(
            changes,
            [
                (10 * MS, Holding),
                (20 * MS, Waiting),
                (30 * MS, Stopped),
                (800 * MS, Waiting),
                (900 * MS, Holding)
            ]
        );
        let spent = lane.spent(0, 1000 * MS);
        assert_eq!(spent.stopped, 770 * MS);
        // Held 10 + 100 of the 220 ms it could run.
        assert_eq!(spent.gil_share(), Some(0.5));

        // A change at the very end of the stop stays; a lane done before
        // the stop, or not yet started, is left alone.
        let mut lane = Lane::new(LaneKey::Process(1), "T1");
        lane.set(10 * MS, Holding);
        lane.set(50 * MS, Waiting);
        lane.stop_between(20 * MS, 50 * MS);
        let changes: Vec<_> = lane.changes.iter().copied().collect();
        assert_eq!(
            changes,
            [(10 * MS, Holding), (20 * MS, Stopped), (50 * MS, Waiting)]
        );
        let mut done = Lane::new(LaneKey::Process(1), "T1");
        done.set(10 * MS, Done);
        done.stop_between(20 * MS, 50 * MS);
        assert_eq!(done.changes.len(), 1);
        let mut late = Lane::new(LaneKey::Process(1), "T1");
        late.set(60 * MS, Holding);
        late.stop_between(20 * MS, 50 * MS);
        assert_eq!(late.changes.len(), 1);
    }

    fn rec(seq: u64, at_ms: u64, thread: u16, kind: EventKind, other: u16) -> Record {
        Record {
            seq,
            at_ns: at_ms * MS,
            thread,
            kind,
            other,
        }
    }

    /// Two threads taking turns every 5 ms for 100 ms.
    fn turns() -> ThreadLanes {
        let mut t = ThreadLanes::default();
        t.reset(0, 1, 0);
        let mut recs = vec![
            rec(0, 0, 1, EventKind::Take, 0),
            rec(1, 0, 2, EventKind::Wait, 0),
        ];
        let mut holder = 1;
        for i in 1..20u64 {
            let other = 3 - holder;
            recs.push(rec(0, i * 5, holder, EventKind::DropForced, 0));
            recs.push(rec(0, i * 5, other, EventKind::Take, holder));
            holder = other;
        }
        t.apply(&recs);
        t
    }

    #[test]
    fn fine_cells_show_who_holds_the_gil() {
        let t = turns();
        let cells = t.lanes[0].cells(100 * MS, MS, 20);
        // The last 20 ms: T1 held 80-85 and 90-95.
        let text: String = cells
            .iter()
            .map(|c| match c {
                Cell::State(s) => s.letter(),
                Cell::Share(_) => '~',
                Cell::Empty => '.',
            })
            .collect();
        assert_eq!(text, "GGGGGwwwwwGGGGGwwwww");
    }

    #[test]
    fn coarse_cells_show_a_share() {
        let t = turns();
        let cells = t.lanes[1].cells(100 * MS, 50 * MS, 2);
        assert_eq!(cells, vec![Cell::Share(4), Cell::Share(4)]);
        let spent = t.lanes[0].spent(0, 100 * MS);
        assert!((spent.gil_share().unwrap() - 0.5).abs() < 0.01);
    }

    #[test]
    fn switches_are_counted_over_the_last_second() {
        let t = turns();
        assert_eq!(t.switches_per_second(100 * MS), 20);
        assert_eq!(t.switches_per_second(1_090 * MS), 2);
    }

    #[test]
    fn cells_before_a_lane_began_are_empty() {
        let mut lane = Lane::new(LaneKey::Process(1), "p1");
        lane.set(5 * MS, LaneState::Io);
        let cells = lane.cells(10 * MS, MS, 10);
        assert_eq!(cells[..5], [Cell::Empty; 5]);
        assert_eq!(cells[9], Cell::State(LaneState::Io));
    }

    #[test]
    fn lanes_of_threads_long_done_are_dropped() {
        let mut t = turns();
        for lane in &mut t.lanes {
            lane.set(100 * MS, LaneState::Done);
        }
        t.trim(100 * MS + HISTORY_NS / 2);
        assert_eq!(t.lanes.len(), 2, "still in the history");
        t.trim(101 * MS + HISTORY_NS);
        assert!(t.lanes.is_empty());
    }

    #[test]
    fn trimming_keeps_the_state_in_force() {
        let mut lane = Lane::new(LaneKey::Process(1), "p1");
        lane.set(MS, LaneState::Running);
        lane.set(2 * MS, LaneState::Io);
        lane.set(3 * MS, LaneState::Running);
        lane.trim(2_500_000);
        assert_eq!(lane.changes.len(), 2);
        assert_eq!(lane.spent(2_500_000, 3 * MS).io, 500_000);
    }
}
