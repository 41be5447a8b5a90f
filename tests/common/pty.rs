//! Running the real proclab binary in a pseudo-terminal, pressing keys and
//! reading the screen as a terminal would show it (vt100). Used by the
//! end-to-end tests and by the benchmarks.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// The proclab binary under test.
const PROCLAB: &str = env!("CARGO_BIN_EXE_proclab");
/// Generous: CI runs on a busy 2-core machine.
const PATIENCE: Duration = Duration::from_secs(10);
/// Quiet after the last byte before the screen counts as drawn: a frame is
/// written in one go, and proclab draws at most every few tens of
/// milliseconds, so a read in the middle of a frame is never taken for the
/// screen.
const QUIET: Duration = Duration::from_millis(25);
/// Longest [`Screen::text`] waits for a quiet moment.
const SETTLE: Duration = Duration::from_secs(2);

pub struct Screen {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// The alternate screen's text just before the program left it.
    last_alternate: Arc<Mutex<Option<String>>>,
    /// Set when the reader has taken in everything the program wrote.
    drained: Arc<std::sync::atomic::AtomicBool>,
    /// When the last bytes arrived.
    last_bytes: Arc<Mutex<Instant>>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

pub const UP: &str = "\x1b[A";
pub const DOWN: &str = "\x1b[B";
pub const ESC: &str = "\x1b";

impl Screen {
    /// Starts proclab with `args` in a terminal of `cols` x `rows`.
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Screen {
        Screen::start_program(PROCLAB, args, cols, rows)
    }

    /// Starts proclab with `args` and the environment variables `env`
    /// (TERM among them, to stand for another terminal) in a terminal of
    /// `cols` x `rows`.
    pub fn start_env(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Screen {
        Screen::start_with_env(PROCLAB, args, env, cols, rows)
    }

    /// Starts any program in a terminal of `cols` x `rows`.
    pub fn start_program(program: &str, args: &[&str], cols: u16, rows: u16) -> Screen {
        Screen::start_with_env(program, args, &[], cols, rows)
    }

    /// Starts a program with variables added to (or replacing) its
    /// environment.
    pub fn start_with_env(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Screen {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        // Each test says what colours its terminal has, whatever the one
        // the tests run in.
        cmd.env_remove("COLORTERM");
        cmd.env_remove("NO_COLOR");
        for (name, value) in env {
            cmd.env(name, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("proclab starts");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().expect("rows > 0"),
            cols.try_into().expect("cols > 0"),
            0,
        )));
        let sink = parser.clone();
        let last_alternate = Arc::new(Mutex::new(None));
        let last = last_alternate.clone();
        let drained = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = drained.clone();
        let last_bytes = Arc::new(Mutex::new(Instant::now()));
        let arrived = last_bytes.clone();
        std::thread::spawn(move || {
            const LEAVE: &[u8] = b"\x1b[?1049l";
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let bytes = &buf[..n];
                let mut parser = sink.lock();
                match bytes.windows(LEAVE.len()).position(|w| w == LEAVE) {
                    Some(at) => {
                        parser.process(&bytes[..at]);
                        if parser.screen().alternate_screen() {
                            *last.lock() = Some(parser.screen().contents());
                        }
                        parser.process(&bytes[at..]);
                    }
                    None => parser.process(bytes),
                }
                *arrived.lock() = Instant::now();
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        Screen {
            child,
            writer,
            parser,
            last_alternate,
            drained,
            last_bytes,
            master: pty.master,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a running child")
    }

    /// Types keys (bytes as a terminal sends them).
    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Resizes the terminal, as a window drag does (the program gets
    /// SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock();
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("the terminal resizes");
        parser.set_size(
            rows.try_into().expect("rows > 0"),
            cols.try_into().expect("cols > 0"),
        );
    }

    /// The screen's text once drawn: at a quiet moment (see [`QUIET`]), or
    /// as it stands if the program never stops writing for [`SETTLE`].
    pub fn text(&self) -> String {
        let start = Instant::now();
        loop {
            if let Some(text) = self.settled_text() {
                return text;
            }
            if start.elapsed() >= SETTLE {
                return self.parser.lock().screen().contents();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The screen's text if no byte arrived for [`QUIET`]: never half a
    /// frame.
    fn settled_text(&self) -> Option<String> {
        let parser = self.parser.lock();
        (self.last_bytes.lock().elapsed() >= QUIET).then(|| parser.screen().contents())
    }

    /// What the alternate screen showed when the program left it.
    pub fn last_alternate_screen(&self) -> Option<String> {
        self.last_alternate.lock().clone()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().screen().alternate_screen()
    }

    /// Whether the terminal reports mouse events to the program.
    pub fn mouse_captured(&self) -> bool {
        self.parser.lock().screen().mouse_protocol_mode() != vt100::MouseProtocolMode::None
    }

    /// The cells of screen row `row`, as the terminal shows them.
    pub fn cells(&self, row: u16) -> Vec<vt100::Cell> {
        let parser = self.parser.lock();
        let screen = parser.screen();
        let cols = u16::from(screen.size().1);
        (0..cols)
            .filter_map(|col| screen.cell(row, col).cloned())
            .collect()
    }

    pub fn cursor_hidden(&self) -> bool {
        self.parser.lock().screen().hide_cursor()
    }

    /// Whether the terminal reads lines and echoes them, as a shell
    /// expects it (raw mode is off).
    pub fn cooked(&self) -> bool {
        let termios = self.master.get_termios().expect("the terminal's settings");
        let want = libc::ICANON | libc::ECHO;
        termios.local_flags.bits() & want == want
    }

    /// Waits until the screen shows `needle`, and returns the screen.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |s| s.contains(needle))
    }

    /// Waits until `cond` holds for the screen text, read only between
    /// frames.
    pub fn wait_until(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        self.wait_until_within(what, PATIENCE, cond)
    }

    /// [`Screen::wait_until`] with a limit of its own, for what takes
    /// longer than a screen's change (Python programs starting).
    pub fn wait_until_within(
        &self,
        what: &str,
        limit: Duration,
        cond: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if cond(&text) && self.settled_text().as_deref() == Some(text.as_str()) {
                return text;
            }
            assert!(
                start.elapsed() < limit,
                "gave up waiting for {what:?}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until proclab has `n` live workers, and returns their pids.
    pub fn wait_workers(&self, n: usize) -> Vec<u32> {
        let start = Instant::now();
        loop {
            let pids = workers_of(self.pid());
            if pids.len() == n {
                return pids;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "expected {n} workers, found {pids:?}; the screen shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Quits as a user does: `q`, and `q` again when proclab says a
    /// Python parent would wait there for its workers. Returns the exit
    /// code, once everything proclab wrote is read.
    pub fn quit(&mut self) -> u32 {
        self.press("q");
        let start = Instant::now();
        loop {
            if self.child.try_wait().unwrap().is_some() {
                return self.wait_exit();
            }
            let text = self.parser.lock().screen().contents();
            if text.contains("waits here for") || text.contains("q again") {
                self.press("q");
                return self.wait_exit();
            }
            assert!(
                start.elapsed() < PATIENCE,
                "proclab neither quit nor said what it waits for; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for proclab to exit, and for everything it wrote to be read,
    /// and returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while !self.drained.load(std::sync::atomic::Ordering::SeqCst) {
                    assert!(
                        start.elapsed() < PATIENCE,
                        "the terminal stayed open after proclab exited: a process kept it"
                    );
                    std::thread::sleep(Duration::from_millis(10));
                }
                return status.exit_code();
            }
            assert!(
                start.elapsed() < PATIENCE,
                "proclab did not exit; the screen shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Worker processes whose parent is `pid`, found by their command line.
pub fn workers_of(pid: u32) -> Vec<u32> {
    let needle = format!("\0--parent\0{pid}\0");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{p}/cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains("\0worker\0") && cmdline.contains(&needle) {
            found.push(p);
        }
    }
    found
}
