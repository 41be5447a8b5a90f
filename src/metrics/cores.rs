//! Per-core load, from `/proc/stat`: the kernel's count of the time each
//! core spent busy and idle since boot, read twice; the load is the busy
//! share of the time between the readings, as `top` and htop compute it.

/// Load of every core, in percent of that core, in core order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreLoad {
    pub percent: Vec<f32>,
}

impl CoreLoad {
    /// The total, in percent of one core (200 = two cores busy).
    pub fn total(&self) -> f32 {
        self.percent.iter().sum()
    }
}

/// One core's times since boot, in clock ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreTimes {
    /// Idle and waiting for I/O.
    pub idle: u64,
    /// Everything: user, nice, system, idle, iowait, irq, softirq, steal.
    /// (guest and guest_nice are already counted in user and nice.)
    pub total: u64,
}

/// Each core's times from the text of `/proc/stat` (its `cpuN` lines; the
/// `cpu` line of the whole machine is left out).
pub fn parse_proc_stat(text: &str) -> Vec<CoreTimes> {
    text.lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .map(|l| {
            let fields: Vec<u64> = l
                .split_whitespace()
                .skip(1)
                .take(8)
                .map(|f| f.parse().unwrap_or(0))
                .collect();
            let field = |i: usize| fields.get(i).copied().unwrap_or(0);
            CoreTimes {
                idle: field(3) + field(4),
                total: fields.iter().sum(),
            }
        })
        .collect()
}

/// Reads each core's load since the previous reading.
#[derive(Debug, Default)]
pub struct CoreSampler {
    last: Vec<CoreTimes>,
}

impl CoreSampler {
    /// A sampler that has read the counters once: its first sample tells
    /// the load since now.
    pub fn new() -> CoreSampler {
        let mut sampler = CoreSampler::default();
        sampler.sample();
        sampler
    }

    /// The load of every core since the last call (zero on the first, or
    /// if `/proc/stat` cannot be read).
    pub fn sample(&mut self) -> CoreLoad {
        let now = std::fs::read_to_string("/proc/stat")
            .map(|t| parse_proc_stat(&t))
            .unwrap_or_default();
        let load = load_between(&self.last, &now);
        self.last = now;
        load
    }
}

/// The busy share of each core between two readings, in percent.
pub fn load_between(before: &[CoreTimes], after: &[CoreTimes]) -> CoreLoad {
    let percent = after
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let b = before.get(i).copied().unwrap_or(*a);
            let total = a.total.saturating_sub(b.total);
            let idle = a.idle.saturating_sub(b.idle).min(total);
            if total == 0 {
                0.0
            } else {
                (100.0 * (total - idle) as f64 / total as f64) as f32
            }
        })
        .collect();
    CoreLoad { percent }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "cpu  300 0 100 600 0 0 0 0 0 0\n\
                          cpu0 100 0 50 350 0 0 0 0 0 0\n\
                          cpu1 200 0 50 250 0 0 0 0 0 0\n\
                          intr 1 2 3\n";
    const AFTER: &str = "cpu  450 0 100 850 0 0 0 0 0 0\n\
                         cpu0 100 0 50 450 0 0 0 0 0 0\n\
                         cpu1 300 0 50 275 25 0 0 0 0 0\n";

    #[test]
    fn each_core_is_read_and_the_machine_line_left_out() {
        let cores = parse_proc_stat(BEFORE);
        assert_eq!(
            cores,
            vec![
                CoreTimes {
                    idle: 350,
                    total: 500
                },
                CoreTimes {
                    idle: 250,
                    total: 500
                },
            ]
        );
    }

    #[test]
    fn the_load_is_the_busy_share_between_two_readings() {
        let load = load_between(&parse_proc_stat(BEFORE), &parse_proc_stat(AFTER));
        // cpu0 was idle for all 100 ticks; cpu1 busy for 100 of 150 (iowait
        // counts as idle).
        assert_eq!(load.percent.len(), 2);
        assert_eq!(load.percent[0], 0.0);
        assert!((load.percent[1] - 66.666_67).abs() < 0.01, "{load:?}");
        // No earlier reading: no load rather than the load since boot.
        assert_eq!(
            load_between(&[], &parse_proc_stat(AFTER)).percent,
            vec![0.0, 0.0]
        );
    }

    #[test]
    fn a_busy_thread_shows_as_load() {
        let mut sampler = CoreSampler::new();
        // Busy for half a second: whatever else the machine runs, the cores
        // together were busy at least while this thread ran.
        let start = std::time::Instant::now();
        let mut spins = 0u64;
        while start.elapsed() < std::time::Duration::from_millis(500) {
            spins = std::hint::black_box(spins + 1);
        }
        let load = sampler.sample();
        assert!(load.total() >= 30.0, "{load:?} after {spins} spins");
        assert!(load.percent.iter().all(|p| (0.0..=100.0).contains(p)));
    }

    #[test]
    fn this_machine_has_a_line_per_core() {
        let text = std::fs::read_to_string("/proc/stat").unwrap();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(parse_proc_stat(&text).len() >= cores);
    }
}
