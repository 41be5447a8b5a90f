//! Recording a session as asciicast v2, and screenshots.
//!
//! The terminal backend writes through a [`TeeWriter`], which passes every
//! byte on to the real terminal and hands each complete frame (what was
//! written between two flushes) to the [`Recorder`] as one output event.
//! Drawing code knows nothing of recording. The recorder is shared with the
//! event loop, which adds resize, marker and input events.
//!
//! If writing fails mid-run (a full disk), the file is cut back to its last
//! whole event so that it stays a valid recording, recording stops, the
//! failure is kept for the loop to report, and the UI goes on.
//!
//! The file is created only where nothing is: an existing file is
//! overwritten only with `--force`, and a symbolic link is never followed.

pub mod asciicast;
pub mod notes;
pub mod screenshot;
pub mod tee;

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use self::asciicast::{CastWriter, Code, Header};
pub use self::tee::TeeWriter;

/// Clears the screen and hides the cursor: what a player starts from.
const PREAMBLE: &str = "\x1b[?25l\x1b[2J\x1b[H";

/// Where a recording is written: a writer that can be cut back to a
/// length, so that an event half-written when the disk filled up can be
/// taken back.
pub trait Storage: Write + Send {
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl Storage for File {
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)
    }
}

struct State {
    cast: Option<CastWriter<Box<dyn Storage>>>,
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
#[error("cannot record to {path}: {reason}")]
pub struct RecordError {
    pub path: String,
    pub reason: String,
}

/// Opens a file proclab writes (a recording, the log's notes): a new one,
/// or with `overwrite` an existing regular file cut to nothing; never
/// through a symbolic link. The error says why, for a one-line message.
pub fn open_output(path: &Path, overwrite: bool) -> Result<File, String> {
    open_cast(path, overwrite)
}

/// Opens the recording's file: a new one, or with `overwrite` an existing
/// regular file cut to nothing; never through a symbolic link.
fn open_cast(path: &Path, overwrite: bool) -> Result<File, String> {
    let mut options = OpenOptions::new();
    options
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let is_link = || std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    options.open(path).map_err(|e| match e.kind() {
        // O_NOFOLLOW: ELOOP; O_EXCL on a link, dangling or not: EEXIST.
        _ if is_link() => {
            "it is a symbolic link, and proclab records through none (give the real path)".into()
        }
        ErrorKind::AlreadyExists => "the file exists (--force overwrites it)".into(),
        _ => e.to_string(),
    })
}

impl Recorder {
    /// Creates the file and writes the header. Fails at once if the path
    /// cannot be written, or holds a file and `overwrite` is not set, or is
    /// a symbolic link, before anything else starts.
    pub fn create(
        path: &Path,
        header: Header,
        record_input: bool,
        overwrite: bool,
    ) -> Result<Recorder, RecordError> {
        let err = |reason| RecordError {
            path: path.display().to_string(),
            reason,
        };
        let file = open_cast(path, overwrite).map_err(err)?;
        Recorder::to_writer(Box::new(file), path, header, record_input)
            .map_err(|e| err(e.to_string()))
    }

    /// Records into any storage; `path` is only used in messages.
    pub fn to_writer(
        out: Box<dyn Storage>,
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
            let whole = cast.whole_len();
            let cut = cast.get_mut().truncate(whole);
            state.cast = None;
            let path = self.path.display();
            state.failure = Some(match cut {
                Ok(()) => format!(
                    "recording to {path} stopped: {e}; it ends at its last whole event, a valid recording"
                ),
                Err(cut) => format!(
                    "recording to {path} stopped: {e}; its last event may be cut short (cannot truncate: {cut})"
                ),
            });
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

    /// A disk that fills after `room` bytes, taking part of the write that
    /// crosses the line (a short write), as a real file system does.
    #[derive(Clone)]
    struct FillingDisk {
        bytes: std::sync::Arc<Mutex<Vec<u8>>>,
        room: usize,
    }

    impl Write for FillingDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut bytes = self.bytes.lock();
            let left = self.room.saturating_sub(bytes.len());
            if left == 0 {
                return Err(io::Error::from_raw_os_error(libc::ENOSPC));
            }
            let n = buf.len().min(left);
            bytes.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Storage for FillingDisk {
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            self.bytes.lock().truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_cuts_the_half_event_and_stops_once_with_a_message() {
        let disk = FillingDisk {
            bytes: Default::default(),
            room: 400,
        };
        let rec = Recorder::to_writer(
            Box::new(disk.clone()),
            Path::new("demo.cast"),
            Header::new(80, 24, None),
            false,
        )
        .unwrap();
        assert!(rec.is_recording());
        rec.output(b"one whole event");
        rec.output(&[b'x'; 500]);
        assert!(!rec.is_recording());
        let failure = rec.take_failure().unwrap();
        assert!(failure.contains("demo.cast"), "{failure}");
        assert!(failure.contains("No space left on device"), "{failure}");
        assert!(failure.contains("last whole event"), "{failure}");
        assert_eq!(rec.take_failure(), None, "reported once");
        rec.output(b"more"); // ignored, no panic
        rec.marker("m");

        let text = String::from_utf8(disk.bytes.lock().clone()).unwrap();
        assert!(text.ends_with('\n'), "{text:?}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "header, preamble, one whole event");
        for line in lines {
            let _: serde_json::Value = serde_json::from_str(line).unwrap();
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Creates a recording; its error as the user reads it.
    fn create(path: &Path, overwrite: bool) -> Result<(), String> {
        Recorder::create(path, Header::new(80, 24, None), false, overwrite)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_existing_file_is_kept_unless_forced_and_links_are_never_followed() {
        use std::os::unix::fs::symlink;
        let dir = temp_dir("cast-files");
        let kept = dir.join("kept.cast");
        std::fs::write(&kept, "precious").unwrap();
        let err = create(&kept, false).unwrap_err();
        assert_eq!(
            err,
            format!(
                "cannot record to {}: the file exists (--force overwrites it)",
                kept.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "precious");
        create(&kept, true).unwrap();
        assert!(
            std::fs::read_to_string(&kept)
                .unwrap()
                .starts_with("{\"version\":2")
        );

        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.join("link.cast");
        symlink(&victim, &link).unwrap();
        let dangling = dir.join("dangling.cast");
        symlink(dir.join("made-by-a-link"), &dangling).unwrap();
        for path in [&link, &dangling] {
            for overwrite in [false, true] {
                let err = create(path, overwrite).unwrap_err();
                assert!(err.contains("symbolic link"), "{err}");
                assert!(err.contains(&path.display().to_string()), "{err}");
                assert_eq!(err.lines().count(), 1, "{err}");
            }
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!dir.join("made-by-a-link").exists());

        let fresh = dir.join("fresh.cast");
        create(&fresh, false).unwrap();
        assert!(fresh.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
