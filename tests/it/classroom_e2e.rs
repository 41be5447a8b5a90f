//! The real binary in front of a class: what a teacher does between labs
//! (switch, freeze, scroll the log, keep notes), at the sizes a projector
//! gives, in a pseudo-terminal.

use crate::common::pty::Screen;
use crate::common::*;

/// The screen row of worker `id` in the table, if it is shown.
fn row(text: &str, id: u32) -> Option<String> {
    text.lines()
        .find(|l| {
            l.trim_start_matches('│')
                .split_whitespace()
                .next()
                .is_some_and(|first| first == id.to_string())
        })
        .map(str::to_string)
}

#[test]
fn the_counters_slow_motion_shows_both_its_workers_at_80x24() {
    let mut s = Screen::start(&["--task-ms", "300"], 80, 24);
    s.wait_for("p2.start()");
    s.press("6");
    // (The log wraps the line at 80 columns.)
    s.wait_for("Lifecycle: workers 1 and 2 paused");
    s.press("m");
    s.wait_for("slow motion");
    s.press("r");
    // The lifecycle lab's two workers are paused, below; the counter's
    // two are the first rows, while they run and once they are joined.
    let text = s.wait_until("both counter workers in the table", |t| {
        row(t, 3).is_some() && row(t, 4).is_some()
    });
    assert!(row(&text, 3).unwrap().contains("counter"), "{text}");
    let text = s.wait_until("the run over", |t| {
        row(t, 4).is_some_and(|r| r.contains("joined"))
    });
    assert!(row(&text, 3).is_some(), "{text}");
    assert_eq!(s.quit(), 0);
}

/// A fresh folder of the test's own under the temporary directory.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The progress column of worker `id`'s row.
fn progress(text: &str, id: u32) -> Option<String> {
    row(text, id).and_then(|r| r.split_whitespace().rev().nth(1).map(str::to_string))
}

#[test]
fn f_freezes_the_screen_while_the_workers_go_on() {
    let mut s = Screen::start(&["--workers", "1", "--task-ms", "400"], 100, 30);
    s.wait_for("p1.start()");
    let pids = s.wait_workers(1);
    s.press("f");
    let frozen = s.wait_for("FROZEN");
    let tasks = |t: &str| row(t, 1).map(|r| r.split_whitespace().nth(6).map(str::to_string));
    // Tasks of 0.4 s: the real worker does several while the screen holds.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let later = s.text();
    assert_eq!(tasks(&frozen), tasks(&later), "{later}");
    assert_eq!(progress(&frozen, 1), progress(&later, 1), "{later}");
    assert!(
        matches!(state(pids[0]), Some('R' | 'S')),
        "the worker runs on"
    );
    s.press("f");
    let live = s.wait_until("live again", |t| !t.contains("FROZEN"));
    assert_ne!(tasks(&frozen), tasks(&live), "it caught up:\n{live}");
    assert_eq!(s.quit(), 0);
}

#[test]
fn the_log_scrolls_back_and_says_so() {
    let mut s = Screen::start(&["--workers", "0", "--task-ms", "300"], 100, 30);
    s.wait_for("no worker yet");
    s.press("ssssssssss");
    s.wait_for("p10.start()");
    s.press("\x1b[5~"); // PgUp
    let text = s.wait_for("newer lines below · PgDn");
    assert!(!text.contains("p10.start()"), "{text}");
    s.press("\x1b[6~"); // PgDn
    let text = s.wait_until("back at the newest", |t| !t.contains("below · PgDn"));
    assert!(text.contains("p10.start()"), "{text}");
    assert_eq!(s.quit(), 0);
}

#[test]
fn log_writes_every_line_to_a_file_and_never_over_one() {
    let dir = temp_dir("notes");
    let path = dir.join("class.log");
    let path_arg = path.to_str().unwrap();
    let mut s = Screen::start(&["--workers", "1", "--log", path_arg], 100, 30);
    s.wait_for("p1.start()");
    s.press("p");
    s.wait_for("os.kill(p1.pid, signal.SIGSTOP)");
    // Each line reaches the file as it happens, before proclab ends.
    wait_until("the pause in the notes", || {
        std::fs::read_to_string(&path).is_ok_and(|t| t.contains("SIGSTOP"))
    });
    assert_eq!(s.quit(), 0);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# proclab log: time\tPython\twhat happened");
    assert!(lines[1].starts_with("00:00."), "{text}");
    assert!(
        lines[1].contains("\tp1.start()\tworker 1 started: pid "),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with(
            "\tos.kill(p1.pid, signal.SIGSTOP)\tworker 1 stopped where it was: state T"
        )),
        "{text}"
    );

    // The file is there now: refused, before the terminal is touched.
    let out = std::process::Command::new(PROCLAB)
        .args(["--log", path_arg])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the file exists (--force overwrites it)"),
        "{err}"
    );
    // Nor is a symbolic link ever followed, even with --force.
    let link = dir.join("link.log");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let out = std::process::Command::new(PROCLAB)
        .args(["--log", link.to_str().unwrap(), "--force"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_tab_bar_names_the_labs_and_the_footer_tab() {
    let mut s = Screen::start(&["--workers", "0"], 80, 24);
    let text = s.wait_for("no worker yet");
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("1 Lifecycle  2 GIL 3 Queue 4 Pipe 5 Line 6 Count 7 Sync 8 Pool 9 Nodes"),
        "{header}"
    );
    assert!(text.lines().last().unwrap().contains("Tab  labs"), "{text}");
    assert_eq!(s.quit(), 0);

    let mut s = Screen::start(&["--workers", "0"], 180, 30);
    let text = s.wait_for("no worker yet");
    let header = text.lines().next().unwrap();
    assert!(
        header.contains(
            "1 Lifecycle  2 GIL race  3 Queue  4 Pipe  5 Pipeline  6 Counter  7 Sync  8 Pool  9 Cluster"
        ),
        "{header}"
    );
    assert_eq!(s.quit(), 0);
}

#[test]
fn esc_terminates_a_pool_run_and_letters_go_on_past_z() {
    // One item a task and a fresh worker each task: past Z quickly.
    let mut s = Screen::start(
        &[
            "--lab",
            "pool",
            "--items",
            "2000",
            "--chunksize",
            "1",
            "--maxtasksperchild",
            "1",
            "--init-ms",
            "0",
            "--item-us",
            "500",
        ],
        120,
        36,
    );
    s.wait_for("▶");
    // In the grid and the lanes (rows with a `·`), workers past Z by two
    // capitals.
    let two_letters = |l: &str| {
        let c: Vec<char> = l.chars().collect();
        c.windows(3).any(|w| {
            w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase() && !w[2].is_alphanumeric()
        })
    };
    let text = s.wait_until("a worker past Z", |t| {
        t.lines()
            .skip(1)
            .any(|l| l.starts_with('│') && l.contains('·') && two_letters(l))
    });
    assert!(!text.contains("(a, pid"), "letters wrap round:\n{text}");
    s.press("\x1b"); // Esc
    let text = s.wait_for("■ terminated after");
    assert!(text.contains("pool.terminate(); pool.join()"), "{text}");
    wait_until("the pool's workers gone", || {
        workers_of_proclab(&s).is_empty()
    });
    assert_eq!(s.quit(), 0);
}

fn workers_of_proclab(s: &Screen) -> Vec<u32> {
    crate::common::pty::workers_of(s.pid())
}
