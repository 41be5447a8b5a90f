//! Faults met head-on by the real binary: files too large to be scripts,
//! keys a headless run cannot follow, and open-file limits too low for the
//! workers asked for.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::PROCLAB;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn proclab(args: &[&str], file: &Path) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(PROCLAB)
        .args(args)
        .arg(file)
        .arg("--headless")
        .output()
        .unwrap();
    (out, start.elapsed())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim_end().to_string()
}

#[test]
fn a_ten_megabyte_script_is_refused_at_once() {
    let dir = temp_dir("big-scripts");
    let scenario = dir.join("big.toml");
    std::fs::write(&scenario, "[[step]]\nwait = 0\n".repeat(600_000)).unwrap();
    let lesson = dir.join("big-lesson.toml");
    let step = "[[step]]\ncaption = \"c\"\npython = \"p\"\ncheck = \"workers >= 0\"\n";
    std::fs::write(
        &lesson,
        format!("title = \"t\"\nsummary = \"s\"\n{}", step.repeat(170_000)),
    )
    .unwrap();
    for (cmd, file) in [("play", &scenario), ("lesson", &lesson)] {
        assert!(std::fs::metadata(file).unwrap().len() >= 10_000_000);
        let (out, took) = proclab(&[cmd], file);
        assert!(!out.status.success());
        assert_eq!(
            stderr(&out),
            format!(
                "proclab: {}, line 1: the file is {} bytes, more than a scenario or lesson may be (256 KiB)",
                file.display(),
                std::fs::metadata(file).unwrap().len()
            )
        );
        // Start-up included, on a busy machine: far from the minutes it took.
        assert!(took < Duration::from_secs(2), "{cmd}: {took:?}");
        println!("{cmd}: a 10 MB file refused in {took:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_script_of_endless_input_is_refused_after_the_cap() {
    let (out, took) = proclab(&["play"], Path::new("/dev/zero"));
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "proclab: /dev/zero, line 1: it holds more than a scenario or lesson may (256 KiB)"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn too_many_steps_are_refused_before_they_are_read() {
    let dir = temp_dir("many-steps");
    let tables = dir.join("tables.toml");
    std::fs::write(&tables, "[[step]]\nwait = 0\n".repeat(1001)).unwrap();
    let inline = dir.join("inline.toml");
    std::fs::write(
        &inline,
        format!("step = [{}]\n", "{wait = 0}, ".repeat(1001)),
    )
    .unwrap();
    for (file, line) in [(&tables, 2001), (&inline, 1)] {
        let (out, _) = proclab(&["play"], file);
        assert!(!out.status.success());
        assert_eq!(
            stderr(&out),
            format!(
                "proclab: {}, line {line}: more than 1000 steps: split it into several files",
                file.display()
            )
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_headless_run_refuses_to_open_a_lesson_and_goes_on() {
    let dir = temp_dir("headless-lesson");
    let scenario = dir.join("lesson-keys.toml");
    std::fs::write(
        &scenario,
        "[settings]\nargs = [\"--workers\", \"0\"]\n\n\
         [[step]]\nkeys = \"L enter\"\n\
         [[step]]\nuntil = 'log contains \"lessons cannot be opened from a headless run\"'\ntimeout = 5\n\
         [[step]]\nkeys = \"s\"\n\
         [[step]]\nuntil = \"workers >= 1\"\n",
    )
    .unwrap();
    let (out, _) = proclab(&["play"], &scenario);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 worker joined"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}
