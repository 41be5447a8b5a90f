//! How large a scenario or lesson file may be, checked before it is parsed,
//! and line numbers found without reading the text again for each step.
//!
//! The built-in files are a few KiB and at most a few dozen steps; the caps
//! are a hundred times that, so no real script meets them, while a file of
//! megabytes (or /dev/zero) is refused at once instead of being parsed for
//! minutes.

use std::io::Read;
use std::path::Path;

use super::scenario::FileError;

/// The largest scenario or lesson file proclab reads.
pub const MAX_FILE_BYTES: usize = 256 * 1024;
/// The most steps a scenario or lesson may have.
pub const MAX_STEPS: usize = 1000;

fn error(path: &str, line: usize, message: String) -> FileError {
    FileError {
        path: path.to_string(),
        line,
        message,
    }
}

fn too_large(path: &str, bytes: u64) -> FileError {
    error(
        path,
        1,
        format!(
            "the file is {bytes} bytes, more than a scenario or lesson may be ({} KiB)",
            MAX_FILE_BYTES / 1024
        ),
    )
}

/// Reads a scenario or lesson file, refusing one larger than
/// [`MAX_FILE_BYTES`] before reading it: by its size when it has one, and
/// by reading no further than the cap when it has none (a pipe, a device).
pub fn read(path: &Path) -> Result<String, FileError> {
    let shown = path.display().to_string();
    let cannot = |e: std::io::Error| error(&shown, 1, format!("cannot read it: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    if len > MAX_FILE_BYTES as u64 {
        return Err(too_large(&shown, len));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(error(
            &shown,
            1,
            format!(
                "it holds more than a scenario or lesson may ({} KiB)",
                MAX_FILE_BYTES / 1024
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        error(&shown, line, "it is not UTF-8 text".into())
    })
}

/// Refuses text larger than [`MAX_FILE_BYTES`] or with more than
/// [`MAX_STEPS`] `[[step]]` tables, before it is parsed: the error names
/// the line of the first step too many.
pub fn check_text(path: &str, text: &str) -> Result<(), FileError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(path, text.len() as u64));
    }
    let mut headers = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[["));
    match headers.nth(MAX_STEPS) {
        Some((i, _)) => Err(too_many(path, i + 1)),
        None => Ok(()),
    }
}

/// Refuses more than [`MAX_STEPS`] steps once parsed (steps written as an
/// inline array have no `[[step]]` line to count before).
pub fn check_steps(
    path: &str,
    steps: usize,
    line: impl FnOnce() -> usize,
) -> Result<(), FileError> {
    if steps > MAX_STEPS {
        return Err(too_many(path, line()));
    }
    Ok(())
}

fn too_many(path: &str, line: usize) -> FileError {
    error(
        path,
        line,
        format!("more than {MAX_STEPS} steps: split it into several files"),
    )
}

/// The line numbers of a text's byte offsets, from one pass over it.
pub struct Lines {
    /// Byte offset at which each line after the first starts.
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        Lines {
            starts: text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1)
                .collect(),
        }
    }

    /// The line (from 1) that `offset` is on.
    pub fn at(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::scenario::line_at;

    #[test]
    fn lines_agree_with_counting_newlines() {
        let text = "a\nbb\n\nccc\n";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(lines.at(offset), line_at(text, offset), "{offset}");
        }
    }

    #[test]
    fn too_many_steps_are_refused_at_the_first_one_too_many() {
        let ok = "[[step]]\nwait = 1\n".repeat(MAX_STEPS);
        assert!(check_text("s.toml", &ok).is_ok());
        let over = format!("{ok}[[step]]\nwait = 1\n");
        let e = check_text("s.toml", &over).unwrap_err();
        assert_eq!(e.line, 2 * MAX_STEPS + 1);
        assert!(e.message.contains("more than 1000 steps"), "{e}");
        let big = "#".repeat(MAX_FILE_BYTES + 1);
        let e = check_text("s.toml", &big).unwrap_err();
        assert!(e.message.contains("256 KiB"), "{e}");
    }
}
