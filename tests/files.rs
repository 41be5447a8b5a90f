//! Files proclab writes: a recording or a screenshot never overwrites a
//! file by surprise nor follows a planted symbolic link, and a recording
//! cut short by a full disk stays a valid recording.

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use common::PROCLAB;
use common::pty::Screen;
use proclab::record::screenshot::stamp;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario that runs until the log shows `needle` (or 30 s pass), its
/// screen busy: eight workers' progress bars, drawn 50 times a second.
fn scenario(dir: &Path, needle: &str) -> PathBuf {
    let path = dir.join("busy.toml");
    std::fs::write(
        &path,
        format!(
            "[settings]\nargs = [\"--workers\", \"8\", \"--workload\", \"io\", \"--task-ms\", \"50\", \"--refresh-ms\", \"20\"]\n\n\
             [[step]]\nuntil = 'log contains \"{needle}\"'\ntimeout = 30\n\
             [[step]]\nwait = 0.3\n"
        ),
    )
    .unwrap();
    path
}

fn play(scenario: &Path, extra: &[&str], cast: &Path) -> Output {
    Command::new(PROCLAB)
        .arg("play")
        .arg(scenario)
        .arg("--headless")
        .args(extra)
        .arg("--record")
        .arg(cast)
        .output()
        .unwrap()
}

/// Every line of a recording is whole JSON, the last one included.
fn check_whole(cast: &Path) -> usize {
    let bytes = std::fs::read(cast).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'), "the file ends on a whole line");
    let text = String::from_utf8(bytes).unwrap();
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("a cut line {line:?}: {e}"));
    }
    text.lines().count()
}

#[test]
fn record_refuses_an_existing_file_unless_forced_and_never_follows_a_link() {
    let dir = temp_dir("record-refuses");
    let quick = scenario(&dir, "p8.start()");
    let existing = dir.join("old.cast");
    std::fs::write(&existing, "an older recording").unwrap();
    let out = play(&quick, &[], &existing);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        format!(
            "proclab: cannot record to {}: the file exists (--force overwrites it)",
            existing.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "an older recording"
    );

    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.join("link.cast");
    symlink(&victim, &link).unwrap();
    let dangling = dir.join("dangling.cast");
    symlink(dir.join("made-by-a-link"), &dangling).unwrap();
    for path in [&link, &dangling] {
        for extra in [&[][..], &["--force"]] {
            let out = play(&quick, extra, path);
            assert!(!out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(err.contains("symbolic link"), "{err}");
        }
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!dir.join("made-by-a-link").exists());

    let out = play(&quick, &["--force"], &existing);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(check_whole(&existing) > 2, "a fresh recording replaced it");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn s_follows_no_planted_link_and_takes_a_fresh_name() {
    let dir = temp_dir("shot-planted");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    // The names `S` will pick for the next minute: the SVG's a link to the
    // victim, the text's a link to a file that must not appear.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for secs in now - 2..now + 60 {
        let base = format!("proclab-{}", stamp(secs));
        symlink(&victim, dir.join(format!("{base}.svg"))).unwrap();
        symlink(dir.join("made-by-a-link"), dir.join(format!("{base}.txt"))).unwrap();
    }
    let mut s = Screen::start(
        &["--workers", "1", "--screenshot-dir", dir.to_str().unwrap()],
        80,
        24,
    );
    s.wait_for("p1.start()");
    s.press("S");
    s.wait_for("screenshot saved");
    assert_eq!(s.quit(), 0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!dir.join("made-by-a-link").exists());
    let saved: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !std::fs::symlink_metadata(p).unwrap().is_symlink())
        .filter(|p| p != &victim)
        .collect();
    assert_eq!(saved.len(), 2, "{saved:?}");
    for p in &saved {
        assert!(p.to_string_lossy().contains("-2."), "{}", p.display());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Plays `scenario` recording onto a tmpfs of `size`, mounted in a mount
/// namespace of its own (`unshare`, which needs root or user namespaces),
/// and copies the recording out to `out`. None where the machine does not
/// allow the mount.
fn play_on_small_disk(scenario: &Path, size: &str, out: &Path) -> Option<Output> {
    let script = format!(
        "mount -t tmpfs -o size={size} tmpfs \"$1\" || exit 99; \
         \"$2\" play \"$3\" --headless --record \"$1/full.cast\"; rc=$?; \
         cp \"$1/full.cast\" \"$4\"; exit $rc"
    );
    let disk = out.with_extension("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let result = Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c", &script, "sh"])
        .arg(&disk)
        .arg(PROCLAB)
        .arg(scenario)
        .arg(out)
        .output()
        .ok()?;
    let mounted = result.status.code() != Some(99) && out.exists();
    mounted.then_some(result)
}

#[test]
fn a_recording_on_a_full_disk_ends_on_a_whole_event() {
    let dir = temp_dir("record-full");
    let busy = scenario(&dir, "last whole event");
    let cast = dir.join("full.cast");
    let Some(out) = play_on_small_disk(&busy, "64k", &cast) else {
        eprintln!("skipped: this machine does not let a test mount a small tmpfs");
        return;
    };
    assert!(
        out.status.success(),
        "the log said the recording stopped: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let len = std::fs::metadata(&cast).unwrap().len();
    assert!(len <= 64 * 1024, "{len}");
    assert!(
        len > 32 * 1024,
        "the recording went on until the disk was full: {len}"
    );
    assert!(check_whole(&cast) > 2);
    std::fs::remove_dir_all(dir).unwrap();
}
