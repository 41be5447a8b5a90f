//! Every Python line proclab can show, and what backs it: the code as a
//! template, the fact it states, the CPython program that witnesses it
//! (`tests/python/FILE.py`, one case of it, and what that case must
//! report), and what the lab itself does for the same action.
//!
//! The table is data: `tests/truth.rs` runs every witness with `python3`,
//! checks each claim's expected outcome, compares the lab with CPython
//! where the lab acts, and parses every template filled with sample
//! values. A Python line that is not here has no witness, so the narration
//! takes its lines from here (`Lifecycle::Terminate.fill(&[("p", "p3")])`).
//!
//! Templates name their holes in braces: `{p}` is a process's variable
//! (`p3`); [`PLACEHOLDERS`] lists them all with a sample value.

mod comms;
mod counter;
mod gil;
mod lessons;
mod lifecycle;
mod pool;
mod sync;

pub use self::comms::{Pipe, Pipeline, Queue};
pub use self::counter::Counter;
pub use self::gil::Gil;
pub use self::lessons::Lesson;
pub use self::lifecycle::Lifecycle;
pub use self::pool::Pool;
pub use self::sync::Sync;

/// One claim: the code shown and everything that backs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The code as shown, with `{name}` holes (see [`PLACEHOLDERS`]).
    pub code: &'static str,
    /// What CPython does, in words: what the screen may say about it.
    pub fact: &'static str,
    /// The cases that show it, each with what it must report.
    pub witness: &'static [Witness],
    /// What the lab does for the same action.
    pub lab: Lab,
    pub lang: Lang,
}

/// A case of a witness program and the outcome the claim needs from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Witness {
    /// `tests/python/{file}.py`.
    pub file: &'static str,
    pub case: &'static str,
    /// A JSON object every key of which the case's result must hold with
    /// the same value (other keys of the result are free).
    pub expect: &'static str,
}

/// What the code is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Python statements: every template parses once filled.
    Python,
    /// A shell command line (`python3 prog.py`).
    Shell,
}

/// What the lab does for the same action as the claim's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lab {
    /// Nothing of its own: the line is about Python alone.
    Nothing,
    /// The lab does what CPython does: the suite runs the check and
    /// requires the same outcome as the witness.
    Same(LabCheck),
    /// The lab does something else today, said here; the suite runs the
    /// check and requires that it still differs, so that a fix of the lab
    /// shows up as a failure that turns this into [`Lab::Same`].
    Differs(LabCheck, &'static str),
}

/// An action done with the engine (`proclab::lab`) and read back as the
/// same JSON a witness case reports, so the two can be compared key by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabCheck {
    /// A worker that is started: `{"is_alive": true, "exitcode": null}`.
    Start,
    /// Exit codes after return, raise, `sys.exit(3)`, SIGTERM, SIGKILL.
    ExitReturn,
    ExitRaise,
    ExitSysExit,
    Terminate,
    Kill,
    /// SIGSTOP (state T) and SIGCONT (runs again).
    PauseResume,
    /// SIGTERM to a stopped worker: pending until SIGCONT.
    TerminateStopped,
    KillStopped,
    /// An ended worker stays Z until joined, and join reaps it.
    Zombie,
    /// `join(timeout)` on a running worker returns with it still alive.
    JoinTimeout,
    /// `is_alive()` on a zombie reaps it.
    IsAliveReaps,
    /// Quit with a daemon and a non-daemon worker alive.
    AtExit,
    /// A duplex pipe: one end terminated, the other's `recv()`.
    PipeEof,
    /// A one-way pipe: the reader killed, the writer's `send()`.
    PipeBroken,
    /// The pipeline's sentinel: every stage returns 0.
    PipelineSentinel,
    /// The pipeline's fetch terminated: process meets EOF, save returns.
    PipelineEof,
    /// Producers stopped, a sentinel per consumer: all return 0.
    QueueShutdown,
    /// A consumer terminated holding an item: `q.join()` never returns.
    QueueLost,
    /// `Pool.map`'s chunks for several sizes.
    PoolChunks,
    /// The order results reach the caller, per method.
    PoolOrder,
    /// A Pool worker killed mid-job: the job hangs.
    PoolKilled,
    /// A ProcessPoolExecutor worker killed mid-job: BrokenProcessPool.
    ExecutorKilled,
    /// `maxtasksperchild`: retired workers exit 0.
    PoolRetire,
    /// A ProcessPoolExecutor with `max_tasks_per_child=5`, 20 tasks.
    ExecutorMaxTasks,
    /// `pool.terminate()` mid-job: -15 each, the results never come.
    PoolTerminated,
    /// An executor's workers terminated mid-job: BrokenProcessPool.
    ExecutorTerminated,
    /// The racy counter's default runs lose updates, by varying amounts.
    CounterRacy,
    /// The locked counter is exact.
    CounterLocked,
    /// The manager's counter is exact.
    CounterManager,
    /// A worker whose manager dies ends with exitcode 1.
    CounterManagerLost,
    /// A Semaphore(k) never lets more than k in.
    SemaphoreLimit,
    /// A worker killed holding a permit takes it with it.
    SemaphoreHolderKilled,
    /// A barrier with a party missing holds everyone.
    BarrierMissing,
    /// A party killed inside `b.wait()`, then the others arrive.
    BarrierDeadWaiter,
}

/// The holes a template may have, with a sample value and what fills it.
pub const PLACEHOLDERS: &[(&str, &str, &str)] = &[
    ("p", "p3", "a process's variable: p and the worker's number"),
    ("p2", "p4", "a second process's variable"),
    ("t", "t2", "a thread's variable: t and the thread's number"),
    ("id", "3", "a worker's number"),
    ("n", "2", "a count of workers, parties or items"),
    ("k", "2", "a semaphore's permits"),
    ("code", "-15", "an exitcode"),
    ("rate", "20", "items per second"),
    ("s", "0.005", "seconds, as Python writes them"),
    ("target", "clean_order", "a worker's target function"),
    ("pid", "41233", "a process id"),
    ("items", "2000", "the items of a pool job"),
    ("chunk", ", chunksize=1", "a chunksize argument, or nothing"),
    ("max", "5", "maxtasksperchild"),
    (
        "options",
        ", initializer=init, maxtasksperchild=5",
        "a pool's keyword arguments, or nothing",
    ),
    ("letter", "B", "a pool worker's letter"),
    ("stage", "fetch", "a pipeline stage: fetch, process or save"),
    ("bool", "True", "True or False"),
    ("names", "p1, p2", "processes named in a comment"),
    (
        "ended",
        "p3.terminate()",
        "how a worker ended: p3.terminate(), p3.kill() or p3.exitcode == 1",
    ),
    (
        "count",
        "1,000,000",
        "a number in a comment, with separators",
    ),
    ("time", "1.24 s", "a duration in a comment"),
    ("run", "3", "a run's number"),
    (
        "call",
        "results = pool.map(work, range(2000))",
        "a pool call",
    ),
];

/// Fills a template's holes: `fill("{p}.start()", &[("p", "p3")])`.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The holes a template has, in order, each once.
pub fn holes(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + len];
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &rest[open + len + 1..];
    }
    out
}

/// A template filled with every hole's sample value.
pub fn sample(template: &str) -> String {
    let values: Vec<(&str, &str)> = PLACEHOLDERS.iter().map(|&(n, v, _)| (n, v)).collect();
    fill(template, &values)
}

/// A witness case: `w("lifecycle", "exitcode_kill", r#"{"exitcode": -9}"#)`.
pub(crate) const fn w(file: &'static str, case: &'static str, expect: &'static str) -> Witness {
    Witness { file, case, expect }
}

/// A Python claim.
pub(crate) const fn py(
    code: &'static str,
    fact: &'static str,
    witness: &'static [Witness],
    lab: Lab,
) -> Entry {
    Entry {
        code,
        fact,
        witness,
        lab,
        lang: Lang::Python,
    }
}

/// A shell command line.
pub(crate) const fn shell(
    code: &'static str,
    fact: &'static str,
    witness: &'static [Witness],
    lab: Lab,
) -> Entry {
    Entry {
        lang: Lang::Shell,
        ..py(code, fact, witness, lab)
    }
}

/// Declares one area's claims as an enum whose variants index a table.
macro_rules! claims {
    ($(#[doc = $doc:literal])* $name:ident { $( $(#[doc = $vdoc:literal])* $id:ident => $entry:expr, )* }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[doc = $vdoc])* $id, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$id),*];
            const ENTRIES: &'static [$crate::app::claims::Entry] = &[$($entry),*];

            pub fn entry(self) -> &'static $crate::app::claims::Entry {
                &Self::ENTRIES[self as usize]
            }

            pub fn name(self) -> &'static str {
                match self { $($name::$id => stringify!($id)),* }
            }

            /// The code as a template.
            pub fn code(self) -> &'static str {
                self.entry().code
            }

            /// The code with its holes filled.
            pub fn fill(self, values: &[(&str, &str)]) -> String {
                $crate::app::claims::fill(self.code(), values)
            }
        }
    };
}
pub(crate) use claims;

/// A claim of any area, by its area and name (`Lifecycle::Terminate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    pub area: &'static str,
    pub name: &'static str,
    pub entry: &'static Entry,
}

/// Every claim of every area.
pub fn all() -> Vec<Named> {
    fn area<T: Copy>(
        out: &mut Vec<Named>,
        area: &'static str,
        all: &'static [T],
        name: fn(T) -> &'static str,
        entry: fn(T) -> &'static Entry,
    ) {
        out.extend(all.iter().map(|&c| Named {
            area,
            name: name(c),
            entry: entry(c),
        }));
    }
    let mut out = Vec::new();
    area(
        &mut out,
        "Lifecycle",
        Lifecycle::ALL,
        Lifecycle::name,
        Lifecycle::entry,
    );
    area(&mut out, "Queue", Queue::ALL, Queue::name, Queue::entry);
    area(&mut out, "Pipe", Pipe::ALL, Pipe::name, Pipe::entry);
    area(
        &mut out,
        "Pipeline",
        Pipeline::ALL,
        Pipeline::name,
        Pipeline::entry,
    );
    area(
        &mut out,
        "Counter",
        Counter::ALL,
        Counter::name,
        Counter::entry,
    );
    area(&mut out, "Gil", Gil::ALL, Gil::name, Gil::entry);
    area(&mut out, "Pool", Pool::ALL, Pool::name, Pool::entry);
    area(&mut out, "Sync", Sync::ALL, Sync::name, Sync::entry);
    area(&mut out, "Lesson", Lesson::ALL, Lesson::name, Lesson::entry);
    out
}

/// Claims that no program on this machine can witness, and why. Kept to
/// exactly these: the suite fails for any other claim without a witness.
pub const UNWITNESSED: &[(&str, &str)] = &[
    (
        "Gil::FreeThreadedInterpreter",
        "needs a free-threaded CPython (3.13t or later), which this machine does not have",
    ),
    (
        "Gil::FreeThreadMode",
        "needs a free-threaded CPython (3.13t or later), which this machine does not have",
    ),
    (
        "Lesson::FreeThreads",
        "needs a free-threaded CPython (3.13t or later), which this machine does not have",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_name_their_holes() {
        assert_eq!(
            fill(
                "{p}.join()  # {p}.exitcode == {code}",
                &[("p", "p3"), ("code", "-15")]
            ),
            "p3.join()  # p3.exitcode == -15"
        );
        assert_eq!(holes("{p}.join()  # {p}.exitcode == {code}"), ["p", "code"]);
        assert_eq!(Lifecycle::Terminate.fill(&[("p", "p2")]), "p2.terminate()");
    }

    #[test]
    fn every_hole_has_a_sample_and_every_claim_a_unique_code() {
        let known: Vec<&str> = PLACEHOLDERS.iter().map(|p| p.0).collect();
        let mut codes = std::collections::HashSet::new();
        for c in all() {
            for h in holes(c.entry.code) {
                assert!(
                    known.contains(&h),
                    "{}::{}: no sample for {{{h}}}",
                    c.area,
                    c.name
                );
            }
            assert!(
                codes.insert(c.entry.code),
                "{}::{} repeats a code",
                c.area,
                c.name
            );
        }
    }
}
