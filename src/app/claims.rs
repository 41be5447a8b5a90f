//! Every Python line proclab can show, and what backs it: the code as a
//! template, the fact it states, the CPython program that witnesses it
//! (`tests/python/FILE.py`, one case of it, and what that case must
//! report), and what the lab itself does for the same action.
//!
//! The claims are data, one table per area, declared with [`claims!`]:
//! each lab keeps its own in `src/app/<lab>/claims.rs` (its lines, its
//! panel's and its lessons') and names them in its `AppLab::CLAIMS`;
//! [`tables`] gathers every lab's from the registry. `tests/truth.rs` runs
//! every witness with `python3`, checks each claim's expected outcome,
//! compares the lab with CPython where the lab acts, parses every template
//! filled with sample values, matches the lessons' Python against the
//! templates, and fails on Python written anywhere else in `src/`: the
//! screen takes its lines from here
//! (`Lifecycle::Terminate.fill(&[("p", "p3")])`).
//!
//! Templates name their holes in braces: `{p}` is a process's variable
//! (`p3`); [`PLACEHOLDERS`] lists them all with a sample value.

mod condition;
mod lessons;
mod managers;
mod pickling;
mod pool_api;
mod rlock;
mod run;
mod start_methods;

mod checks;

pub use self::checks::LabCheck;
pub use self::condition::ConditionArray;
pub use self::lessons::Lesson;
pub use self::managers::Managers;
pub use self::pickling::Pickling;
pub use self::pool_api::PoolApi;
pub use self::rlock::Reentry;
pub use self::run::Run;
pub use self::start_methods::StartMethods;
// Each lab keeps its claims in its folder; the run view and the shared
// narration show some of them, and take them from here.
pub use super::gil::claims::Gil;
pub use super::lifecycle::claims::Lifecycle;
pub use super::pipe::claims::Pipe;
pub use super::pipeline::claims::Pipeline;
pub use super::pool::claims::Pool;
pub use super::queue::claims::Queue;

/// The tables not in a lab's folder: the lessons', the run view's and
/// those of the course's programs the lessons run in the run view.
const NOT_IN_A_LAB: &[Table] = &[
    Lesson::TABLE,
    Run::TABLE,
    StartMethods::TABLE,
    Pickling::TABLE,
    ConditionArray::TABLE,
    Reentry::TABLE,
    Managers::TABLE,
    PoolApi::TABLE,
];

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
    /// Why no program on this machine can witness it, for the few claims
    /// with no witness (a free-threaded CPython, say); None for the others.
    pub unwitnessed: Option<&'static str>,
}

impl Entry {
    /// The same claim, with why no program here can witness it.
    pub const fn unwitnessed(self, why: &'static str) -> Entry {
        Entry {
            unwitnessed: Some(why),
            ..self
        }
    }
}

/// One area's claims, as [`claims!`] declares them: its name (`Counter`),
/// and its claims' names and entries, in order.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub area: &'static str,
    pub names: &'static [&'static str],
    pub entries: &'static [Entry],
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
    ("end", "r", "the end of a pipe a process uses: r, w, a or b"),
    ("other", "w", "the end at the other side of the pipe"),
    ("bool", "True", "True or False"),
    (
        "names",
        "p1, p2",
        "processes named in a comment (the parent, p2, ...)",
    ),
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
    ("node", "node2", "a Celery node's name, before the @"),
    ("task", "count_primes", "a Celery task's function"),
    ("arg", "300000", "a task's argument, as Python writes it"),
    ("port", "6379", "a TCP port"),
    ("api", "map", "a Pool method the program called"),
    ("func", "square", "a function the program passed"),
    ("tc", "'i'", "a shared value's type code"),
    ("value", "0", "a shared value's first value"),
    ("conn", "w", "a Connection end"),
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
        unwitnessed: None,
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
            /// The area's table, for its lab's `AppLab::CLAIMS`.
            pub const TABLE: $crate::app::claims::Table = $crate::app::claims::Table {
                area: stringify!($name),
                names: &[$(stringify!($id)),*],
                entries: Self::ENTRIES,
            };

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

// Every lab's tables, by the registry: `tables()` lists each lab's
// `AppLab::CLAIMS` in the registry's order, then [`NOT_IN_A_LAB`].
macro_rules! lab_tables {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $($rest:tt)*) ),* $(,)?) => {
        /// Every table: each lab's, in the registry's order, then those not
        /// yet in a lab's folder.
        pub fn tables() -> Vec<&'static Table> {
            let mut out: Vec<&'static Table> = Vec::new();
            $( out.extend(<super::$m::$State as super::labs::AppLab>::CLAIMS.iter()); )*
            out.extend(NOT_IN_A_LAB.iter());
            out
        }
    };
}
crate::registry::for_each_lab!(lab_tables);

/// Every claim of every area.
pub fn all() -> Vec<Named> {
    tables()
        .into_iter()
        .flat_map(|t| {
            t.names.iter().zip(t.entries).map(|(&name, entry)| Named {
                area: t.area,
                name,
                entry,
            })
        })
        .collect()
}

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
        assert_eq!(fill("{p}.terminate()", &[("p", "p2")]), "p2.terminate()");
    }

    #[test]
    fn every_area_is_gathered_once() {
        let areas: Vec<&str> = tables().iter().map(|t| t.area).collect();
        for (i, a) in areas.iter().enumerate() {
            assert!(!areas[i + 1..].contains(a), "{a} twice");
        }
        for t in tables() {
            assert_eq!(t.names.len(), t.entries.len(), "{}", t.area);
        }
        assert!(areas.len() >= 9, "{areas:?}");
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
