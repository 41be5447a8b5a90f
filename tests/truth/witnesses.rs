//! Runs the CPython witnesses (`tests/python/*.py`): one `python3` process
//! per case, several at once, each in a process group of its own that is
//! emptied when it ends, so no witness leaves a process behind even when
//! it fails or hangs past its time.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one case may take before it is killed (they take a few
/// seconds at most; a hang is detected inside the case, in 1.5 s).
const CASE_LIMIT: Duration = Duration::from_secs(90);
/// Cases run at once: most of their time is spent waiting out a hang.
const AT_ONCE: usize = 8;

/// What one case reported.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: Result<Value, String>,
    pub seconds: f64,
    /// Processes of the case's group still running after it exited.
    pub left_behind: Vec<String>,
}

/// Every case of every witness, by (file, case).
#[derive(Debug)]
pub struct Witnesses {
    pub cases: BTreeMap<(String, String), Outcome>,
    pub seconds: f64,
}

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// `python3`, or a failure that says how to get it.
pub fn python3() -> &'static str {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "python3 is not on PATH: the truth suite checks every Python line proclab shows against \
         real CPython and does not skip. Install CPython 3.11 or later (Debian or Ubuntu: \
         `apt-get install python3`; elsewhere: https://www.python.org/downloads/) and run again."
    );
    "python3"
}

/// The witness files, without `.py`.
pub fn files() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/python is there")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".py")?;
            (stem != "witness").then(|| stem.to_string())
        })
        .collect();
    out.sort();
    out
}

/// The cases a file has, as it lists them.
pub fn cases_of(file: &str) -> Vec<String> {
    listed(file).into_iter().map(|(c, _)| c).collect()
}

/// The cases a file has, each with whether it must run alone.
fn listed(file: &str) -> Vec<(String, bool)> {
    let out = Command::new(python3())
        .args(["-B", &format!("{file}.py"), "--list"])
        .current_dir(dir())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{file}.py --list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases: Vec<Value> = serde_json::from_slice(&out.stdout).expect("--list prints a JSON list");
    cases
        .iter()
        .map(|c| (c["case"].as_str().unwrap().to_string(), c["alone"] == true))
        .collect()
}

/// Runs every case of every file: several at once, then the ones that
/// must run alone, one by one.
pub fn run_all() -> Witnesses {
    let start = Instant::now();
    let (alone, together): (Vec<_>, Vec<_>) = files()
        .into_iter()
        .flat_map(|f| listed(&f).into_iter().map(move |(c, a)| (f.clone(), c, a)))
        .partition(|(_, _, a)| *a);
    let cases = Mutex::new(BTreeMap::new());
    run_cases(&together, AT_ONCE, &cases);
    run_cases(&alone, 1, &cases);
    Witnesses {
        cases: cases.into_inner().unwrap(),
        seconds: start.elapsed().as_secs_f64(),
    }
}

type Results = Mutex<BTreeMap<(String, String), Outcome>>;

fn run_cases(all: &[(String, String, bool)], at_once: usize, cases: &Results) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..at_once {
            s.spawn(|| {
                while let Some((file, case, _)) = all.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let outcome = run_case(file, case);
                    cases
                        .lock()
                        .unwrap()
                        .insert((file.clone(), case.clone()), outcome);
                }
            });
        }
    });
}

/// Runs one case in a process group of its own, then empties the group.
pub fn run_case(file: &str, case: &str) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new(python3())
        .args(["-B", &format!("{file}.py"), case])
        .current_dir(dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("python3 starts");
    let pgid = child.id() as i32;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut timed_out = false;
    loop {
        if child.try_wait().expect("wait works").is_some() {
            break;
        }
        if start.elapsed() > CASE_LIMIT {
            timed_out = true;
            kill_group(pgid);
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let left_behind = empty_group(pgid);
    // Readers end once every writer in the group is gone.
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let result = if timed_out {
        Err(format!("no answer in {CASE_LIMIT:?}; stderr:\n{stderr}"))
    } else {
        parse(case, &stdout, &stderr)
    };
    Outcome {
        result,
        seconds: start.elapsed().as_secs_f64(),
        left_behind,
    }
}

fn parse(case: &str, stdout: &str, stderr: &str) -> Result<Value, String> {
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["case"] == case {
            if let Some(r) = v.get("result") {
                return Ok(r.clone());
            }
            return Err(format!(
                "raised:\n{}",
                v["error"].as_str().unwrap_or_default()
            ));
        }
    }
    Err(format!(
        "no result line; stdout:\n{stdout}\nstderr:\n{stderr}"
    ))
}

fn kill_group(pgid: i32) {
    // Safety: kill(2) with a negative pid signals a process group we made.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Processes of group `pgid` that are not zombies, as "pid command".
fn members(pgid: i32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let close = stat.rfind(')')?;
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let (state, group) = (fields.first()?, fields.get(2)?.parse::<i32>().ok()?);
        (group == pgid && *state != "Z").then(|| format!("{pid} {}", &stat[..=close]))
    })
    .collect()
}

/// Waits briefly for the case's group to empty (a spawn start method's
/// resource tracker leaves a moment after its parent), then kills what is
/// left and says what that was.
fn empty_group(pgid: i32) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = members(pgid);
        if left.is_empty() {
            return left;
        }
        if Instant::now() > deadline {
            kill_group(pgid);
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
