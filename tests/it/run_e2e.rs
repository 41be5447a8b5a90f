//! `proclab run` and `proclab attach` as a user meets them: the real
//! binary in a pseudo-terminal on real Python programs. A bad script or
//! pid is one line before the terminal is touched; the tree, the output
//! and the events show; p, t and k act on the selected process; `q` ends
//! a started program's whole tree and leaves an attached one running;
//! a lab's `R` runs its example.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::pty::{DOWN, Screen};
use crate::common::{PROCLAB, wait_logged};

/// A folder for one test's script, removed on drop.
/// How long a line may take to reach the log file on a busy machine.
const LOGGED: Duration = Duration::from_secs(60);

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("proclab-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn script(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The numbers after `word ` on the screen.
fn pids_after(screen: &str, word: &str) -> Vec<u32> {
    screen
        .split(word)
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

fn gone(pids: &[u32]) {
    let start = Instant::now();
    while pids
        .iter()
        .any(|&p| Path::new(&format!("/proc/{p}")).exists())
    {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "left behind: {:?}",
            pids.iter()
                .filter(|p| Path::new(&format!("/proc/{p}")).exists())
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_bad_script_or_pid_is_one_line_before_the_terminal_is_touched() {
    for (args, expected) in [
        (
            &["run", "no/such.py"][..],
            "proclab: cannot run no/such.py: there is no such file",
        ),
        (
            &["run"],
            "proclab: nothing to run: give a script (proclab run script.py) or a command after -- (proclab run -- PROGRAM ARGS...)",
        ),
        (
            &["attach", "999999999"],
            "proclab: there is no process 999999999 to attach to",
        ),
    ] {
        let out = Command::new(PROCLAB).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim_end(), expected);
        assert!(out.stdout.is_empty(), "{args:?}: nothing drawn");
    }
    // A command that cannot start is said before the terminal is taken.
    let s = Screen::start(&["run", "--", "/no/such/program"], 80, 24);
    let mut s = s;
    assert_ne!(s.wait_exit(), 0);
    let text = s.text();
    assert!(text.contains("cannot start /no/such/program"), "{text}");
    assert!(
        s.last_alternate_screen().is_none(),
        "the screen was not taken"
    );
}

/// A Process that sleeps in a loop until it is ended; the parent joins
/// it and prints its exitcode, then waits.
const LOOPER: &str = r#"
import multiprocessing as mp, os, time

def loop():
    while True:
        time.sleep(0.02)

if __name__ == "__main__":
    mp.set_start_method("fork")
    p = mp.Process(target=loop, name="looper")
    p.start()
    print("child", p.pid, "main", os.getpid(), flush=True)
    p.join()
    print("exitcode", p.exitcode, flush=True)
    time.sleep(60)
"#;

#[test]
fn keys_pause_terminate_and_resume_the_selected_child_and_q_ends_the_tree() {
    let dir = Dir::new("keys");
    let script = dir.script("looper.py", LOOPER);
    let log = dir.0.join("looper.log");
    let mut s = Screen::start(&["run", "--log", log.to_str().unwrap(), &script], 80, 24);
    let text = s.wait_for("Process looper → loop");
    assert!(text.contains("main looper.py"), "{text}");
    let text = s.wait_for("│child ");
    let child = pids_after(&text, "│child ")[0];
    let main = pids_after(&text, " main ")[0];
    // The child is the second row: select it.
    s.press(DOWN);
    s.press("p");
    s.wait_for("T  stopped");
    wait_logged(&log, &format!("os.kill({child}, signal.SIGSTOP)"), LOGGED);
    s.press("t");
    s.wait_for("stopped with SIGTERM pending: it ends once resumed");
    wait_logged(&log, "p.terminate()  # SIGTERM waits", LOGGED);
    // Still stopped: the program has not seen its end.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!s.text().contains("exitcode -15"));
    s.press("p");
    s.wait_for("│exitcode -15");
    wait_logged(&log, "p.join()  # p.exitcode == -15", LOGGED);
    // q: the program (which sleeps on) is ended, and nothing is left.
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
    gone(&[child, main]);
}

#[test]
fn an_example_runs_under_the_view_and_stays_to_be_read_after_its_end() {
    let dir = Dir::new("zombie");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python/forgotten_join.py");
    let script = dir.script(
        "forgotten_join.py",
        &std::fs::read_to_string(example).unwrap(),
    );
    let mut s = Screen::start(&["run", &script, "1.5"], 120, 36);
    // A real zombie, and the call that would reap it.
    // What it is comes from the parent's report of p.start(), which may
    // reach proclab a reading after the zombie on a loaded machine.
    s.wait_until("the zombie, named as the Process it is", |t| {
        t.contains("zombie: not joined") && t.contains("└ Process forgotten")
    });
    s.wait_for("not joined: a zombie");
    s.wait_for("p.join()  # or p.is_alive(), p.exitcode");
    // Files of the script's own folder by their name alone.
    s.wait_for(" forgotten_join.py:29 forgotten (");
    s.wait_for("forgotten (");
    s.wait_for("joined: exitcode 0");
    let text = s.wait_for("exit 0");
    // Its output, each line marked with the pid that wrote it.
    assert!(
        text.contains("│joined: exitcode 0; the zombie is gone"),
        "{text}"
    );
    assert!(text.contains("p.join()  # p.exitcode == 0"), "{text}");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn quitting_attach_leaves_the_program_running_and_says_whose_it_is() {
    let mut sleeper = Command::new("python3")
        .args(["-c", "import time; time.sleep(60)"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = sleeper.id();
    let mut s = Screen::start(&["attach", &pid.to_string()], 100, 30);
    s.wait_for(&format!("attached to {pid}"));
    // Its output goes where it was started, and the panel says so.
    s.wait_for("not captured: it writes where it was started");
    s.press("p");
    s.wait_for("the process is yours");
    s.wait_for("T  stopped");
    s.press("p");
    s.wait_for("continues where it stopped");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
    std::thread::sleep(Duration::from_millis(200));
    assert!(alive(pid), "quitting attach ended the program");
    assert_eq!(sleeper.try_wait().unwrap(), None);
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
}

#[test]
fn r_in_a_lab_runs_its_real_counterpart() {
    let dir = Dir::new("counterpart");
    let log = dir.0.join("pool.log");
    let mut s = Screen::start(&["--lab", "pool", "--log", log.to_str().unwrap()], 100, 30);
    s.wait_for("Pool");
    s.press("R");
    s.wait_until("pool_map.py's first run", |t| {
        t.lines().next().is_some_and(|h| h.contains("pool_map.py")) && t.contains("Processes run 1")
    });
    wait_logged(&log, "pool = Pool(2)", LOGGED);
    let text = s.text();
    assert!(text.contains(" Run "), "the Run tab: {text}");
    wait_logged(&log, "the program ended: exit code 0", LOGGED);
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
}
