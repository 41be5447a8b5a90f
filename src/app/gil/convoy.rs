//! The convoy effect in figures: the I/O thread's blocking calls per second,
//! measured live and remembered for each mode and number of CPU-bound
//! workers beside it (bpo-7946: an I/O thread beside CPU-bound threads waits
//! up to a switch interval for the GIL after every blocking call).

use std::collections::VecDeque;

use crate::lab::gil::Mode;

/// Time the set-up must stay the same before its rate is remembered.
const STEADY_NS: u64 = 2_000_000_000;
/// The span the live rate is measured over.
const WINDOW_NS: u64 = 1_000_000_000;

/// A set-up the rate depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConvoyKey {
    pub mode: Mode,
    /// CPU-bound workers running beside the I/O thread.
    pub cpu_workers: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvoyMeter {
    pub key: Option<ConvoyKey>,
    /// (time, operations done) readings, oldest first.
    samples: VecDeque<(u64, u64)>,
    since_ns: u64,
    /// Operations per second over the last second, once measured.
    pub rate: Option<f64>,
    /// The steady rate of each set-up seen, in the order first seen.
    pub figures: Vec<(ConvoyKey, f64)>,
}

impl ConvoyMeter {
    /// Takes a reading: the I/O thread has done `ops` operations by `now_ns`
    /// in set-up `key` (None: no I/O thread running).
    pub fn observe(&mut self, now_ns: u64, key: Option<ConvoyKey>, ops: u64) {
        let went_back = self.samples.back().is_some_and(|&(_, o)| ops < o);
        if key != self.key || went_back || key.is_none() {
            self.key = key;
            self.samples.clear();
            self.rate = None;
            self.since_ns = now_ns;
            if key.is_some() {
                self.samples.push_back((now_ns, ops));
            }
            return;
        }
        self.samples.push_back((now_ns, ops));
        while self.samples.len() > 2 && self.samples[1].0 + WINDOW_NS <= now_ns {
            self.samples.pop_front();
        }
        let (t0, o0) = self.samples[0];
        if now_ns >= t0 + WINDOW_NS / 2 {
            self.rate = Some((ops - o0) as f64 * 1e9 / (now_ns - t0) as f64);
        }
        if let (Some(key), Some(rate)) = (key, self.rate)
            && now_ns >= self.since_ns + STEADY_NS
        {
            match self.figures.iter_mut().find(|(k, _)| *k == key) {
                Some(f) => f.1 = rate,
                None => self.figures.push((key, rate)),
            }
        }
    }

    /// The remembered rates of one mode, by CPU workers, fewest first.
    pub fn figures_of(&self, mode: Mode) -> Vec<(usize, f64)> {
        let mut out: Vec<(usize, f64)> = self
            .figures
            .iter()
            .filter(|(k, _)| k.mode == mode)
            .map(|(k, r)| (k.cpu_workers, *r))
            .collect();
        out.sort_by_key(|&(n, _)| n);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn a_steady_rate_is_measured_and_remembered() {
        let mut m = ConvoyMeter::default();
        let key = Some(ConvoyKey {
            mode: Mode::Threads,
            cpu_workers: 1,
        });
        for tenth in 0..=30u64 {
            m.observe(tenth * S / 10, key, tenth * 20); // 200 ops/s
        }
        assert!((m.rate.unwrap() - 200.0).abs() < 1.0);
        assert_eq!(m.figures_of(Mode::Threads).len(), 1);
        assert!(m.figures_of(Mode::Processes).is_empty());
    }

    #[test]
    fn a_new_set_up_starts_a_new_measure() {
        let mut m = ConvoyMeter::default();
        let one = Some(ConvoyKey {
            mode: Mode::Threads,
            cpu_workers: 1,
        });
        let two = Some(ConvoyKey {
            mode: Mode::Threads,
            cpu_workers: 2,
        });
        m.observe(0, one, 0);
        m.observe(S, one, 100);
        assert!(m.rate.is_some());
        m.observe(S + 1, two, 100);
        assert_eq!(m.rate, None);
        assert!(m.figures.is_empty(), "one second is not steady yet");
    }
}
