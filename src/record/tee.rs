//! A writer that passes output on and records each flushed frame.

use std::io::{self, Write};

use super::Recorder;

/// Wraps the terminal's writer. Bytes go straight through; at each flush
/// (the backend flushes once per frame) the bytes written since the last
/// flush become one output event of the recording, if there is one.
pub struct TeeWriter<W: Write> {
    out: W,
    frame: Vec<u8>,
    recorder: Option<Recorder>,
}

impl<W: Write> TeeWriter<W> {
    pub fn new(out: W, recorder: Option<Recorder>) -> TeeWriter<W> {
        TeeWriter {
            out,
            frame: Vec::new(),
            recorder,
        }
    }
}

impl<W: Write> Write for TeeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        if self.recorder.is_some() {
            self.frame.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.out.flush();
        if let Some(recorder) = &self.recorder {
            recorder.output(&self.frame);
            self.frame.clear();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flush_is_one_event_and_output_passes_through() {
        let dir = std::env::temp_dir().join(format!("proclab-tee-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.cast");
        let rec = Recorder::create(
            &path,
            crate::record::asciicast::Header::new(10, 2, None),
            false,
            true,
        )
        .unwrap();
        let mut tee = TeeWriter::new(Vec::new(), Some(rec));
        tee.write_all(b"ab").unwrap();
        tee.write_all(b"c").unwrap();
        tee.flush().unwrap();
        tee.write_all(b"d").unwrap();
        tee.flush().unwrap();
        assert_eq!(tee.out, b"abcd");
        let text = std::fs::read_to_string(&path).unwrap();
        let events: Vec<serde_json::Value> = text
            .lines()
            .skip(2) // header, preamble
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0][2], "abc");
        assert_eq!(events[1][2], "d");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
