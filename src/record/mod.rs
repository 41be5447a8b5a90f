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
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use self::asciicast::{CastWriter, Code, Header};
pub use self::tee::TeeWriter;

/// Clears the screen and hides the cursor: what a player starts from.
const PREAMBLE: &str = "\x1b[?25l\x1b[2J\x1b[H";

struct State {
    cast: Option<CastWriter<BufWriter<File>>>,
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
#[error("cannot record to {path}: {source}")]
pub struct RecordError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
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
        let err = |source| RecordError {
            path: path.display().to_string(),
            source,
        };
        let file = File::create(path).map_err(err)?;
        let header = Header::new(width, height, title);
        let mut cast = CastWriter::new(BufWriter::new(file), &header).map_err(err)?;
        cast.event(Code::Output, PREAMBLE).map_err(err)?;
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
