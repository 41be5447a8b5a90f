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
    assert_eq!(loaded.cli.session.theme, plain.cli.session.theme);
    assert_eq!(loaded.cli.refresh_ms, plain.cli.refresh_ms);
    let mut keymap = Keymap::standard();
    apply_keys(&mut keymap, &loaded.keys).unwrap();
    assert_eq!(keymap, Keymap::standard());
}

#[test]
fn the_file_sets_defaults_and_the_command_line_wins() {
    let text = "theme = \"projector\"\nworkers = 5\nrefresh-ms = 200\nauto-join = true\n";
    let loaded = load_with("set.toml", text, &["--workers", "1"]).unwrap();
    assert_eq!(loaded.cli.session.theme, crate::app::ThemeName::Projector);
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
fn a_value_out_of_range_is_named_with_the_range_however_it_is_out() {
    for (text, want) in [
        ("capacity = -1\n", "capacity = -1 is not in 1..=65536"),
        (
            "sample-ms = 18446744073709551615\n",
            "sample-ms = 18446744073709551615 is not in 200..=10000",
        ),
        ("refresh-ms = 5\n", "refresh-ms = 5 is not in 20..=5000"),
        ("workers = -3\n", "workers = -3 is not in 0..=4096"),
        (
            "theme = \"neon\"\n",
            "theme = \"neon\": expected one of: standard, projector, light",
        ),
        ("daemon = 3\n", "daemon = 3: expected true or false"),
        (
            "increments = 18446744073709551615\n",
            "write the number as a string, increments = \"18446744073709551615\"",
        ),
    ] {
        let err = load_with("range.toml", text, &[]).unwrap_err().to_string();
        assert!(err.contains(", line 1: "), "{err}");
        assert!(err.contains(want), "{text:?}: {err}");
    }
    // What the error suggests works.
    let loaded = load_with("big.toml", "increments = \"18446744073709551615\"\n", &[]).unwrap();
    assert_eq!(loaded.cli.increments, u64::MAX);
}

#[test]
fn the_printed_default_is_valid_toml_with_every_line_uncommented() {
    let text = default_text();
    assert!(!text.contains("(not set)"), "{text}");
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest
                    .split_once(" = ")
                    .is_some_and(|(k, _)| !k.contains(' ')) =>
            {
                rest
            }
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let table: toml::Table =
        toml::from_str(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    for (key, _) in EXAMPLES {
        assert!(table.contains_key(*key), "{key} is in the printed config");
    }
    let loaded = load_with("every.toml", &uncommented, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.cli.workers, Some(4));
}

#[test]
fn every_setting_without_a_default_has_an_example() {
    for arg in Cli::command().get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let optional = arg.get_action().takes_values() && arg.get_default_values().is_empty();
        if optional && !NOT_IN_CONFIG.contains(&long) {
            assert!(
                example(long).is_some(),
                "{long} needs an example in EXAMPLES"
            );
        }
    }
}

#[test]
fn the_system_file_then_the_user_file_then_the_flags() {
    let system = write(
        "system.toml",
        "theme = \"light\"\nworkers = 5\nrefresh-ms = 300\n[keys]\nspawn = \"n\"\n",
    );
    let user = write("user.toml", "workers = 3\n");
    let places = Places {
        system: vec![PathBuf::from("/nonexistent/proclab.toml"), system.clone()],
        user: Some(user.clone()),
    };
    let loaded = load_in(&args(&["--refresh-ms", "400"]), &places).unwrap();
    assert_eq!(loaded.paths, vec![system.clone(), user]);
    assert_eq!(
        loaded.cli.session.theme,
        crate::app::ThemeName::Light,
        "the system's"
    );
    assert_eq!(loaded.cli.workers, Some(3), "the user's over the system's");
    assert_eq!(loaded.cli.refresh_ms, 400, "the flag over both");
    let mut keymap = Keymap::standard();
    apply_keys(&mut keymap, &loaded.keys).unwrap();
    assert_eq!(
        keymap.lookup(Key::char('n'), crate::app::LabId::Lifecycle, None),
        Some(Action::Spawn)
    );
    // --config takes the user file's place; the system's still counts.
    let other = write("other.toml", "workers = 1\n");
    let a = args(&["--config", other.to_str().unwrap()]);
    let loaded = load_in(&a, &places).unwrap();
    assert_eq!(loaded.paths, vec![system.clone(), other]);
    assert_eq!(loaded.cli.workers, Some(1));
    // A mistake in the system's file names that file.
    let bad = write("bad-system.toml", "workers = 99999\n");
    let places = Places {
        system: vec![bad.clone()],
        user: None,
    };
    let err = load_in(&args(&[]), &places).unwrap_err().to_string();
    assert!(err.contains(bad.to_str().unwrap()), "{err}");
}

#[test]
fn session_flags_after_play_win_over_the_file_and_those_before() {
    let a = args(&[
        "--theme",
        "light",
        "play",
        "queue",
        "--record",
        "q.cast",
        "--show-keys",
    ]);
    let loaded = load_with("session.toml", "theme = \"projector\"\nascii = true\n", &[]).unwrap();
    assert!(loaded.cli.session.ascii);
    let places = Places {
        system: vec![],
        user: None,
    };
    let loaded = load_in(&a, &places).unwrap();
    let s = &loaded.cli.session;
    assert_eq!(s.theme, crate::app::ThemeName::Light);
    assert_eq!(s.record.as_deref(), Some(Path::new("q.cast")));
    assert!(s.show_keys);
    let a = args(&["--theme", "light", "play", "queue", "--theme", "projector"]);
    let loaded = load_in(&a, &places).unwrap();
    assert_eq!(loaded.cli.session.theme, crate::app::ThemeName::Projector);
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
    apply_keys(&mut keymap, &loaded.keys).unwrap();
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
            Ok(l) => apply_keys(&mut Keymap::standard(), &l.keys)
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
