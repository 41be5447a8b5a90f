//! Recordings, scenarios and lessons: what proclab writes plays back to what
//! it drew, scripted demos run headless, and every asset in the repository
//! runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::PROCLAB;
use crate::common::pty::Screen;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
    // A recording is never written over an old one: start from nothing.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A recording read back: its header and its events.
struct Cast {
    header: serde_json::Value,
    events: Vec<(f64, String, String)>,
}

fn read_cast(path: &Path) -> Cast {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let events = lines
        .map(|l| {
            let e: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|err| panic!("bad event line {l:?}: {err}"));
            (
                e[0].as_f64().unwrap(),
                e[1].as_str().unwrap().to_string(),
                e[2].as_str().unwrap().to_string(),
            )
        })
        .collect();
    Cast { header, events }
}

impl Cast {
    /// The screen a player shows at the end.
    fn replay(&self) -> vt100::Parser {
        let w = self.header["width"].as_u64().unwrap() as u16;
        let h = self.header["height"].as_u64().unwrap() as u16;
        let mut parser = vt100::Parser::new(h.try_into().unwrap(), w.try_into().unwrap(), 0);
        for (_, code, data) in &self.events {
            match code.as_str() {
                "o" => parser.process(data.as_bytes()),
                "r" => {
                    let (c, r) = data.split_once('x').unwrap();
                    parser.screen_mut().set_size(
                        r.parse::<u16>().unwrap().try_into().unwrap(),
                        c.parse::<u16>().unwrap().try_into().unwrap(),
                    );
                }
                _ => {}
            }
        }
        parser
    }

    fn check_valid(&self) {
        assert_eq!(self.header["version"], 2);
        assert!(self.header["width"].as_u64().unwrap() > 0);
        assert!(self.header["timestamp"].as_u64().unwrap() > 0);
        assert!(self.header["env"]["TERM"].is_string());
        // Players compress long pauses and show the theme's own colours.
        assert!(self.header["idle_time_limit"].as_f64().unwrap() > 0.0);
        let theme = &self.header["theme"];
        assert!(theme["fg"].as_str().unwrap().starts_with('#'));
        assert!(theme["bg"].as_str().unwrap().starts_with('#'));
        assert_eq!(theme["palette"].as_str().unwrap().split(':').count(), 16);
        let mut last = 0.0;
        for (t, code, _) in &self.events {
            assert!(*t >= last, "times never decrease");
            last = *t;
            assert!(["o", "i", "m", "r"].contains(&code.as_str()), "{code}");
        }
    }

    fn markers(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter(|(_, c, _)| c == "m")
            .map(|(_, _, d)| d.as_str())
            .collect()
    }
}

#[test]
fn a_recording_replays_to_the_screen_proclab_drew() {
    let dir = temp_dir("replay");
    let cast = dir.join("session.cast");
    let mut s = Screen::start(
        &[
            "--workers",
            "2",
            "--record",
            cast.to_str().unwrap(),
            "--record-input",
        ],
        90,
        26,
    );
    s.wait_for("p2.start()");
    s.press("p");
    s.wait_for("os.kill(p2.pid, signal.SIGSTOP)");
    assert_eq!(s.quit(), 0);
    let drawn = s
        .last_alternate_screen()
        .expect("proclab drew on the alternate screen");

    let cast = read_cast(&cast);
    cast.check_valid();
    assert_eq!(cast.header["width"], 90);
    assert_eq!(cast.header["height"], 26);
    let inputs: Vec<&str> = cast
        .events
        .iter()
        .filter(|(_, c, _)| c == "i")
        .map(|(_, _, d)| d.as_str())
        .collect();
    // q, and q again: a Python parent would wait for the two workers.
    assert_eq!(inputs, vec!["p", "q", "q"]);
    let replayed = cast.replay().screen().contents();
    assert_eq!(
        replayed, drawn,
        "the recording ends on the screen proclab drew"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_headless_scenario_saves_screenshots_and_records_its_theme() {
    let dir = temp_dir("headless-shot");
    let scenario = dir.join("shot.toml");
    std::fs::write(
        &scenario,
        "[settings]\nargs = [\"--workers\", \"1\"]\n[[step]]\nuntil = \"workers >= 1\"\n[[step]]\nkeys = \"S\"\n[[step]]\nwait = 0.3\n",
    )
    .unwrap();
    let cast_path = dir.join("shot.cast");
    let out = Command::new(PROCLAB)
        .arg("play")
        .arg(&scenario)
        .args(["--headless", "--theme", "light", "--screenshot-dir"])
        .arg(&dir)
        .arg("--record")
        .arg(&cast_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("proclab-"))
        .collect();
    assert!(saved.iter().any(|n| n.ends_with(".svg")), "{saved:?}");
    assert!(saved.iter().any(|n| n.ends_with(".txt")), "{saved:?}");
    let cast = read_cast(&cast_path);
    cast.check_valid();
    assert_eq!(
        cast.header["theme"]["bg"], "#ffffff",
        "the light theme's own"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_recording_killed_midway_is_valid_up_to_its_last_frame() {
    let dir = temp_dir("killed");
    let cast_path = dir.join("killed.cast");
    let s = Screen::start(
        &["--workers", "1", "--record", cast_path.to_str().unwrap()],
        80,
        24,
    );
    s.wait_for("p1.start()");
    std::thread::sleep(std::time::Duration::from_millis(500));
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(s.pid() as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    drop(s);
    let cast = read_cast(&cast_path);
    cast.check_valid();
    assert!(cast.replay().screen().contents().contains("p1.start()"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_recording_path_that_cannot_be_written_fails_at_start() {
    let mut s = Screen::start(&["--record", "/nonexistent/dir/x.cast"], 80, 24);
    assert_ne!(s.wait_exit(), 0);
    // The reader may still be taking in the last output: wait for it.
    s.wait_for("cannot record to /nonexistent/dir/x.cast");
    assert!(
        s.last_alternate_screen().is_none(),
        "the terminal was never taken over"
    );
}

#[test]
fn every_scenario_is_built_in_and_plays_by_name_from_any_folder() {
    let dir = temp_dir("scenarios");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenarios)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "assets/scenarios holds scenarios");
    let mut built_in: Vec<&str> = proclab::script::scenario::BUILT_IN
        .iter()
        .map(|(n, _)| *n)
        .collect();
    built_in.sort_unstable();
    let files: Vec<String> = paths
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(built_in, files, "every scenario file is built in");
    // Two at a time: most of a scenario's time is waiting. Each is played
    // by its name, from a folder that holds no scenario.
    let play = |path: &PathBuf| {
        let name = path.file_stem().unwrap();
        let cast_path = dir.join(name).with_extension("cast");
        let out = Command::new(PROCLAB)
            .current_dir(&dir)
            .arg("play")
            .arg(name)
            .args(["--headless", "--speed", "8", "--record"])
            .arg(&cast_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let cast = read_cast(&cast_path);
        cast.check_valid();
        assert!(
            !cast.markers().is_empty(),
            "{} sets markers",
            path.display()
        );
    };
    let (odd, even): (Vec<_>, Vec<_>) = paths.iter().enumerate().partition(|(i, _)| i % 2 == 1);
    std::thread::scope(|s| {
        let other = s.spawn(|| odd.iter().for_each(|(_, p)| play(p)));
        even.iter().for_each(|(_, p)| play(p));
        other.join().unwrap();
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_lesson_runs_headless() {
    let list = Command::new(PROCLAB).arg("lesson").output().unwrap();
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("  ")?;
            let name = l.split_whitespace().next()?;
            (!l.starts_with(' ')).then(|| name.to_string())
        })
        .collect();
    assert!(names.contains(&"lifecycle".to_string()), "{names:?}");
    let dir = temp_dir("lessons");
    let run = |name: &String| {
        let cast_path = dir.join(format!("{name}.cast"));
        let out = Command::new(PROCLAB)
            .args(["lesson", name, "--headless", "--speed", "10", "--record"])
            .arg(&cast_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "lesson {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cast = read_cast(&cast_path);
        assert_eq!(
            cast.markers().last(),
            Some(&"lesson finished"),
            "lesson {name}"
        );
    };
    // Two at a time: most of a lesson's time is waiting.
    let (odd, even): (Vec<_>, Vec<_>) = names.iter().enumerate().partition(|(i, _)| i % 2 == 1);
    std::thread::scope(|s| {
        let other = s.spawn(|| odd.iter().for_each(|(_, n)| run(n)));
        even.iter().for_each(|(_, n)| run(n));
        other.join().unwrap();
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_scenario_whose_wait_never_holds_fails_with_its_line() {
    let dir = temp_dir("failing");
    let path = dir.join("stuck.toml");
    std::fs::write(
        &path,
        "[settings]\nargs = [\"--workers\", \"0\"]\n\n[[step]]\nuntil = \"workers >= 1\"\ntimeout = 0.5\n",
    )
    .unwrap();
    let out = Command::new(PROCLAB)
        .arg("play")
        .arg(&path)
        .arg("--headless")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("workers >= 1"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
