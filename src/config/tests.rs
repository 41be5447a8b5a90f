//! The config file against the command line.

use super::*;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn args(extra: &[&str]) -> Vec<OsString> {
    std::iter::once("proclab")
        .chain(extra.iter().copied())
        .map(OsString::from)
        .collect()
}

fn load_with(name: &str, text: &str, extra: &[&str]) -> Result<Loaded, ConfigError> {
    let path = write(name, text);
    let mut a = vec!["--config", path.to_str().unwrap()];
    a.extend_from_slice(extra);
    load(&args(&a))
}

#[test]
fn the_printed_default_is_a_valid_config_that_changes_nothing() {
    let text = default_text();
    let loaded = load_with("default.toml", &text, &[]).unwrap();
    let plain = load(&args(&["--config", "/dev/null"])).unwrap();
    assert_eq!(
        format!("{:?}", loaded.cli.workers),
        format!("{:?}", plain.cli.workers)
    );
    assert_eq!(loaded.cli.theme, plain.cli.theme);
    assert_eq!(loaded.cli.refresh_ms, plain.cli.refresh_ms);
    let mut keymap = Keymap::standard();
    apply_keys(&mut keymap, &loaded.keys, Path::new("default.toml")).unwrap();
    assert_eq!(keymap, Keymap::standard());
}

#[test]
fn the_file_sets_defaults_and_the_command_line_wins() {
    let text = "theme = \"projector\"\nworkers = 5\nrefresh-ms = 200\nauto-join = true\n";
    let loaded = load_with("set.toml", text, &["--workers", "1"]).unwrap();
    assert_eq!(loaded.cli.theme, crate::app::ThemeName::Projector);
    assert_eq!(loaded.cli.workers, Some(1), "the flag wins");
    assert_eq!(loaded.cli.refresh_ms, 200);
    assert!(loaded.cli.auto_join);
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let err = load_with("unknown.toml", "theme = \"standard\"\n\nwrokers = 3\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("unknown key `wrokers`"), "{err}");
}

#[test]
fn a_bad_value_names_the_key_the_line_and_the_range() {
    let err = load_with("bad.toml", "workers = 99999\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1"), "{err}");
    assert!(err.contains("workers"), "{err}");
    assert!(err.contains("0..=4096"), "{err}");
}

#[test]
fn a_syntax_error_has_a_line() {
    let err = load_with("syntax.toml", "theme = \"projector\"\nworkers = = 3\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn key_overrides_apply_and_bad_ones_are_named() {
    let loaded = load_with(
        "keys.toml",
        "[keys]\nspawn = \"n\"\nquit = [\"q\", \"ctrl-d\"]\n",
        &[],
    )
    .unwrap();
    let mut keymap = Keymap::standard();
    apply_keys(&mut keymap, &loaded.keys, Path::new("keys.toml")).unwrap();
    assert_eq!(
        keymap.lookup(Key::char('n'), crate::app::LabId::Lifecycle, None),
        Some(Action::Spawn)
    );
    for (text, needle) in [
        ("[keys]\nfly = \"f\"\n", "no such action"),
        ("[keys]\nspawn = \"banana\"\n", "unknown key \"banana\""),
        ("[keys]\n\nkill = \"p\"\n", "already does"),
        ("[keys]\nspawn = 3\n", "a key name or a list"),
    ] {
        let loaded = load_with("badkeys.toml", text, &[]);
        let err = match loaded {
            Err(e) => e.to_string(),
            Ok(l) => apply_keys(&mut Keymap::standard(), &l.keys, Path::new("badkeys.toml"))
                .unwrap_err()
                .to_string(),
        };
        assert!(err.contains(needle), "{text:?}: {err}");
        assert!(err.contains("line "), "{text:?}: {err}");
    }
}

#[test]
fn a_missing_config_file_is_an_error() {
    let err = load(&args(&["--config", "/nonexistent/proclab.toml"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/proclab.toml"), "{err}");
}

#[test]
fn every_bindable_action_has_a_name() {
    for b in Keymap::standard().bindings {
        if let Action::SelectRow(_) = b.action {
            continue;
        }
        let named = Action::names().any(|n| Action::from_name(n) == Some(b.action));
        assert!(named, "{:?} has no name for the config file", b.action);
    }
}
