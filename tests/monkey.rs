//! A monkey at the keyboard of the real binary, in a pseudo-terminal, in
//! every lab: thousands of random keys (the lab's own keys most, then the
//! dashboard's, the overlays', and noise: other characters, function keys,
//! broken escape sequences), mouse clicks and scrolls anywhere, and the
//! window resized now and then, down to sizes too small to draw in. proclab
//! must never end or panic on its own; quit must then restore the terminal
//! and leave no process behind.
//!
//! ```text
//! cargo test --test monkey -- --nocapture                # 150 keys a lab
//! PROCLAB_MONKEY_KEYS=3000 PROCLAB_MONKEY_SEED=7 cargo test --test monkey -- --nocapture
//! PROCLAB_MONKEY_LAB=queue PROCLAB_MONKEY_SEED=9 cargo test --test monkey  # one lab
//! ```
//!
//! `q` and Ctrl-C (quit) and Enter (which starts the lesson chosen in the
//! menu, replacing the process) are left out of the random keys: the run
//! would end before its keys are spent.

mod common;

use std::time::{Duration, Instant};

use common::procs::{self, Proc};
use common::pty::{ESC, Screen, workers_of};
use proclab::app::keymap::Scope;
use proclab::app::{Action, Keymap, LabId};

const DEFAULT_KEYS: usize = 150;

/// splitmix64: a seeded sequence, so a failing run can be played again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Keys that would end the run before its keys are spent.
fn ends_the_run(action: Action) -> bool {
    matches!(action, Action::Quit | Action::Choose | Action::LessonNext)
}

/// The bytes of every key bound in `scope` that does not end the run.
fn keys_in(keymap: &Keymap, scope: Scope) -> Vec<String> {
    let ending: Vec<_> = keymap
        .bindings
        .iter()
        .filter(|b| ends_the_run(b.action))
        .map(|b| b.key)
        .collect();
    keymap
        .bindings
        .iter()
        .filter(|b| b.scope == scope && !ending.contains(&b.key))
        .map(|b| proclab::tui::key_bytes(&b.key))
        .filter(|bytes| !bytes.is_empty())
        .collect()
}

/// Noise: what a keyboard (or a terminal) can send that no binding names.
const NOISE: &[&str] = &[
    "\x1bOP",
    "\x1bOQ",
    "\x1b[15~",
    "\x1b[24~",
    "\x1b[2~",
    "\x1b[3~",
    "\x1b[5~",
    "\x1b[6~",
    "\x1b[1;5A",
    "\x1b[1;2B",
    "\x1b[",
    "\x1b[<",
    "\x1b\x1b",
    "\x7f",
    "\x00",
    "\x1a",
    "\x1c",
    "\x0c",
    "é",
    "→",
    "\u{1F600}",
];

/// One random input: a key, a mouse event, or a resize.
fn monkey_input(
    rng: &mut Rng,
    s: &mut Screen,
    lab_keys: &[String],
    other: &[String],
    size: &mut (u16, u16),
) {
    let roll = rng.below(100);
    let bytes = match roll {
        0..=54 => rng.pick(lab_keys).clone(),
        55..=84 => rng.pick(other).clone(),
        85..=89 => rng.pick(NOISE).to_string(),
        90..=93 => {
            // A printable character that quits nothing.
            let c = char::from(0x20 + rng.below(0x5f) as u8);
            if c == 'q' { "Q".into() } else { c.to_string() }
        }
        94..=98 => {
            let (x, y) = (
                1 + rng.below(u64::from(size.0)),
                1 + rng.below(u64::from(size.1)),
            );
            // SGR mouse: left press and release, or a wheel turn.
            match rng.below(3) {
                0 => format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m"),
                1 => format!("\x1b[<64;{x};{y}M"),
                _ => format!("\x1b[<65;{x};{y}M"),
            }
        }
        _ => String::new(),
    };
    if bytes.is_empty() {
        let sizes = [
            (80, 24),
            (120, 36),
            (70, 20),
            (69, 19),
            (40, 10),
            (200, 60),
            (116, 30),
            (20, 5),
        ];
        *size = *rng.pick(&sizes);
        s.resize(size.0, size.1);
    } else {
        s.press(&bytes);
    }
}

fn keys_per_lab() -> usize {
    std::env::var("PROCLAB_MONKEY_KEYS")
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("PROCLAB_MONKEY_KEYS={v:?}"))
        })
        .unwrap_or(DEFAULT_KEYS)
}

fn seed() -> u64 {
    std::env::var("PROCLAB_MONKEY_SEED")
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("PROCLAB_MONKEY_SEED={v:?}"))
        })
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// Notes every worker of proclab's now, by pid and start time.
fn note_workers(pid: u32, seen: &mut Vec<Proc>) {
    for w in workers_of(pid) {
        if let Some(p) = procs::read(w)
            && !seen.iter().any(|s| s.pid == p.pid && s.start == p.start)
        {
            seen.push(p);
        }
    }
}

/// Closes whatever overlay is open, then presses `q`. A key may be taken
/// into what the noise left unfinished (an escape sequence cut short), so
/// `q` is pressed again while proclab runs, a few times.
///
/// No terminal sends a mouse report cut short, but the noise does, and the
/// input parser then takes every byte into it until an `M` or `m` ends
/// it: a mouse move (which does nothing) ends it first.
fn quit(s: &mut Screen, lab: LabId, seed: u64) {
    let start = Instant::now();
    while procs::read(s.pid()).is_some_and(|p| p.state != 'Z') {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{}: proclab did not quit (seed {seed}); the screen shows:\n{}",
            lab.name(),
            s.text()
        );
        s.press("\x1b[<35;1;1M");
        s.press(ESC);
        std::thread::sleep(Duration::from_millis(200));
        s.press("q");
        let pressed = Instant::now();
        while pressed.elapsed() < Duration::from_secs(3)
            && procs::read(s.pid()).is_some_and(|p| p.state != 'Z')
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `keys` random inputs in `lab`; then quit, and check what is left.
fn monkey(lab: LabId, keys: usize, seed: u64, lab_seed: u64) {
    let mut rng = Rng(lab_seed);
    let keymap = Keymap::standard();
    let lab_keys = keys_in(&keymap, Scope::Lab(lab));
    let mut other = keys_in(&keymap, Scope::Global);
    other.extend(keys_in(&keymap, Scope::Help));
    other.extend(keys_in(&keymap, Scope::Menu));
    let lab_keys = if lab_keys.is_empty() {
        other.clone()
    } else {
        lab_keys
    };

    let dir = std::env::temp_dir().join(format!(
        "proclab-monkey-{}-{}",
        std::process::id(),
        lab.name()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_arg = dir.to_string_lossy().into_owned();
    let mut args = vec![
        "--lab",
        lab.name(),
        "--max-workers",
        "12",
        "--screenshot-dir",
        &dir_arg,
    ];
    // New workers sleep rather than burn a core, where the lab takes it.
    if matches!(lab, LabId::Lifecycle | LabId::Gil) {
        args.extend(["--workload", "io"]);
    }
    let mut size = (120, 36);
    let mut s = Screen::start(&args, size.0, size.1);
    let pid = s.pid();
    s.wait_until("the first frame", |t| !t.trim().is_empty());
    let mut seen = Vec::new();
    let started = Instant::now();
    let mut sent = 0;
    while sent < keys {
        // A burst of keys as fast as a terminal sends them, then a pause
        // from nothing to a long look.
        let burst = 1 + rng.below(12) as usize;
        for _ in 0..burst.min(keys - sent) {
            monkey_input(&mut rng, &mut s, &lab_keys, &other, &mut size);
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(rng.below(60)));
        note_workers(pid, &mut seen);
        let me = procs::read(pid);
        assert!(
            me.is_some_and(|p| p.state != 'Z'),
            "{}: proclab ended by itself after {sent} keys (seed {seed}); the screen shows:\n{}",
            lab.name(),
            s.text()
        );
    }
    quit(&mut s, lab, seed);
    let code = s.wait_exit();
    let took = started.elapsed();
    let screen = s.text();
    let alternate = s.last_alternate_screen().unwrap_or_default();
    assert_eq!(
        code,
        0,
        "{}: exit code (seed {seed}); the screen shows:\n{screen}\n{alternate}",
        lab.name()
    );
    for text in [&screen, &alternate] {
        assert!(
            !text.contains("panicked"),
            "{}: a panic (seed {seed}):\n{text}",
            lab.name()
        );
    }
    assert!(
        !s.alternate_screen(),
        "{}: the main screen is back",
        lab.name()
    );
    assert!(!s.mouse_captured(), "{}: mouse capture is off", lab.name());
    assert!(!s.cursor_hidden(), "{}: the cursor is shown", lab.name());
    assert!(s.cooked(), "{}: raw mode is off", lab.name());
    let left: Vec<&Proc> = seen.iter().filter(|p| procs::still_there(p)).collect();
    assert!(
        left.is_empty(),
        "{}: workers left behind: {left:?}",
        lab.name()
    );
    assert!(
        workers_of(pid).is_empty(),
        "{}: workers of proclab are left",
        lab.name()
    );
    println!(
        "{}: {keys} random inputs in {:.1} s, {} workers seen, none left (seed {seed})",
        lab.name(),
        took.as_secs_f64(),
        seen.len()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn random_keys_in_every_lab_neither_crash_nor_leave_anything() {
    // Politeness on a shared machine: proclab and its workers inherit it.
    // Safety: setpriority changes only this thread's nice value.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
    let keys = keys_per_lab();
    let seed = seed();
    let only = std::env::var("PROCLAB_MONKEY_LAB").ok();
    for (i, &lab) in LabId::ALL.iter().enumerate() {
        if only.as_deref().is_none_or(|name| name == lab.name()) {
            monkey(lab, keys, seed, seed.wrapping_add(i as u64));
        }
    }
}
