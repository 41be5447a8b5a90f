//! Per-process CPU and state, from `/proc`.
//!
//! Only the pids asked for are read: proclab's own workers, never a scan of
//! every process on the machine.

use std::collections::HashMap;
use std::time::Instant;

use super::procstat::{self, ProcStat};

/// One process, as sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcLoad {
    pub pid: u32,
    /// The kernel's state letter (R, S, T, Z ...).
    pub state: char,
    /// CPU since the previous sample, in percent of one core.
    pub cpu_percent: f32,
    pub threads: u32,
    pub rss_bytes: u64,
}

/// Turns successive `/proc` readings into CPU percentages.
#[derive(Debug)]
pub struct ProcSampler {
    prev: HashMap<u32, (u64, Instant)>,
    ticks_per_second: f64,
    page_size: u64,
}

impl Default for ProcSampler {
    fn default() -> Self {
        ProcSampler::new()
    }
}

impl ProcSampler {
    pub fn new() -> ProcSampler {
        ProcSampler {
            prev: HashMap::new(),
            ticks_per_second: procstat::ticks_per_second() as f64,
            page_size: procstat::page_size(),
        }
    }

    /// Reads each pid; pids that no longer exist are left out.
    pub fn sample(&mut self, pids: &[u32]) -> Vec<ProcLoad> {
        let now = Instant::now();
        let mut out = Vec::with_capacity(pids.len());
        let mut next = HashMap::with_capacity(pids.len());
        for &pid in pids {
            let Some(stat) = procstat::read_process(pid) else {
                continue;
            };
            out.push(self.load(pid, &stat, now));
            next.insert(pid, (stat.cpu_ticks, now));
        }
        self.prev = next;
        out
    }

    fn load(&self, pid: u32, stat: &ProcStat, now: Instant) -> ProcLoad {
        let cpu_percent = match self.prev.get(&pid) {
            Some(&(ticks, then)) => {
                let secs = now.duration_since(then).as_secs_f64();
                let used = stat.cpu_ticks.saturating_sub(ticks) as f64 / self.ticks_per_second;
                if secs > 0.0 {
                    (used / secs * 100.0) as f32
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        ProcLoad {
            pid,
            state: stat.state,
            cpu_percent,
            threads: stat.threads,
            rss_bytes: stat.rss_pages * self.page_size,
        }
    }
}
