//! The layers keep to themselves, read from the source itself: the engine
//! (`src/lab`) reaches nothing above it, the app (`src/app`) nothing of the
//! command line, the scripts, the terminal or the config file; and a lab is
//! named outside its own folders in at most three files (the registry, the
//! command line, and one more).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What each layer may not reach, by the name of the top module.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "lab",
        &[
            "app", "ui", "tui", "script", "cli", "config", "record", "cmd",
        ],
    ),
    (
        "app",
        &["ui", "tui", "script", "cli", "config", "record", "cmd"],
    ),
];

/// Names of other crates that look like a lab's type.
const NOT_A_LAB: &[&str] = &["SyncSender", "PipeFlags"];

/// Files outside its folders that may name a lab.
const MOST_FILES: usize = 3;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/lab/pool/track.rs` is lab::pool::track.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a line, without its comment; paths written with spaces
/// around `::` are joined.
fn code(line: &str) -> String {
    let line = line.split("//").next().unwrap_or("");
    line.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ::", "::")
        .replace(":: ", "::")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The top modules a line reaches through `crate::`, `crate::{...}` or
/// `super::` chains that climb out of the file's layer; `inline` is the
/// depth of inline modules (`mod tests { ... }`) the line sits in.
fn reached(line: &str, module: &[String], inline: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| is_ident(c) || c == '$') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            // `crate::{app::X, lab}`: every name at the group's top level.
            let mut depth = 0;
            let mut name = String::new();
            let mut at_top = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_top = true,
                    ' ' => {}
                    c if is_ident(c) && depth == 0 && at_top => name.push(c),
                    _ => {
                        if !name.is_empty() {
                            out.push(std::mem::take(&mut name));
                        }
                        at_top = false;
                    }
                }
            }
            if !name.is_empty() {
                out.push(name);
            }
        } else {
            out.push(after.chars().take_while(|&c| is_ident(c)).collect());
        }
    }
    // `super::super::...`: a chain that climbs to the crate's root names
    // a top module; one that stays below the layer's own module is inside.
    let mut at = 0;
    while let Some(i) = line[at..].find("super::") {
        let start = at + i;
        let before = line[..start].chars().next_back();
        let chain = &line[start..];
        let ups = chain.split("::").take_while(|p| *p == "super").count();
        at = start + ups * "super::".len();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        if ups >= module.len() + inline {
            let tail: String = line[at..].chars().take_while(|&c| is_ident(c)).collect();
            out.push(tail);
        }
    }
    out
}

/// Every line of a file with its depth of inline modules, skipping
/// nothing but comments.
fn lines_with_depth(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut inline = 0;
    let mut depth_at_open: Vec<i64> = Vec::new();
    let mut braces: i64 = 0;
    for raw in text.lines() {
        let line = code(raw);
        let opens_module =
            (line.starts_with("mod ") || line.starts_with("pub mod ")) && line.ends_with('{');
        if opens_module {
            depth_at_open.push(braces);
            inline += 1;
        }
        out.push((inline, line.clone()));
        braces += line.matches('{').count() as i64 - line.matches('}').count() as i64;
        while depth_at_open.last().is_some_and(|&d| braces <= d) {
            depth_at_open.pop();
            inline -= 1;
        }
    }
    out
}

#[test]
fn no_layer_reaches_above_itself() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_path(file);
        let Some(layer) = module.first() else {
            continue;
        };
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(l, _)| l == layer) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, (inline, line)) in lines_with_depth(&text).into_iter().enumerate() {
            for top in reached(&line, &module, inline) {
                if forbidden.contains(&top.as_str()) {
                    wrong.push(format!(
                        "{}:{}: {layer} reaches {top}: {line}",
                        file.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_every_way_up() {
    let lab = |p: &str| p.split("::").map(String::from).collect::<Vec<_>>();
    let at = lab("lab::pool::track");
    assert_eq!(reached("use crate::app::App;", &at, 0), ["app"]);
    assert_eq!(
        reached("let x = crate::ui::theme::Theme::default();", &at, 0),
        ["ui"]
    );
    assert_eq!(
        reached("use crate::{lab::Lab, cli::Cli};", &at, 0),
        ["lab", "cli"]
    );
    assert_eq!(reached("use super::super::super::tui::x;", &at, 0), ["tui"]);
    assert!(reached("use super::super::shm::Region;", &at, 0).is_empty());
    assert!(reached("use super::shared::PoolShared;", &at, 0).is_empty());
    // In `mod tests`, one `super` more stays inside.
    assert!(reached("use super::super::super::shm::Region;", &at, 1).is_empty());
    assert!(reached("$crate::app::x", &at, 0).is_empty());
}

/// A lab as the registry lists it: its variant, module and roles.
struct Entry {
    variant: String,
    module: String,
    roles: Vec<String>,
}

fn registry() -> Vec<Entry> {
    let text = std::fs::read_to_string(src().join("registry.rs")).unwrap();
    let body = &text[text.find("$callback! {").unwrap()..];
    let mut entries = Vec::new();
    for chunk in body.split("\n            (").skip(1) {
        let fields: Vec<&str> = chunk.split(',').map(str::trim).collect();
        let roles = chunk
            .split_once('[')
            .map(|(_, r)| r.split(']').next().unwrap_or(""))
            .unwrap_or("")
            .split(',')
            .filter_map(|r| r.split_whitespace().next())
            .map(String::from)
            .collect();
        entries.push(Entry {
            variant: fields[0].to_string(),
            module: fields[1].to_string(),
            roles,
        });
    }
    entries
}

/// What a file knows that decides whether a word in it is a lab's: the
/// modules beside it (a `gil::` there is its own module, not the GIL
/// lab's), and whether it reaches the engine's `Role` at all (a file with
/// a `Role` enum of its own names its own variants).
struct Context {
    siblings: Vec<String>,
    engine_role: bool,
}

impl Context {
    fn of(file: &Path, text: &str) -> Context {
        // Modules beside the file, and those of `foo.rs` in `foo/`.
        let mut siblings = Vec::new();
        for d in [
            file.parent().unwrap().to_path_buf(),
            file.with_extension(""),
        ] {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                siblings.push(name.trim_end_matches(".rs").to_string());
            }
        }
        let own_role = text.contains("enum Role ");
        let engine_role = !own_role
            && (text.contains("lab::Role")
                || text.contains("role::Role")
                || text.contains("lab::{") && text.contains("Role"));
        Context {
            siblings,
            engine_role,
        }
    }
}

/// The types a lab's own folders define: a word outside them that starts
/// with the lab's name counts only if it is one of these.
fn defined_types(lab: &Entry) -> Vec<String> {
    let mut files = Vec::new();
    for layer in ["lab", "app", "ui"] {
        rust_files(&src().join(layer).join(&lab.module), &mut files);
    }
    let mut names = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            let line = line
                .trim_start()
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            for kw in ["struct ", "enum ", "trait ", "type "] {
                if let Some(rest) = line.strip_prefix(kw) {
                    let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
                    if !name.is_empty() {
                        names.push(name);
                    }
                }
            }
        }
    }
    names
}

/// Whether `code` names the lab: its variants of the central enums, a type
/// of its own folders whose name starts with its own (`QueueLab`,
/// `QueueState`...), its modules, its workers' roles.
fn names(code: &str, lab: &Entry, types: &[String], cx: &Context) -> Vec<String> {
    let mut found = Vec::new();
    let words: Vec<(usize, &str)> = code
        .match_indices(|c: char| !is_ident(c))
        .fold((0, Vec::new()), |(start, mut v), (i, sep)| {
            v.push((start, &code[start..i]));
            (i + sep.len(), v)
        })
        .1;
    for (at, word) in words {
        let before = &code[..at];
        let after = &code[at + word.len()..];
        let path_to = |m: &str| before.ends_with(&format!("{m}::"));
        if word == lab.variant
            && ["LabId", "Action", "Effect", "EngineEvent", "SectionId"]
                .iter()
                .any(|e| path_to(e))
        {
            found.push(word.to_string());
        }
        if cx.engine_role && path_to("Role") && lab.roles.iter().any(|r| r == word) {
            found.push(format!("Role::{word}"));
        }
        if let Some(rest) = word.strip_prefix(lab.variant.as_str())
            && rest.starts_with(|c: char| c.is_ascii_uppercase())
            && !NOT_A_LAB.contains(&word)
            && types.iter().any(|t| t == word)
        {
            found.push(word.to_string());
        }
        let in_path = before.ends_with("::")
            && !["lab::", "app::", "ui::", "super::", "self::", "crate::"]
                .iter()
                .any(|p| before.ends_with(p));
        let local = (!before.ends_with("::") || before.ends_with("self::"))
            && cx.siblings.iter().any(|m| m == word);
        if word == lab.module && after.starts_with("::") && !in_path && !local {
            found.push(format!("{word}::"));
        }
    }
    found
}

#[test]
fn a_lab_is_named_in_few_files_outside_its_folders() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let labs = registry();
    assert!(labs.len() >= 8, "the registry was read");
    let mut report = BTreeMap::new();
    for lab in &labs {
        let types = defined_types(lab);
        let own: Vec<PathBuf> = ["lab", "app", "ui"]
            .iter()
            .map(|l| src().join(l).join(&lab.module))
            .collect();
        let mut outside = Vec::new();
        for file in &files {
            // app/claims.rs is the index of every lab's claims, as the
            // registry is of the labs: it names each lab once, by design.
            if own.iter().any(|d| file.starts_with(d))
                || file.ends_with("tests.rs")
                || file.ends_with("app/claims.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(file).unwrap();
            // Production code only: a file's tests may name any lab.
            let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
            let cx = Context::of(file, text);
            let named: Vec<String> = text
                .lines()
                .flat_map(|l| names(&code(l), lab, &types, &cx))
                .collect();
            if !named.is_empty() {
                let rel = file.strip_prefix(src()).unwrap().display().to_string();
                outside.push(format!("{rel} ({})", named[0]));
            }
        }
        report.insert(lab.module.clone(), outside);
    }
    let lines: Vec<String> = report
        .iter()
        .map(|(lab, files)| format!("{lab}: {} files: {}", files.len(), files.join(", ")))
        .collect();
    eprintln!("{}", lines.join("\n"));
    for (lab, files) in &report {
        assert!(
            files.len() <= MOST_FILES,
            "{lab} is named in {} files outside its folders:\n{}",
            files.len(),
            lines.join("\n")
        );
    }
}
