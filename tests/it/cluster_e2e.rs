//! The cluster lab in the real binary, in a pseudo-terminal, with real
//! redis-server and Celery nodes (`scripts/install-cluster-deps.sh`
//! installs them; without them these fail with the command that does):
//! opened by its number key, nodes up, a batch through the queue, a node
//! killed and reported, `q` leaving no process behind. Bad flags fail
//! before the terminal is touched; without redis-server the lab and
//! `proclab doctor` say what installs it.

use std::time::Duration;

use crate::common::pty::Screen;
use crate::common::*;
use proclab::lab::cluster::node::children;

/// Python starting Celery on a busy 2-core machine takes seconds.
const NODES_UP: Duration = Duration::from_secs(90);

/// Every process below `pid`, from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut next = vec![pid];
    while let Some(p) = next.pop() {
        for c in children(p) {
            out.push(c);
            next.push(c);
        }
    }
    out
}

/// The number before " queued" on the panel's gauge line.
fn queued(screen: &str) -> Option<u64> {
    let at = screen.find(" queued")?;
    screen[..at]
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Rows of the node table that say online (not the log's "is online").
fn online_rows(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.contains(" online ") && !l.contains("is online"))
        .count()
}

#[test]
fn lab_9_opens_on_its_key_runs_a_batch_reports_a_kill_and_leaves_nothing() {
    let log = std::env::temp_dir().join(format!("proclab-cluster-e2e-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut s = Screen::start(
        &[
            "--lab",
            "lifecycle",
            "--workers",
            "0",
            "--batch",
            "12",
            "--log",
            log.to_str().unwrap(),
        ],
        100,
        30,
    );
    s.wait_for("Lifecycle");
    // Nothing of the cluster runs until its lab is opened.
    assert!(
        descendants(s.pid()).is_empty(),
        "{:?}",
        descendants(s.pid())
    );
    s.press("9");
    let text = s.wait_until_within("two nodes online", NODES_UP, |t| online_rows(t) == 2);
    assert!(text.contains("its own redis-server"), "{text}");
    // redis-server, two nodes and their pool processes.
    let ours = descendants(s.pid());
    assert_eq!(ours.len(), 5, "{ours:?}");

    s.press("b");
    let text = s.wait_until_within("the batch on the queue", NODES_UP, |t| {
        queued(t).is_some_and(|q| q > 0)
    });
    let first = queued(&text).unwrap();
    assert!(
        text.contains("[count_primes.delay(300000) for _ in range(12)]"),
        "{text}"
    );
    s.wait_until_within("the queue to shrink", NODES_UP, |t| {
        queued(t).is_some_and(|q| q < first)
    });

    // k: the selected node (the newest), killed while it holds tasks.
    s.press("k");
    let text = s.wait_until_within("the kill reported", NODES_UP, |t| {
        t.contains("killed (k)") && t.contains("held") && t.contains("killed -9")
    });
    // Its Python line, in the log (the panel may have scrolled it past).
    let _ = text;
    wait_logged(&log, "signal.SIGKILL)", NODES_UP);
    let _ = std::fs::remove_file(&log);

    s.press("q");
    assert_eq!(s.wait_exit(), 0);
    assert!(!s.alternate_screen(), "the terminal is restored");
    // The nodes and the server were proclab's children, reaped by it; the
    // pool processes were the nodes', and are reaped by init a moment
    // after they die with their node.
    for pid in ours {
        wait_until(&format!("process {pid} gone with proclab"), || gone(pid));
    }
}

#[test]
fn bad_cluster_flags_fail_before_the_terminal_is_touched() {
    for (args, needle) in [
        (
            &["--lab", "cluster", "--broker", "http://h:1/0"][..],
            "redis://",
        ),
        (
            &["--broker", "redis://h:port/0"],
            "PORT is not a port number",
        ),
        (&["--nodes", "99"], "--nodes"),
        (&["--concurrency", "0"], "--concurrency"),
        (&["--batch", "0"], "--batch"),
        (&["--visibility-timeout", "0"], "--visibility-timeout"),
    ] {
        let out = std::process::Command::new(PROCLAB)
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "nothing drawn");
    }
}

/// A PATH with python3 (the same one) and no redis-server.
fn path_without_redis() -> std::path::PathBuf {
    let python = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    let dir = std::env::temp_dir().join(format!("proclab-no-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("python3");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(python, link).unwrap();
    dir
}

#[test]
fn without_redis_server_the_lab_and_doctor_give_the_install_command() {
    let dir = path_without_redis();
    let path = dir.display().to_string();
    let out = std::process::Command::new(PROCLAB)
        .arg("doctor")
        .env("PATH", &path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("redis-server    missing"), "{said}");
    assert!(said.contains("apt-get install -y redis-server"), "{said}");

    let mut s = Screen::start_with_env(PROCLAB, &["--lab", "cluster"], &[("PATH", &path)], 90, 28);
    let text = s.wait_until_within("the missing part named", NODES_UP, |t| {
        t.contains("needs redis-server") && t.contains("apt-get install -y redis-server")
    });
    assert!(text.contains("o to open"), "{text}");
    s.press("q");
    assert_eq!(s.wait_exit(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}
