//! A program's output, read line by line from a pipe on a thread of its
//! own, each line tagged with the stream and, where it can be known, the
//! pid of the process that wrote it.

use std::io::{BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

/// Longest line kept whole; a longer one is cut there and the rest follows
/// as further lines, so a program printing without newlines cannot grow
/// proclab's memory without bound.
pub const MAX_LINE: usize = 4096;

/// Which of the program's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line the program wrote, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    /// The process that wrote it, when the pipe belongs to one process.
    pub pid: Option<u32>,
    pub stream: Stream,
    pub text: String,
}

/// Reads `fd` until end of file on a new thread, sending each line to `tx`.
/// Bytes that are not UTF-8 are shown replaced; a last line without a
/// newline is sent at end of file. The thread ends at end of file or when
/// nobody listens any more.
pub fn spawn_reader(
    fd: OwnedFd,
    pid: Option<u32>,
    stream: Stream,
    tx: Sender<OutputLine>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("proclab-output".into())
        .spawn(move || {
            let mut reader = BufReader::new(std::fs::File::from(fd));
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let n = match read_line(&mut reader, &mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => 0,
                };
                if n == 0 {
                    return;
                }
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                if tx.send(OutputLine { pid, stream, text }).is_err() {
                    return;
                }
            }
        })
}

/// Reads up to a newline or [`MAX_LINE`] bytes, whichever comes first.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(total);
        }
        let room = MAX_LINE - buf.len();
        let chunk = &available[..available.len().min(room)];
        let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), buf.len() + chunk.len() == MAX_LINE),
        };
        buf.extend_from_slice(&chunk[..used]);
        reader.consume(used);
        total += used;
        if done {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_of(bytes: &[u8]) -> Vec<String> {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = spawn_reader(r, Some(7), Stream::Stdout, tx).unwrap();
        let mut w = std::fs::File::from(w);
        w.write_all(bytes).unwrap();
        drop(w);
        reader.join().unwrap();
        rx.try_iter()
            .map(|l| {
                assert_eq!((l.pid, l.stream), (Some(7), Stream::Stdout));
                l.text
            })
            .collect()
    }

    #[test]
    fn lines_are_split_and_the_last_one_kept() {
        assert_eq!(lines_of(b"a\nb\n\nc"), ["a", "b", "", "c"]);
        assert_eq!(lines_of(b""), Vec::<String>::new());
        assert_eq!(lines_of(b"\xc3\xa9\xff\n"), ["é\u{fffd}"]);
    }

    #[test]
    fn a_long_line_is_cut_into_pieces() {
        let long = vec![b'x'; MAX_LINE * 2 + 10];
        let lines = lines_of(&long);
        let lens: Vec<usize> = lines.iter().map(|l| l.len()).collect();
        assert_eq!(lens, [MAX_LINE, MAX_LINE, 10]);
    }
}
