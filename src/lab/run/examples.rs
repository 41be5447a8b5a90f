//! The course's example programs (`examples/python/`), shipped inside the
//! binary so that a lab's `R` or a lesson can run the real counterpart of
//! what it shows from any folder: each is written into a private folder
//! and run there with `python3`, with arguments that make it last long
//! enough to watch.

use std::ffi::OsString;

use super::RunSpec;
use super::instrument::PrivateDir;

/// One example program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// Its file name, as the labs and lessons name it.
    pub file: &'static str,
    pub source: &'static str,
    /// Arguments that make it run for a few seconds, so it can be watched
    /// (run with none, each finishes in well under a second).
    pub args: &'static [&'static str],
    /// What the program is, in a few words (its docstring's title; what
    /// Python does in it is for the view and the claims to say).
    pub about: &'static str,
}

macro_rules! example {
    ($file:literal, [$($arg:literal),*], $about:literal) => {
        Example {
            file: $file,
            source: include_str!(concat!("../../../examples/python/", $file)),
            args: &[$($arg),*],
            about: $about,
        }
    };
}

/// Every example, in the order of the course.
pub const EXAMPLES: &[Example] = &[
    example!(
        "forgotten_join.py",
        [],
        "a forgotten join"
    ),
    example!(
        "cpu_threads.py",
        ["1000000"],
        "threads on a CPU-bound task"
    ),
    example!(
        "cpu_processes.py",
        ["1000000"],
        "processes on the same task"
    ),
    example!(
        "producer_consumer.py",
        ["5000"],
        "producers and consumers around one Queue"
    ),
    example!(
        "unclosed_pipe.py",
        [],
        "an unclosed pipe end"
    ),
    example!(
        "pipeline.py",
        ["300"],
        "fetch, process, save: three stages"
    ),
    example!(
        "racy_counter.py",
        ["1000000"],
        "a racy and a locked shared Value"
    ),
    example!(
        "pool_map.py",
        [],
        "a Pool: map, then imap_unordered"
    ),
    example!(
        "start_methods.py",
        ["3"],
        "fork, spawn and forkserver, three children each"
    ),
    example!(
        "pickling.py",
        ["30"],
        "a pickled copy, a large object, an unpicklable lambda"
    ),
    example!(
        "condition_array.py",
        ["10"],
        "a bounded buffer on a Condition and an Array"
    ),
    example!(
        "rlock.py",
        ["20"],
        "a Lock taken twice by its holder, and an RLock"
    ),
    example!(
        "shared_state.py",
        ["100000"],
        "an Array, and a Manager's list and dict"
    ),
    example!(
        "pool_api.py",
        ["1"],
        "apply, map_async, starmap, close, terminate, with"
    ),
];

/// The example called `name` (`cpu_threads.py`, or `cpu_threads`).
pub fn find(name: &str) -> Option<&'static Example> {
    let file = name.strip_suffix(".py").unwrap_or(name);
    EXAMPLES
        .iter()
        .find(|e| e.file.strip_suffix(".py") == Some(file))
}

/// Every example's file name, for messages.
pub fn names() -> String {
    EXAMPLES
        .iter()
        .map(|e| e.file)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Example {
    /// Writes the program into a new private folder (removed when the
    /// folder is dropped) and says how to run it: `python3 FILE ARGS` in
    /// that folder, so its events name the file alone (`pipeline.py:31`).
    pub fn prepare(&self) -> std::io::Result<(PrivateDir, RunSpec)> {
        let dir = PrivateDir::create(None)?;
        std::fs::write(dir.path().join(self.file), self.source)?;
        let args: Vec<OsString> = self.args.iter().map(OsString::from).collect();
        let spec = RunSpec::python(self.file, args).with_cwd(dir.path());
        Ok((dir, spec))
    }

    /// The command line as shown: `python3 cpu_threads.py 1000000`.
    pub fn command(&self) -> String {
        std::iter::once(super::spec::PYTHON)
            .chain(std::iter::once(self.file))
            .chain(self.args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_examples_line_fits_the_run_view_at_80_columns() {
        // The Run view lists each as "  FILE (22 wide)  ABOUT" in 77 columns.
        for e in EXAMPLES {
            assert!(e.file.len() <= 22, "{}", e.file);
            assert!(2 + 22 + e.about.chars().count() <= 77, "{}: {}", e.file, e.about);
        }
    }

    #[test]
    fn every_example_on_disk_is_shipped_and_found_by_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".py"))
            .collect();
        on_disk.sort();
        let mut shipped: Vec<String> = EXAMPLES.iter().map(|e| e.file.to_string()).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped);
        assert_eq!(find("cpu_threads").unwrap().file, "cpu_threads.py");
        assert_eq!(find("pool_map.py").unwrap().file, "pool_map.py");
        assert!(find("nope.py").is_none());
    }

    #[test]
    fn an_example_is_written_where_it_runs() {
        let ex = find("pipeline.py").unwrap();
        let (dir, spec) = ex.prepare().unwrap();
        assert_eq!(spec.cwd.as_deref(), Some(dir.path()));
        assert_eq!(spec.display(), ex.command());
        let text = std::fs::read_to_string(dir.path().join("pipeline.py")).unwrap();
        assert_eq!(text, ex.source);
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }
}
