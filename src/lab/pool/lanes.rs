//! Each pool place's time during a run: when a process held it, when that
//! process ran its initializer, when it was inside a chunk.
//!
//! Busy time is added as chunks complete into buckets of fixed width,
//! which double (pairs merged) when a long run would make too many, so a
//! run of any length costs a bounded amount to keep and to draw.

use std::ops::Range;


/// Buckets per place before they are merged in pairs.
const MAX_BUCKETS: usize = 4096;
/// Width of a bucket at the start of a run, in microseconds.
const FIRST_BUCKET_US: u64 = 1_000;

/// A process's time in a place, in microseconds since the run's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Life {
    pub place: usize,
    pub serial: u32,
    pub from_us: u64,
    /// None while it lives.
    pub to_us: Option<u64>,
    /// Its initializer, clipped to the run.
    pub init: Option<Range<u64>>,
}

#[derive(Debug, Clone, Default)]
pub struct Lanes {
    bucket_us: u64,
    /// Busy microseconds per bucket, per place.
    busy: Vec<Vec<u32>>,
    pub lives: Vec<Life>,
    /// Exact busy time per place, and the end of its last chunk.
    pub busy_us: Vec<u64>,
    pub last_end_us: Vec<u64>,
}

fn overlap(a: &Range<u64>, b: &Range<u64>) -> u64 {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

impl Lanes {
    pub fn new(places: usize) -> Lanes {
        Lanes {
            bucket_us: FIRST_BUCKET_US,
            busy: vec![Vec::new(); places],
            lives: Vec::new(),
            busy_us: vec![0; places],
            last_end_us: vec![0; places],
        }
    }

    pub fn places(&self) -> usize {
        self.busy.len()
    }

    /// A chunk ran in `place` from `start` to `end` (microseconds).
    pub fn add_busy(&mut self, place: usize, span: Range<u64>) {
        if place >= self.busy.len() {
            return;
        }
        self.last_end_us[place] = self.last_end_us[place].max(span.end);
        if span.end <= span.start {
            return;
        }
        while span.end / self.bucket_us >= MAX_BUCKETS as u64 {
            self.merge();
        }
        let w = self.bucket_us;
        let lane = &mut self.busy[place];
        let last = ((span.end - 1) / w) as usize;
        if lane.len() <= last {
            lane.resize(last + 1, 0);
        }
        for (b, cell) in lane
            .iter_mut()
            .enumerate()
            .take(last + 1)
            .skip((span.start / w) as usize)
        {
            let bucket = b as u64 * w..(b as u64 + 1) * w;
            *cell = cell.saturating_add(overlap(&bucket, &span) as u32);
        }
        self.busy_us[place] += span.end - span.start;
    }

    fn merge(&mut self) {
        for lane in &mut self.busy {
            let merged: Vec<u32> = lane
                .chunks(2)
                .map(|p| p.iter().fold(0u32, |a, &b| a.saturating_add(b)))
                .collect();
            *lane = merged;
        }
        self.bucket_us *= 2;
    }

    /// A process took `place` at `from_us`.
    pub fn begin_life(&mut self, place: usize, serial: u32, from_us: u64) {
        if self
            .lives
            .iter()
            .any(|l| l.serial == serial && l.to_us.is_none())
        {
            return;
        }
        self.lives.push(Life {
            place,
            serial,
            from_us,
            to_us: None,
            init: None,
        });
    }

    pub fn set_init(&mut self, serial: u32, init: Range<u64>) {
        if let Some(l) = self.lives.iter_mut().find(|l| l.serial == serial) {
            l.init = Some(init);
        }
    }

    /// The process `serial` left its place at `to_us`.
    pub fn end_life(&mut self, serial: u32, to_us: u64) {
        if let Some(l) = self
            .lives
            .iter_mut()
            .find(|l| l.serial == serial && l.to_us.is_none())
        {
            l.to_us = Some(to_us.max(l.from_us));
        }
    }

    /// Busy microseconds of `place` within `range`, from the buckets.
    pub fn busy_within(&self, place: usize, range: &Range<u64>) -> u64 {
        let w = self.bucket_us;
        let Some(lane) = self.busy.get(place) else {
            return 0;
        };
        let first = (range.start / w) as usize;
        let last = (range.end.saturating_sub(1) / w) as usize;
        lane.iter()
            .enumerate()
            .take(last + 1)
            .skip(first)
            .map(|(b, &busy)| {
                let bucket = b as u64 * w..(b as u64 + 1) * w;
                // Spread each bucket's busy time evenly over the bucket.
                busy as u64 * overlap(&bucket, range) / w
            })
            .sum()
    }

}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_merges_buckets_and_keeps_its_totals() {
        let mut lanes = Lanes::new(1);
        lanes.begin_life(0, 1, 0);
        lanes.add_busy(0, 0..1_000);
        lanes.add_busy(0, 9_000_000..10_000_000);
        assert!(lanes.busy[0].len() <= MAX_BUCKETS);
        assert_eq!(lanes.busy_us[0], 1_001_000);
        assert_eq!(lanes.busy_within(0, &(9_000_000..10_000_000)), 1_000_000);
    }
}
