//! Per-thread CPU and state, from `/proc/PID/task/TID/stat`: the threads of
//! an interpreter process, which the process table shows as one row.

use std::collections::HashMap;
use std::time::Instant;

use super::procstat;

/// One thread, as sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreadLoad {
    pub pid: u32,
    pub tid: u32,
    /// The kernel's state letter for this thread alone.
    pub state: char,
    /// CPU since the previous sample, in percent of one core.
    pub cpu_percent: f32,
}

/// Turns successive readings of threads into CPU percentages.
#[derive(Debug)]
pub struct ThreadSampler {
    prev: HashMap<u32, (u64, Instant)>,
    ticks_per_second: f64,
}

impl Default for ThreadSampler {
    fn default() -> Self {
        ThreadSampler::new()
    }
}

impl ThreadSampler {
    pub fn new() -> ThreadSampler {
        ThreadSampler {
            prev: HashMap::new(),
            ticks_per_second: procstat::ticks_per_second() as f64,
        }
    }

    /// Reads every thread of each pid; threads that are gone are left out.
    pub fn sample(&mut self, pids: &[u32]) -> Vec<ThreadLoad> {
        let now = Instant::now();
        let mut out = Vec::new();
        let mut next = HashMap::new();
        for &pid in pids {
            for tid in procstat::thread_ids(pid) {
                let Some(stat) = procstat::read_thread(pid, tid) else {
                    continue;
                };
                let cpu_percent = match self.prev.get(&tid) {
                    Some(&(ticks, then)) => {
                        let secs = now.duration_since(then).as_secs_f64();
                        let used =
                            stat.cpu_ticks.saturating_sub(ticks) as f64 / self.ticks_per_second;
                        if secs > 0.0 {
                            (used / secs * 100.0) as f32
                        } else {
                            0.0
                        }
                    }
                    None => 0.0,
                };
                out.push(ThreadLoad {
                    pid,
                    tid,
                    state: stat.state,
                    cpu_percent,
                });
                next.insert(tid, (stat.cpu_ticks, now));
            }
        }
        self.prev = next;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_thread_that_runs() {
        let me = std::process::id();
        let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
        let mut s = ThreadSampler::new();
        let threads = s.sample(&[me]);
        let mine = threads.iter().find(|t| t.tid == tid).expect("this thread");
        assert_eq!(mine.pid, me);
        assert_eq!(mine.state, 'R');
    }
}
