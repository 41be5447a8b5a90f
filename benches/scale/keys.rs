//! Key-to-frame latency with 8 busy workers: keys go into the real event
//! loop's channel as the input thread sends them, and a terminal made of
//! a vt100 parser notes when each frame ends and what it shows.
//!
//! The key is `d` in the lifecycle lab (new workers daemon or not), whose
//! effect the header shows ("daemon" / "not daemon"); a key's frame is the
//! first frame to end after the key was sent that shows its effect.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use proclab::app::{self, App, LabId, Machine, Settings, Startup};
use proclab::lab::engine::Engine;
use proclab::lab::{Lab, LabConfig, Role, SHUTDOWN_GRACE, StartOptions, Workload};
use proclab::tui::{self, Event, Session};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event as CtEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

use super::common::{Stats, rounds};
use super::{PROCLAB, load};

/// The end of one frame, and whether its header says "daemon".
type Frame = (Instant, bool);

/// A terminal: notes each frame's end, then parses what the frame wrote
/// (after the time is taken: a real terminal parses in its own process).
struct Clocked {
    bytes: Vec<u8>,
    parser: vt100::Parser,
    frames: Arc<Mutex<Vec<Frame>>>,
}

impl Write for Clocked {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let at = Instant::now();
        self.parser.process(&self.bytes);
        self.bytes.clear();
        let header = self.parser.screen().contents_between(0, 0, 0, 200);
        let daemon = header.contains("daemon") && !header.contains("not daemon");
        self.frames.lock().push((at, daemon));
        Ok(())
    }
}

fn key(c: char) -> Event {
    Event::Input(CtEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

pub fn run() {
    let n = rounds(300);
    println!(
        "\n## Key-to-frame latency, {n} keys, 10 Hz, 120x36 (load {})\n",
        load()
    );
    println!("| key to frame, `d` in the lifecycle lab | median | p90 | p99 | max |");
    println!("| --- | --- | --- | --- | --- |");
    for busy in [8u32, 0] {
        let (keys, bare) = latencies(n, busy);
        let ms = |s: &Stats, q: f64| format!("{:.2} ms", s.quantile(q).as_secs_f64() * 1e3);
        println!(
            "| {busy} CPU-bound workers | {} | {} | {} | {} |",
            ms(&keys, 0.5),
            ms(&keys, 0.9),
            ms(&keys, 0.99),
            ms(&keys, 1.0)
        );
        println!(
            "| the same, a bare thread woken by a channel | {} | {} | {} | {} |",
            ms(&bare, 0.5),
            ms(&bare, 0.9),
            ms(&bare, 0.99),
            ms(&bare, 1.0)
        );
    }
}

/// The floor under a key's latency: a thread of this process asleep on a
/// channel, woken by another at the same uneven gaps, beside the same
/// workers. What the kernel takes to give a waking thread a core.
fn bare_wakeups(n: usize) -> Stats {
    let (tx, rx) = std::sync::mpsc::channel::<Instant>();
    let sleeper = std::thread::spawn(move || {
        let mut waits = Vec::new();
        while let Ok(sent) = rx.recv() {
            waits.push(sent.elapsed());
        }
        waits
    });
    for i in 0..n {
        tx.send(Instant::now()).unwrap();
        std::thread::sleep(gap(i));
    }
    drop(tx);
    Stats::of(sleeper.join().unwrap())
}

/// The uneven gap after the i-th key.
fn gap(i: usize) -> Duration {
    Duration::from_millis(40 + (i as u64 * 37) % 60)
}

/// The latency of `n` keys with `workers` CPU-bound workers running, and
/// of as many bare wake-ups beside the same workers.
fn latencies(n: usize, workers: u32) -> (Stats, Stats) {
    let (cols, rows) = (120u16, 36u16);
    let busy = StartOptions {
        role: Role::Tasks,
        workload: Workload::Cpu,
        tasks: None,
        task_ms: 1000,
        daemon: false,
    };
    let mut engine = Engine::new(Lab::new(LabConfig::with_exe(PROCLAB)).expect("the engine"));
    let settings = Settings {
        start: busy,
        auto_join: false,
        max_workers: 16,
    };
    let mut app = App::new(LabId::Lifecycle, settings, Machine { cores: 2 });
    let startup = Startup {
        lab: LabId::Lifecycle,
        workers: Some(workers),
        start: busy,
        ..Startup::default()
    };
    let (tx, rx) = tui::channel();
    let sampler = tui::spawn_sampler(tx.clone(), Duration::from_millis(250)).unwrap();
    app::open(&mut app, &mut engine, &startup).expect("the lab opens");
    let frames = Arc::new(Mutex::new(Vec::new()));
    let writer = Clocked {
        bytes: Vec::new(),
        parser: vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0),
        frames: frames.clone(),
    };
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(writer),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, cols, rows)),
        },
    )
    .unwrap();

    // The keys come from their own thread, as from the input thread, at
    // uneven gaps, so that some land during a tick or a sample.
    let sent = Arc::new(Mutex::new(Vec::<(Instant, bool)>::new()));
    let log = sent.clone();
    let typist = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        let mut daemon = false;
        for i in 0..n {
            daemon = !daemon;
            log.lock().push((Instant::now(), daemon));
            tx.send(key('d')).unwrap();
            std::thread::sleep(gap(i));
        }
        std::thread::sleep(Duration::from_millis(200));
        tx.send(key('q')).unwrap();
    });
    let mut session = Session::new(&mut app, &mut engine, &sampler, Duration::from_millis(100));
    tui::run(&mut terminal, &mut session, &rx).expect("the loop runs");
    typist.join().unwrap();
    drop(session);
    drop(sampler);
    let bare = bare_wakeups(n);
    engine.shutdown(SHUTDOWN_GRACE);

    let frames = frames.lock();
    let latencies: Vec<Duration> = sent
        .lock()
        .iter()
        .map(|&(at, daemon)| {
            let (end, _) = frames
                .iter()
                .find(|&&(end, d)| end >= at && d == daemon)
                .expect("a frame shows every key");
            *end - at
        })
        .collect();
    (Stats::of(latencies), bare)
}
