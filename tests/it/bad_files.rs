//! Every bad config, scenario and lesson file under tests/bad/ gets its own
//! exact error, written on the file's first line (`# error: ...`, with
//! `{path}` for the file's path), and nothing starts.

use std::path::Path;
use std::process::Command;

use crate::common::PROCLAB;

/// Runs proclab on each file of a folder and compares stderr with the
/// error the file expects.
fn check_folder(folder: &str, args: impl Fn(&str) -> Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(folder);
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{} starts with # error: ...", path.display()));
        let shown = path.to_str().unwrap();
        let out = Command::new(PROCLAB).args(args(shown)).output().unwrap();
        assert!(!out.status.success(), "{shown} must fail");
        assert!(out.stdout.is_empty(), "{shown}: nothing drawn");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            expected.replace("{path}", shown),
            "{shown}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "{folder} holds bad files");
}

#[test]
fn every_bad_config_file_gets_its_own_error() {
    check_folder("config", |p| vec!["--config".into(), p.into()]);
}

#[test]
fn every_bad_scenario_gets_its_own_error() {
    check_folder("scenarios", |p| {
        vec!["play".into(), p.into(), "--headless".into()]
    });
}

#[test]
fn every_bad_lesson_gets_its_own_error() {
    check_folder("lessons", |p| {
        vec!["lesson".into(), p.into(), "--headless".into()]
    });
}
