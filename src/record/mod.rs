//! Recording a session as asciicast v2, and screenshots.
//!
//! The terminal backend writes through a [`TeeWriter`], which passes every
//! byte on to the real terminal and hands each complete frame (what was
//! written between two flushes) to the [`Recorder`] as one output event.
//! Drawing code knows nothing of recording. The recorder is shared with the
//! event loop, which adds resize, marker and input events.
//!
//! If writing fails mid-run (a full disk), recording stops, the failure is
//! kept for the loop to report, and the UI goes on.

pub mod asciicast;
pub mod screenshot;
pub mod tee;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use self::asciicast::{CastWriter, Code, Header};
pub use self::tee::TeeWriter;

/// Clears the screen and hides the cursor: what a player starts from.
const PREAMBLE: &str = "\x1b[?25l\x1b[2J\x1b[H";

struct State {
    cast: Option<CastWriter<Box<dyn Write + Send>>>,
    failure: Option<String>,
    record_input: bool,
}

/// A shared handle to one recording.
#[derive(Clone)]
pub struct Recorder {
    path: PathBuf,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, thiserror::Error)]
// The reason is part of the message, so it is not also a `source`: a
// report that prints the chain would say it twice.
#[error("cannot record to {path}: {error}")]
pub struct RecordError {
    pub path: String,
    pub error: std::io::Error,
}

impl Recorder {
    /// Creates the file and writes the header. Fails at once if the path
    /// cannot be written, before anything else starts.
    pub fn create(
        path: &Path,
        width: u16,
        height: u16,
        title: Option<String>,
        record_input: bool,
    ) -> Result<Recorder, RecordError> {
        let err = |error| RecordError {
            path: path.display().to_string(),
            error,
        };
        let file = File::create(path).map_err(err)?;
        Recorder::to_writer(
            Box::new(BufWriter::new(file)),
            path,
            Header::new(width, height, title),
            record_input,
        )
        .map_err(err)
    }

    /// Records into any writer; `path` is only used in messages.
    pub fn to_writer(
        out: Box<dyn Write + Send>,
        path: &Path,
        header: Header,
        record_input: bool,
    ) -> std::io::Result<Recorder> {
        let mut cast = CastWriter::new(out, &header)?;
        cast.event(Code::Output, PREAMBLE)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            state: Arc::new(Mutex::new(State {
                cast: Some(cast),
                failure: None,
                record_input,
            })),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, code: Code, data: &str) {
        let mut state = self.state.lock();
        let Some(cast) = state.cast.as_mut() else {
            return;
        };
        if let Err(e) = cast.event(code, data) {
            state.cast = None;
            state.failure = Some(format!(
                "recording to {} stopped: {e}; what was written up to now is a valid recording",
                self.path.display()
            ));
        }
    }

    /// One frame of terminal output.
    pub fn output(&self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.write(Code::Output, &String::from_utf8_lossy(bytes));
        }
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.write(Code::Resize, &format!("{width}x{height}"));
    }

    pub fn marker(&self, label: &str) {
        self.write(Code::Marker, label);
    }

    /// A key as the terminal would have sent it, if input is recorded.
    pub fn input(&self, bytes: &str) {
        if self.state.lock().record_input {
            self.write(Code::Input, bytes);
        }
    }

    /// Whether events are still being written.
    pub fn is_recording(&self) -> bool {
        self.state.lock().cast.is_some()
    }

    /// Why recording stopped, once; None if it has not.
    pub fn take_failure(&self) -> Option<String> {
        self.state.lock().failure.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk that fills after `room` bytes.
    struct FillingDisk {
        room: usize,
    }

    impl Write for FillingDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_stops_the_recording_once_with_a_message() {
        let rec = Recorder::to_writer(
            Box::new(FillingDisk { room: 400 }),
            Path::new("demo.cast"),
            Header::new(80, 24, None),
            false,
        )
        .unwrap();
        assert!(rec.is_recording());
        rec.output(&[b'x'; 500]);
        assert!(!rec.is_recording());
        let failure = rec.take_failure().unwrap();
        assert!(failure.contains("demo.cast"), "{failure}");
        assert!(failure.contains("No space left on device"), "{failure}");
        assert_eq!(rec.take_failure(), None, "reported once");
        rec.output(b"more"); // ignored, no panic
        rec.marker("m");
    }
}
