//! The sampler thread: reads cores and watched processes on its own cadence
//! and hands each [`Sample`] to a sink (the UI's event channel).

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{CoreLoad, CoreSampler, ProcLoad, ProcSampler, ThreadLoad, ThreadSampler};
use parking_lot::Mutex;

/// The shortest time between two readings of the cores: the kernel counts
/// in clock ticks (10 ms), so a shorter window would show a load in steps
/// of several percent.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// The pids the sampler reads, set by whoever owns the workers.
pub type Watched = Arc<Mutex<Vec<u32>>>;

/// One reading of everything sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub at: Instant,
    /// None when this sample came too soon after the last core reading
    /// (a poke) to measure core load.
    pub cores: Option<CoreLoad>,
    pub procs: Vec<ProcLoad>,
    /// The threads of watched processes that have more than one.
    pub threads: Vec<ThreadLoad>,
}

enum Msg {
    Poke,
}

/// A running sampler thread; stops promptly when dropped.
pub struct Sampler {
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    watched: Watched,
}

impl Sampler {
    /// Starts sampling every `interval` (at least [`MIN_INTERVAL`]),
    /// passing each sample to `sink` until it returns false.
    pub fn spawn(
        interval: Duration,
        mut sink: impl FnMut(Sample) -> bool + Send + 'static,
    ) -> std::io::Result<Sampler> {
        let interval = interval.max(MIN_INTERVAL);
        let watched: Watched = Arc::default();
        let (tx, rx) = mpsc::channel();
        let pids = watched.clone();
        let thread = std::thread::Builder::new()
            .name("proclab-sampler".into())
            .spawn(move || {
                // Load is a difference between two readings: the first is
                // taken now.
                let mut cores = CoreSampler::new();
                let mut procs = ProcSampler::new();
                let mut threads = ThreadSampler::new();
                let mut last_cores = Instant::now();
                let mut next = Instant::now() + interval;
                loop {
                    let wait = next.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(wait) {
                        Ok(Msg::Poke) | Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    let now = Instant::now();
                    let core_load = if now.duration_since(last_cores) >= interval {
                        last_cores = now;
                        next = now + interval;
                        Some(cores.sample())
                    } else {
                        None
                    };
                    if now >= next {
                        next = now + interval;
                    }
                    let list = pids.lock().clone();
                    let loads = procs.sample(&list);
                    let multi: Vec<u32> = loads
                        .iter()
                        .filter(|p| p.threads > 1)
                        .map(|p| p.pid)
                        .collect();
                    let sample = Sample {
                        at: now,
                        cores: core_load,
                        threads: threads.sample(&multi),
                        procs: loads,
                    };
                    if !sink(sample) {
                        return;
                    }
                }
            })?;
        Ok(Sampler {
            tx: Some(tx),
            thread: Some(thread),
            watched,
        })
    }

    /// The list of pids to read; replace its contents to change what is watched.
    pub fn watched(&self) -> &Watched {
        &self.watched
    }

    /// Asks for a sample now (process states; cores only if due).
    pub fn poke(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Poke);
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
