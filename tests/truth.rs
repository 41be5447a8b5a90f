//! What proclab says about Python is what CPython does.
//!
//! Every claim of `proclab::app::claims` names the CPython program that
//! witnesses it (`tests/python/FILE.py`, one case) and what that case must
//! report. This suite runs every witness with `python3` (and fails, saying
//! how to get it, when there is none), checks each claim against what its
//! witness reported, compares the lab with CPython where the lab acts,
//! parses every code template, and matches the lessons' Python against the
//! table.

mod common;
#[path = "truth/lab_checks.rs"]
mod lab_checks;
#[path = "truth/witnesses.rs"]
mod witnesses;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use proclab::app::claims::{self, Entry, Lab, LabCheck, Lang, Named};
use serde_json::Value;

use witnesses::{Outcome, Witnesses};

/// The witnesses, run once for every test that needs them.
fn witnessed() -> &'static Witnesses {
    static RUN: OnceLock<Witnesses> = OnceLock::new();
    RUN.get_or_init(|| {
        let w = witnesses::run_all();
        eprintln!("{} witness cases in {:.1} s", w.cases.len(), w.seconds);
        w
    })
}

fn id(c: &Named) -> String {
    format!("{}::{}", c.area, c.name)
}

fn outcome<'a>(w: &'a Witnesses, file: &str, case: &str) -> Option<&'a Outcome> {
    w.cases.get(&(file.to_string(), case.to_string()))
}

/// The keys of `expect` that `result` does not hold with the same value.
fn mismatches(expect: &Value, result: &Value) -> Vec<String> {
    let Some(expect) = expect.as_object() else {
        return vec![format!("expectation {expect} is not an object")];
    };
    expect
        .iter()
        .filter(|(k, v)| result.get(k.as_str()) != Some(v))
        .map(|(k, v)| {
            format!(
                "{k}: expected {v}, CPython gave {}",
                result.get(k.as_str()).unwrap_or(&Value::Null)
            )
        })
        .collect()
}

#[test]
fn every_witness_case_runs_cleanly_and_leaves_nothing_behind() {
    let w = witnessed();
    let mut slowest: Vec<(&(String, String), f64)> =
        w.cases.iter().map(|(k, o)| (k, o.seconds)).collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    for ((file, case), s) in slowest.iter().take(5) {
        eprintln!("{s:5.1} s  {file}.py {case}");
    }
    let mut bad = Vec::new();
    for ((file, case), o) in &w.cases {
        if let Err(e) = &o.result {
            bad.push(format!("{file}.py {case}: {e}"));
        }
        if !o.left_behind.is_empty() {
            bad.push(format!(
                "{file}.py {case} left processes behind: {:?}",
                o.left_behind
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
    // Under a minute on a machine no busier than its cores; a shared
    // machine running others' builds gets the time its load takes away.
    let busy = load_per_core().max(1.0);
    assert!(
        w.seconds < 60.0 * busy,
        "the witnesses took {:.1} s with {busy:.1}x the time for the load; they must stay well under a minute on an idle machine",
        w.seconds
    );
}

/// The last minute's load average per core (`/proc/loadavg`).
fn load_per_core() -> f64 {
    let load: f64 = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    load / cores as f64
}

#[test]
fn cpython_does_what_every_claim_says() {
    let w = witnessed();
    let mut bad = Vec::new();
    for c in claims::all() {
        for wit in c.entry.witness {
            let Some(o) = outcome(w, wit.file, wit.case) else {
                bad.push(format!(
                    "{}: no witness case {}.py {}",
                    id(&c),
                    wit.file,
                    wit.case
                ));
                continue;
            };
            let Ok(result) = &o.result else {
                continue; // said by the test above
            };
            let expect: Value = serde_json::from_str(wit.expect)
                .unwrap_or_else(|e| panic!("{}: bad expectation {}: {e}", id(&c), wit.expect));
            for m in mismatches(&expect, result) {
                bad.push(format!(
                    "{} ({}.py {}): {m}\n  code: {}",
                    id(&c),
                    wit.file,
                    wit.case,
                    c.entry.code
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "claims CPython does not bear out:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_claim_has_a_witness_and_every_witness_case_backs_a_claim() {
    let all = claims::all();
    let mut bad = Vec::new();
    for c in &all {
        match (c.entry.witness.is_empty(), c.entry.unwitnessed) {
            (true, None) => bad.push(format!(
                "{}: no witness: add a case to tests/python/ that shows it (or, if no CPython \
                 on this machine can, say why with .unwitnessed(...))",
                id(c)
            )),
            (false, Some(why)) => bad.push(format!(
                "{}: has a witness, yet says none can be had: {why}",
                id(c)
            )),
            _ => {}
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let used: BTreeSet<(String, String)> = all
        .iter()
        .flat_map(|c| c.entry.witness.iter())
        .map(|w| (w.file.to_string(), w.case.to_string()))
        .collect();
    let mut listed = BTreeSet::new();
    for file in witnesses::files() {
        for case in witnesses::cases_of(&file) {
            listed.insert((file.clone(), case));
        }
    }
    let missing: Vec<_> = used.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "claims name cases no witness has: {missing:?}"
    );
    let unused: Vec<_> = listed.difference(&used).collect();
    assert!(unused.is_empty(), "witness cases no claim uses: {unused:?}");
}

#[test]
fn every_code_template_filled_with_samples_is_valid_python() {
    let python: Vec<(String, String)> = claims::all()
        .iter()
        .filter(|c| c.entry.lang == Lang::Python)
        .map(|c| (id(c), claims::sample(c.entry.code)))
        .collect();
    let bad = unparsable(&python);
    assert!(
        bad.is_empty(),
        "code that is not Python:\n{}",
        bad.join("\n")
    );
}

/// The snippets `ast.parse` rejects, each with its error; one python3 run.
fn unparsable(snippets: &[(String, String)]) -> Vec<String> {
    const CHECK: &str = "import ast, json, sys\n\
        out = []\n\
        for name, code in json.load(sys.stdin):\n\
        \x20   try:\n\
        \x20       ast.parse(code)\n\
        \x20   except SyntaxError as e:\n\
        \x20       out.append(f'{name}: {e.msg}: {code!r}')\n\
        print(json.dumps(out))\n";
    let mut child = Command::new(witnesses::python3())
        .args(["-c", CHECK])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input = serde_json::to_vec(snippets).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout).expect("the checker prints a JSON list")
}

#[test]
fn the_checks_of_the_suite_can_fail() {
    // A parse check that passed everything would pass nothing here.
    let bad = unparsable(&[
        (
            "slow motion at 80 columns".into(),
            "t = v.value; time.sleep(0.3) v.value = t + 1".into(),
        ),
        ("a clause alone".into(), "except EOFError:  # in p3".into()),
        ("fine".into(), "p3.terminate()".into()),
    ]);
    assert_eq!(bad.len(), 2, "{bad:?}");
    let expect = serde_json::json!({"exitcode": -15});
    assert!(mismatches(&expect, &serde_json::json!({"exitcode": -9})).len() == 1);
    assert!(mismatches(&expect, &serde_json::json!({"exitcode": -15, "more": 1})).is_empty());
}

/// Spaces collapsed, ends trimmed, blank lines dropped.
fn normalize(code: &str) -> String {
    code.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let words: Vec<&str> = l.split_whitespace().collect();
            format!("{}{}", " ".repeat(indent), words.join(" "))
        })
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` is `template` with its holes filled by some values.
fn matches_template(template: &str, code: &str) -> bool {
    let template = normalize(template);
    let mut parts = template.split('{').peekable();
    let mut rest = code;
    let first = parts.next().unwrap_or_default();
    let Some(r) = rest.strip_prefix(first) else {
        return false;
    };
    rest = r;
    let mut pieces = Vec::new();
    for p in parts {
        let Some((_, lit)) = p.split_once('}') else {
            return false;
        };
        pieces.push(lit);
    }
    fits(rest, &pieces)
}

/// Whether `rest` is: a hole's value (one line, not empty), then
/// `pieces[0]`, a value, `pieces[1]`, ... in turn.
fn fits(rest: &str, pieces: &[&str]) -> bool {
    let Some((lit, more)) = pieces.split_first() else {
        return rest.is_empty();
    };
    (1..=rest.len()).any(|n| {
        rest.is_char_boundary(n)
            && !rest[..n].contains('\n')
            && rest[n..].starts_with(lit)
            && fits(&rest[n + lit.len()..], more)
    })
}

/// Lessons' steps whose Python is wrong today, with what is wrong: fixed
/// with the narration, when this list empties.
const LESSON_LINES_WRONG_TODAY: &[(&str, usize, &str)] = &[];

#[test]
fn every_lessons_python_is_a_claim() {
    let templates: Vec<&Entry> = claims::all().iter().map(|c| c.entry).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/lessons");
    let mut wrong = Vec::new();
    let mut still_listed: Vec<(String, usize)> = LESSON_LINES_WRONG_TODAY
        .iter()
        .map(|(l, s, _)| (l.to_string(), *s))
        .collect();
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let lesson = path.file_stem().unwrap().to_string_lossy().to_string();
        let doc: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (i, step) in doc["step"].as_array().unwrap().iter().enumerate() {
            let Some(code) = step.get("python").and_then(|p| p.as_str()) else {
                continue;
            };
            let code = normalize(code);
            let known = templates.iter().any(|e| matches_template(e.code, &code));
            let listed = still_listed
                .iter()
                .position(|(l, s)| *l == lesson && *s == i + 1);
            match (known, listed) {
                (true, Some(at)) => {
                    wrong.push(format!("{lesson} step {}: matches a claim now: take it off LESSON_LINES_WRONG_TODAY", i + 1));
                    still_listed.remove(at);
                }
                (false, None) => {
                    wrong.push(format!("{lesson} step {}: no claim says\n{code}", i + 1))
                }
                (false, Some(at)) => {
                    still_listed.remove(at);
                }
                (true, None) => {}
            }
        }
    }
    assert!(
        still_listed.is_empty(),
        "listed but not found: {still_listed:?}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn templates_match_what_they_fill() {
    assert!(matches_template(
        "{p}.join()\n{p}.exitcode # {code}",
        "p2.join()\np2.exitcode # -15"
    ));
    assert!(matches_template("b = Barrier({n})", "b = Barrier(4)"));
    assert!(!matches_template(
        "b = Barrier({n})",
        "b = Barrier(4) # more"
    ));
    assert!(!matches_template("{p}.kill()", "p1.terminate()"));
    assert_eq!(normalize("p2.exitcode        # -15\n"), "p2.exitcode # -15");
}

/// Calls that look like Python in a string literal of `src/`.
const PYTHON_CALLS: &[&str] = &[
    ".start()",
    ".join(",
    ".terminate()",
    ".kill()",
    ".is_alive()",
    "Pipe(",
    "Queue(",
    "Value(",
    "Pool(",
    ".put(",
    ".get(",
    ".send(",
    ".recv(",
    ".close()",
    "sys.exit(",
    "os.kill(",
    ".set()",
    ".clear()",
    ".wait(",
    ".release()",
    ".acquire()",
    "Barrier(",
    "Semaphore(",
    "Thread(",
    "Process(",
    ".task_done()",
    ".map(",
    ".imap",
    ".submit(",
];

/// Folders whose lines do not come from their lab's claims yet, each
/// emptied of Python (and taken off this list) when they do.
const FOLDERS_NOT_WIRED_YET: &[&str] = &[];

#[test]
fn no_python_is_written_outside_the_claims_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    scan(&src, &mut found);
    let unwired = |f: &str| {
        FOLDERS_NOT_WIRED_YET
            .iter()
            .find(|d| f.contains(&format!("/src/{d}/")))
    };
    let mut still = BTreeSet::new();
    let mut outside = Vec::new();
    for f in found {
        match unwired(&f) {
            Some(d) => {
                still.insert(*d);
            }
            None => outside.push(f),
        }
    }
    let found = outside;
    let clean: Vec<&&str> = FOLDERS_NOT_WIRED_YET
        .iter()
        .filter(|d| !still.contains(*d))
        .collect();
    assert!(
        clean.is_empty(),
        "no Python literal left in {clean:?}: take them off FOLDERS_NOT_WIRED_YET"
    );
    assert!(
        found.is_empty(),
        "Python written outside the claims table (take it from the lab's claims.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_source_scan_finds_python_in_a_literal() {
    let mut found = Vec::new();
    let dir = std::env::temp_dir().join(format!("proclab-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("lab.rs"),
        "// p1.join() in a comment is fine\nlet s = format!(\"p{id}.terminate()\");\n",
    )
    .unwrap();
    scan(&dir, &mut found);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with("lab.rs:2: p{id}.terminate()"),
        "{found:?}"
    );
}

fn scan(dir: &std::path::Path, found: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        // The table itself, and unit tests kept in files of their own.
        if path.ends_with("claims") || path.ends_with("claims.rs") || path.ends_with("tests.rs") {
            continue;
        }
        if path.is_dir() {
            scan(&path, found);
            continue;
        }
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Code after a unit-test module is the tests' own.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            for lit in literals(line) {
                if PYTHON_CALLS.iter().any(|c| lit.contains(c)) {
                    found.push(format!("{}:{}: {lit}", path.display(), n + 1));
                }
            }
        }
    }
}

/// The string literals of one line (plain `"..."` ones).
fn literals(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, ch) in after.char_indices() {
            match ch {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn the_lab_does_what_cpython_does() {
    let w = witnessed();
    let mut needed: Vec<LabCheck> = Vec::new();
    for c in claims::all() {
        if let Lab::Same(check) | Lab::Differs(check, _) = c.entry.lab
            && !needed.contains(&check)
        {
            needed.push(check);
        }
    }
    let seen: HashMap<LabCheck, Value> = lab_checks::run(&needed);
    let mut bad = Vec::new();
    for c in claims::all() {
        let (check, differs) = match c.entry.lab {
            Lab::Nothing => continue,
            Lab::Same(check) => (check, None),
            Lab::Differs(check, why) => (check, Some(why)),
        };
        let wit = &c.entry.witness[0];
        let Some(Ok(cpython)) = outcome(w, wit.file, wit.case).map(|o| &o.result) else {
            continue; // said by the witness tests
        };
        let lab = &seen[&check];
        let shared: Vec<&String> = lab
            .as_object()
            .expect("a lab check gives an object")
            .keys()
            .filter(|k| cpython.get(k.as_str()).is_some())
            .collect();
        if shared.is_empty() {
            bad.push(format!(
                "{}: the lab's {check:?} shares nothing with {}.py {}: {lab}",
                id(&c),
                wit.file,
                wit.case
            ));
            continue;
        }
        let diff: Vec<String> = shared
            .iter()
            .filter(|k| lab[k.as_str()] != cpython[k.as_str()])
            .map(|k| {
                format!(
                    "{k}: lab {}, CPython {}",
                    lab[k.as_str()],
                    cpython[k.as_str()]
                )
            })
            .collect();
        match (differs, diff.is_empty()) {
            (None, false) => bad.push(format!("{}: the lab differs from CPython: {}", id(&c), diff.join("; "))),
            (Some(why), true) => bad.push(format!(
                "{}: the lab now does what CPython does ({lab}), so the table's \"{why}\" is out of date: make it Lab::Same",
                id(&c)
            )),
            _ => {}
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
