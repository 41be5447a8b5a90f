//! What `proclab run` starts: a Python script (`proclab run script.py` is
//! short for `python3 script.py`) or any command given after `--`, with the
//! environment it gets.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::RunError;

/// The interpreter a script runs with.
pub const PYTHON: &str = "python3";

/// A program to run, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub program: OsString,
    pub args: Vec<OsString>,
    /// Set in the program's environment on top of proclab's own;
    /// `PYTHONUNBUFFERED=1` is always set so output arrives line by line.
    pub env: Vec<(OsString, OsString)>,
    /// Where it runs; proclab's own folder when None.
    pub cwd: Option<PathBuf>,
}

impl RunSpec {
    /// `python3 SCRIPT ARGS...`.
    pub fn python(script: impl Into<OsString>, args: Vec<OsString>) -> RunSpec {
        let mut all = vec![script.into()];
        all.extend(args);
        RunSpec::command(PYTHON, all)
    }

    /// `PROGRAM ARGS...`, run as given.
    pub fn command(program: impl Into<OsString>, args: Vec<OsString>) -> RunSpec {
        RunSpec {
            program: program.into(),
            args,
            env: Vec::new(),
            cwd: None,
        }
    }

    /// The words after `proclab run`. After `--` they are a command run as
    /// given; otherwise the first one is a script for `python3` unless it is
    /// a program (does not end in `.py`). A script must exist.
    pub fn from_words(words: &[OsString], after_dashdash: bool) -> Result<RunSpec, RunError> {
        let (first, rest) = words.split_first().ok_or(RunError::NothingToRun)?;
        if first.is_empty() {
            return Err(RunError::NothingToRun);
        }
        let rest = rest.to_vec();
        if after_dashdash || !is_script(first) {
            return Ok(RunSpec::command(first, rest));
        }
        if !Path::new(first).is_file() {
            return Err(RunError::NoScript(PathBuf::from(first)));
        }
        Ok(RunSpec::python(first, rest))
    }

    /// Adds a variable to the program's environment.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> RunSpec {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn with_cwd(mut self, dir: impl Into<PathBuf>) -> RunSpec {
        self.cwd = Some(dir.into());
        self
    }

    /// The command line as one line, for titles and errors.
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|w| w.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_script(word: &OsStr) -> bool {
    Path::new(word).extension().is_some_and(|e| e == "py")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_script_runs_with_python_and_a_command_as_given() {
        let dir = std::env::temp_dir().join(format!("proclab-spec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("demo.py");
        std::fs::write(&script, "print(1)\n").unwrap();
        let spec = RunSpec::from_words(&[script.clone().into(), "-n".into()], false).unwrap();
        assert_eq!(spec.program, PYTHON);
        assert_eq!(
            spec.args,
            vec![script.clone().into_os_string(), "-n".into()]
        );
        let cmd = RunSpec::from_words(&words(&["python3", "-c", "pass"]), false).unwrap();
        assert_eq!(cmd.display(), "python3 -c pass");
        // After --, even a .py runs as a program (with its own #! line).
        let direct = RunSpec::from_words(&[script.clone().into()], true).unwrap();
        assert_eq!(direct.program, script.into_os_string());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_words_say_what_is_wrong() {
        let none = RunSpec::from_words(&[], false).unwrap_err().to_string();
        assert!(none.contains("nothing to run"), "{none}");
        let missing = RunSpec::from_words(&words(&["no/such.py"]), false)
            .unwrap_err()
            .to_string();
        assert_eq!(missing, "cannot run no/such.py: there is no such file");
    }
}
