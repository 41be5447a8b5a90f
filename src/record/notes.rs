//! `--log FILE`: every line of the event log written to a file as it
//! happens, for a student's notes and for screen readers: one line each,
//! its time, the Python that does it and what happened, tab-separated.
//!
//! The file is created as recordings are ([`super::open_output`]): only
//! where nothing is, unless `--force`, never through a symbolic link. A
//! write that fails (a full disk) stops the notes with one message, and
//! the lab goes on.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::app::log::{EventLog, Level, LogEntry, format_at};

/// The file's first line, saying what its columns are.
const HEADER: &str = "# proclab log: time\tPython\twhat happened\n";

pub struct Notes {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    /// Log entries written so far (of every entry ever logged).
    written: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the log to {path}: {reason}")]
pub struct NotesError {
    pub path: String,
    pub reason: String,
}

/// One entry as a line of the file.
pub fn line(entry: &LogEntry) -> String {
    let level = match entry.level {
        Level::Error => "error: ",
        Level::Info | Level::Note => "",
    };
    // A tab or a newline inside a field would break the columns.
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    format!(
        "{}\t{}\t{level}{}\n",
        format_at(entry.at),
        clean(entry.python.as_deref().unwrap_or("")),
        clean(&entry.text)
    )
}

impl Notes {
    /// Creates the file and writes its header, before the terminal is
    /// touched; an existing file is kept unless `overwrite`.
    pub fn create(path: &Path, overwrite: bool) -> Result<Notes, NotesError> {
        let err = |reason: String| NotesError {
            path: path.display().to_string(),
            reason,
        };
        let file = super::open_output(path, overwrite).map_err(err)?;
        let mut out = BufWriter::new(file);
        out.write_all(HEADER.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| err(e.to_string()))?;
        Ok(Notes {
            path: path.to_path_buf(),
            out: Some(out),
            written: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the entries logged since the last call, and flushes them so
    /// a reader following the file sees each at once. Returns a message if
    /// writing failed: the notes stop there.
    pub fn follow(&mut self, log: &EventLog) -> Option<String> {
        let out = self.out.as_mut()?;
        let mut result = Ok(());
        for entry in log.since(self.written) {
            result = result.and_then(|()| out.write_all(line(entry).as_bytes()));
        }
        self.written = log.pushed();
        match result.and_then(|()| out.flush()) {
            Ok(()) => None,
            Err(e) => {
                self.out = None;
                Some(format!(
                    "the log is no longer written to {}: {e}",
                    self.path.display()
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_line_has_its_time_python_and_words_in_columns() {
        let entry = LogEntry {
            at: Duration::from_millis(1500),
            python: Some("os.kill(p1.pid,\tsignal.SIGSTOP)".into()),
            text: "worker 1 stopped".into(),
            level: Level::Info,
        };
        assert_eq!(
            line(&entry),
            "00:01.5\tos.kill(p1.pid, signal.SIGSTOP)\tworker 1 stopped\n"
        );
        let error = LogEntry {
            python: None,
            level: Level::Error,
            ..entry
        };
        assert_eq!(line(&error), "00:01.5\t\terror: worker 1 stopped\n");
    }
}
