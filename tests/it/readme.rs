//! README.md documents every key: the keys of everywhere in its "Keys
//! everywhere" table, and each lab's keys in the lab's own section.

use proclab::app::keymap::Scope;
use proclab::app::{Action, Keymap, LabId};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The text under the first `## ` heading for which `pick` holds, up to
/// the next `## `.
fn section(text: &str, pick: impl Fn(&str) -> bool) -> Option<String> {
    let mut lines = text
        .lines()
        .skip_while(|l| !(l.starts_with("## ") && pick(l)));
    let heading = lines.next()?;
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    Some(format!("{heading}\n{}", body.join("\n")))
}

#[test]
fn readme_documents_every_key_where_it_acts() {
    let text = readme();
    let map = Keymap::standard();
    let everywhere = section(&text, |h| h.contains("Keys everywhere")).expect("Keys everywhere");
    let mut missing = Vec::new();
    // An action with several keys (`+` and `=`) is documented by one.
    let keys_of = |scope: Scope, action: Action| -> Vec<String> {
        map.bindings
            .iter()
            .filter(|b| b.scope == scope && b.action == action)
            .map(|b| format!("`{}`", b.key))
            .collect()
    };
    for b in &map.bindings {
        let shown = format!("`{}`", b.key);
        let named_in = |body: &str| keys_of(b.scope, b.action).iter().any(|k| body.contains(k));
        match b.scope {
            Scope::Global => {
                // The lab numbers are one row: `1`…`9`.
                let found = match b.action {
                    Action::GotoLab(_) => everywhere.contains("`1`…`9`"),
                    _ => named_in(&everywhere),
                };
                if !found {
                    missing.push(format!("{shown} ({:?}) in Keys everywhere", b.action));
                }
            }
            Scope::Lab(lab) => {
                let title = lab.title();
                let body = if lab == LabId::Program {
                    section(&text, |h| h.contains("`proclab run`"))
                } else {
                    section(&text, |h| h.contains(title))
                };
                let Some(body) = body else {
                    missing.push(format!("a section for the {title} lab"));
                    continue;
                };
                if !named_in(&body) {
                    missing.push(format!(
                        "{shown} ({:?}) in the {title} lab's section",
                        b.action
                    ));
                }
            }
            _ => {}
        }
    }
    assert!(
        missing.is_empty(),
        "README.md does not name:\n{}",
        missing.join("\n")
    );
}
