//! Is a watched process held back by CPython's GIL? Read from its threads
//! over a window of tree samples.
//!
//! Under the GIL only one thread runs Python at a time. A thread that wants
//! it waits in a timed condition wait (5 ms, `sys.getswitchinterval()`), then
//! asks the holder to drop it: so the waiting threads sleep (state S, not R)
//! and each busy thread switches voluntarily a hundred times a second or
//! more, while their CPU adds up to about one core. Measured with CPython
//! 3.11 on this machine: three threads in a CPU-bound loop took 34% of a
//! core each and about 200 voluntary switches per second each. Threads that
//! sleep use no CPU; threads that really run in parallel (a free-threaded
//! build, or native code that releases the GIL) use more than one core.

use std::time::Duration;

use super::tree::{ProcId, ProcessSample, TreeSample};

/// A thread counts as wanting the CPU from this share of a core.
pub const BUSY_SHARE: f32 = 0.10;
/// The same on a machine with no free core, where a thread that wants the
/// CPU may get little of it (measured: 13% each for three threads beside
/// five CPU-bound processes on two cores).
pub const STARVED_BUSY_SHARE: f32 = 0.03;
/// Above this many cores the process runs threads in parallel: no GIL.
pub const MAX_CORES: f32 = 1.3;
/// Under the GIL, busy threads hand it over at least this often (per
/// second each); threads merely preempted by other programs do not.
pub const MIN_HANDOFFS: f32 = 30.0;
/// The busy threads together use at least this much of a core...
pub const MIN_CORES: f32 = 0.5;
/// ...or this much when the machine has no free core to give them.
pub const STARVED_MIN_CORES: f32 = 0.1;
/// The window must span at least this long for CPU ticks (10 ms) to tell.
pub const MIN_WINDOW: Duration = Duration::from_millis(300);

/// What the verdict is read with, besides the samples.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GilContext {
    /// The instrumentation reported a free-threaded interpreter
    /// (`sys._is_gil_enabled()` false): there is no GIL to blame.
    pub free_threaded: bool,
    /// Idle cores on the machine over the window (from the cores panel),
    /// if known. Below half a core, a process may get less than one core
    /// because others have it.
    pub free_cores: Option<f32>,
}

/// One busy thread of a process under the GIL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BusyThread {
    pub tid: u32,
    /// Share of one core over the window (1.0 = a whole core).
    pub share: f32,
    /// Voluntary context switches per second over the window.
    pub handoffs_per_sec: f32,
}

/// Several threads of one process take turns on about one core: the GIL.
#[derive(Debug, Clone, PartialEq)]
pub struct GilVerdict {
    pub id: ProcId,
    /// Cores the whole process used over the window.
    pub cores_used: f32,
    pub busy: Vec<BusyThread>,
    pub window: Duration,
}

/// The GIL verdict for one process over `window` (oldest sample first):
/// Some when two or more of its threads want the CPU, take turns (each
/// switches voluntarily at the GIL's rate) and together use about one core
/// (not clearly more). None otherwise, or when the process is free-threaded
/// or the window is too short.
pub fn gil_verdict(window: &[TreeSample], id: ProcId, ctx: GilContext) -> Option<GilVerdict> {
    if ctx.free_threaded {
        return None;
    }
    let mut seen = window
        .iter()
        .filter_map(|s| s.get(id).map(|p| (s.since_boot, p)));
    let (t0, first) = seen.next()?;
    let (t1, last) = seen.next_back()?;
    let span = t1.saturating_sub(t0);
    if span < MIN_WINDOW {
        return None;
    }
    let secs = span.as_secs_f32();
    let cores_used = last.cpu_time.saturating_sub(first.cpu_time).as_secs_f32() / secs;
    if cores_used > MAX_CORES {
        return None;
    }
    let starved = ctx.free_cores.is_some_and(|f| f < 0.5);
    let (min_share, min_cores) = if starved {
        (STARVED_BUSY_SHARE, STARVED_MIN_CORES)
    } else {
        (BUSY_SHARE, MIN_CORES)
    };
    let busy = busy_threads(first, last, secs, min_share);
    if busy.len() < 2 || busy.iter().any(|t| t.handoffs_per_sec < MIN_HANDOFFS) {
        return None;
    }
    let wanted: f32 = busy.iter().map(|t| t.share).sum();
    if wanted < min_cores {
        return None;
    }
    Some(GilVerdict {
        id,
        cores_used,
        busy,
        window: span,
    })
}

/// Threads present at both ends of the window that used at least
/// `min_share` of a core in between.
fn busy_threads(
    first: &ProcessSample,
    last: &ProcessSample,
    secs: f32,
    min_share: f32,
) -> Vec<BusyThread> {
    last.threads
        .iter()
        .filter_map(|t| {
            let t0 = first
                .threads
                .iter()
                .find(|o| o.tid == t.tid && o.start_ticks == t.start_ticks)?;
            let share = t.cpu_time.saturating_sub(t0.cpu_time).as_secs_f32() / secs;
            let switches = t.voluntary_switches.saturating_sub(t0.voluntary_switches);
            (share >= min_share).then_some(BusyThread {
                tid: t.tid,
                share,
                handoffs_per_sec: switches as f32 / secs,
            })
        })
        .collect()
}

/// The verdict for every process of the window's last sample that has one.
pub fn gil_verdicts(window: &[TreeSample], ctx: GilContext) -> Vec<GilVerdict> {
    let Some(last) = window.last() else {
        return Vec::new();
    };
    last.processes
        .iter()
        .filter(|p| p.thread_count > 1)
        .filter_map(|p| gil_verdict(window, p.id, ctx))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::run::kind::Kind;
    use crate::lab::run::tree::ThreadSample;
    use std::time::Instant;

    const ID: ProcId = ProcId {
        pid: 100,
        start_ticks: 1,
    };

    /// A process at `at` seconds whose threads have used `cpu` seconds and
    /// switched voluntarily `switches` times each.
    fn sample(at: f32, threads: &[(f32, u64)]) -> TreeSample {
        let threads: Vec<ThreadSample> = threads
            .iter()
            .enumerate()
            .map(|(i, &(cpu, switches))| ThreadSample {
                tid: 100 + i as u32,
                start_ticks: 1,
                name: "python3".into(),
                state: 'S',
                cpu_percent: 0.0,
                cpu_time: Duration::from_secs_f32(cpu),
                voluntary_switches: switches,
                involuntary_switches: 0,
            })
            .collect();
        let process = ProcessSample {
            id: ID,
            ppid: 1,
            pgid: 100,
            parent: None,
            depth: 0,
            orphan: false,
            kind: Kind::Main,
            label: None,
            comm: "python3".into(),
            cmdline: vec!["python3".into()],
            state: 'S',
            cpu_percent: 0.0,
            cpu_time: threads.iter().map(|t| t.cpu_time).sum(),
            rss_bytes: 0,
            thread_count: threads.len() as u32,
            threads,
            exitcode: None,
        };
        TreeSample {
            at: Instant::now(),
            since_boot: Duration::from_secs_f32(100.0 + at),
            processes: vec![process],
            ended: Vec::new(),
        }
    }

    const FREE: GilContext = GilContext {
        free_threaded: false,
        free_cores: Some(1.0),
    };

    #[test]
    fn threads_taking_turns_on_one_core_are_the_gil() {
        // Three threads, a third of a core each, 200 handoffs a second.
        let window = [
            sample(0.0, &[(0.0, 0), (0.0, 0), (0.0, 0), (0.0, 0)]),
            sample(1.0, &[(0.01, 2), (0.33, 200), (0.33, 200), (0.33, 200)]),
        ];
        let v = gil_verdict(&window, ID, FREE).unwrap();
        assert_eq!(v.busy.len(), 3);
        assert!((v.cores_used - 1.0).abs() < 0.01);
        assert_eq!(gil_verdicts(&window, FREE), vec![v]);
        let ft = GilContext {
            free_threaded: true,
            ..FREE
        };
        assert_eq!(gil_verdict(&window, ID, ft), None);
        // Too short a window to tell.
        let short = [
            window[0].clone(),
            sample(0.2, &[(0.0, 0), (0.07, 40), (0.07, 40)]),
        ];
        assert_eq!(gil_verdict(&short, ID, FREE), None);
    }

    #[test]
    fn parallel_sleeping_or_preempted_threads_are_not() {
        let start = sample(0.0, &[(0.0, 0), (0.0, 0), (0.0, 0)]);
        // Two cores' worth: really parallel.
        let parallel = [
            start.clone(),
            sample(1.0, &[(0.0, 0), (0.95, 150), (0.95, 150)]),
        ];
        assert_eq!(gil_verdict(&parallel, ID, FREE), None);
        // Asleep: no CPU.
        let asleep = [start.clone(), sample(1.0, &[(0.0, 1), (0.0, 1), (0.0, 1)])];
        assert_eq!(gil_verdict(&asleep, ID, FREE), None);
        // On a busy machine, sharing a core without handing anything over:
        // preempted by other programs, not waiting for a GIL.
        let starved = GilContext {
            free_threaded: false,
            free_cores: Some(0.0),
        };
        let preempted = [start.clone(), sample(1.0, &[(0.0, 0), (0.3, 2), (0.3, 2)])];
        assert_eq!(gil_verdict(&preempted, ID, starved), None);
        // The same shares handing over at the GIL's rate are the GIL, even
        // on a busy machine that gives the process little.
        let turns = [
            start.clone(),
            sample(1.0, &[(0.0, 0), (0.08, 150), (0.08, 150)]),
        ];
        assert!(gil_verdict(&turns, ID, starved).is_some());
        assert_eq!(
            gil_verdict(&turns, ID, FREE),
            None,
            "with cores free, 16% is not wanting the CPU"
        );
    }
}
