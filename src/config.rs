//! The config files: defaults for any command-line flag, and key overrides.
//!
//! A file is TOML. Its top-level keys are the long names of proclab's
//! flags (`theme`, `refresh-ms`, `workers`, ...), so every setting means what
//! its flag means and is checked by the same rules. The system's file is
//! read first (`/etc/xdg/proclab/config.toml`, for a classroom's machines),
//! then the user's (or `--config FILE`), then the command line: each wins
//! over the one before. A `[keys]` table rebinds actions: `spawn = "n"` or
//! `quit = ["q", "ctrl-c"]`. Unknown keys, bad values and key names that
//! do not exist are errors naming the file, the line, the value and what
//! is accepted.

mod places;
mod values;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

pub use self::places::Places;
pub use self::values::clap_message;
use crate::app::Action;
use crate::app::keymap::{Key, Keymap};
use crate::cli::{Cli, Command};

/// Flags that make no sense in a config file.
const NOT_IN_CONFIG: &[&str] = &[
    "config",
    "record",
    "record-input",
    "log",
    "force",
    "help",
    "version",
];

/// A failure to read the command line or the config file.
#[derive(Debug)]
pub enum ConfigError {
    /// clap's own error for the command line: printed and exited as clap does.
    Cli(clap::Error),
    /// A problem in the file, with its line when there is one.
    File {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Cli(e) => write!(f, "{e}"),
            ConfigError::File {
                path,
                line: Some(line),
                message,
            } => write!(f, "config {}, line {line}: {message}", path.display()),
            ConfigError::File {
                path,
                line: None,
                message,
            } => write!(f, "config {}: {message}", path.display()),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The command line with the config files' defaults applied, and the key
/// overrides to apply to the keymap.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub cli: Cli,
    /// The config files read, in the order they were applied.
    pub paths: Vec<PathBuf>,
    pub keys: Vec<KeyOverride>,
}

/// `[keys] action = ["k", ...]`, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOverride {
    pub action: String,
    pub keys: Vec<String>,
    pub path: PathBuf,
    pub line: Option<usize>,
}

/// The line on which `key` is set in `text` (inside `[table]` if given).
fn line_of(text: &str, table: Option<&str>, key: &str) -> Option<usize> {
    let mut current: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            continue;
        }
        let Some((k, _)) = line.split_once('=') else {
            continue;
        };
        if k.trim().trim_matches('"') == key && current.as_deref() == table {
            return Some(i + 1);
        }
    }
    None
}

/// The line of a TOML parse error, from the error's byte span.
fn line_of_span(text: &str, e: &toml::de::Error) -> Option<usize> {
    e.span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
}

/// The long flags a config file may set.
pub fn config_flags() -> Vec<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !NOT_IN_CONFIG.contains(l))
        .map(String::from)
        .collect()
}

/// Parses the command line, reads the config files, and applies them.
pub fn load(args: &[OsString]) -> Result<Loaded, ConfigError> {
    load_in(args, &Places::current())
}

/// The session flags of `play`, `lesson`, `run` and `attach` given after the subcommand
/// win over those before it (and over the config files'); both end up in
/// `cli.session`, which is what the session reads.
fn with_session(mut cli: Cli, matches: &ArgMatches) -> Cli {
    let Some((_, sub)) = matches.subcommand() else {
        return cli;
    };
    let given = |id: &str| sub.value_source(id) == Some(ValueSource::CommandLine);
    let after = match &mut cli.command {
        Some(Command::Play(play)) => &mut play.session,
        Some(Command::Lesson(lesson)) => &mut lesson.session,
        Some(Command::Run(run)) => &mut run.session,
        Some(Command::Attach(attach)) => &mut attach.session,
        _ => return cli,
    };
    let merged = cli.session.merged(after, given);
    *after = merged.clone();
    cli.session = merged;
    cli
}

fn parse(args: &[OsString]) -> Result<(Cli, ArgMatches), ConfigError> {
    let matches = Cli::command()
        .try_get_matches_from(args)
        .map_err(ConfigError::Cli)?;
    let cli = Cli::from_arg_matches(&matches).map_err(ConfigError::Cli)?;
    Ok((with_session(cli, &matches), matches))
}

/// What one config file sets: each key's arguments, and key overrides.
struct FileSettings {
    settings: Vec<(String, Vec<String>)>,
    keys: Vec<KeyOverride>,
}

/// Reads and checks one config file.
fn read_file(path: &Path, known: &[String]) -> Result<FileSettings, ConfigError> {
    let file_err = |line, message: String| ConfigError::File {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_err(None, e.to_string()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = line_of_span(&text, &e);
        let too_large = line
            .and_then(|n| text.lines().nth(n - 1))
            .and_then(|l| values::too_large(l, known));
        file_err(
            line,
            too_large.unwrap_or_else(|| e.message().trim().to_string()),
        )
    })?;
    let mut out = FileSettings {
        settings: Vec::new(),
        keys: Vec::new(),
    };
    for (key, value) in &table {
        if key == "keys" {
            out.keys = key_overrides(&text, value, path).map_err(|(line, m)| file_err(line, m))?;
            continue;
        }
        let line = line_of(&text, None, key);
        if !known.contains(key) {
            return Err(file_err(line, unknown_key(key, known)));
        }
        let takes_value = Cli::command()
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()))
            .is_some_and(|a| a.get_action().takes_values());
        let flag_args =
            values::value_args(key, value, takes_value).map_err(|m| file_err(line, m))?;
        // Checked alone first, so the error names the file and the line.
        values::check(key, &value.to_string(), &flag_args).map_err(|m| file_err(line, m))?;
        out.settings.push((key.clone(), flag_args));
    }
    Ok(out)
}

/// Whether the flag `key` was given on the command line itself.
fn on_command_line(matches: &ArgMatches, key: &str) -> bool {
    Cli::command()
        .get_arguments()
        .find(|a| a.get_long() == Some(key))
        .is_some_and(|a| {
            matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine)
        })
}

/// [`load`], with the config files looked for in `places`.
pub fn load_in(args: &[OsString], places: &Places) -> Result<Loaded, ConfigError> {
    let (first, matches) = parse(args)?;
    let mut paths: Vec<PathBuf> = places
        .system_file()
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    match &first.session.config {
        Some(p) => paths.push(p.clone()),
        None => paths.extend(places.user.clone().filter(|p| p.exists())),
    }
    if paths.is_empty() {
        let mut first = first;
        first.settle(&matches).map_err(ConfigError::Cli)?;
        return Ok(Loaded {
            cli: first,
            paths,
            keys: Vec::new(),
        });
    }

    // Each file's settings replace the ones before it, key by key.
    let known = config_flags();
    let mut settings: Vec<(String, Vec<String>)> = Vec::new();
    let mut keys = Vec::new();
    for path in &paths {
        let file = read_file(path, &known)?;
        for (key, flag_args) in file.settings {
            settings.retain(|(k, _)| *k != key);
            settings.push((key, flag_args));
        }
        keys.extend(file.keys);
    }

    let mut all = vec![args.first().cloned().unwrap_or_else(|| "proclab".into())];
    all.extend(
        settings
            .into_iter()
            .filter(|(key, _)| !on_command_line(&matches, key))
            .flat_map(|(_, flag_args)| flag_args)
            .map(OsString::from),
    );
    all.extend(args.iter().skip(1).cloned());
    let (mut cli, _) = parse(&all)?;
    // Only flags given on the command line settle the lab: a config
    // file's `workers = 4` opens no lab.
    cli.settle(&matches).map_err(ConfigError::Cli)?;
    Ok(Loaded { cli, paths, keys })
}

/// The known name nearest to `name`, if one is close.
fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// "unknown key", with the nearest known key if one is close.
fn unknown_key(key: &str, known: &[String]) -> String {
    match nearest(key, known.iter().map(String::as_str)) {
        Some(k) => format!(
            "unknown key `{key}` (did you mean `{k}`?); `proclab config --print-default` lists every key"
        ),
        None => format!("unknown key `{key}`; `proclab config --print-default` lists every key"),
    }
}

fn key_overrides(
    text: &str,
    value: &toml::Value,
    path: &Path,
) -> Result<Vec<KeyOverride>, (Option<usize>, String)> {
    let Some(table) = value.as_table() else {
        return Err((
            line_of(text, None, "keys"),
            "keys must be a table: [keys] then action = \"key\"".into(),
        ));
    };
    let mut out = Vec::new();
    for (action, keys) in table {
        let line = line_of(text, Some("keys"), action);
        let keys: Vec<String> = match keys {
            toml::Value::String(k) => vec![k.clone()],
            toml::Value::Array(list) => list
                .iter()
                .map(|k| {
                    k.as_str().map(String::from).ok_or_else(|| {
                        (
                            line,
                            format!(
                                "keys.{action}: every key is a string, such as \"p\" or \"ctrl-c\""
                            ),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err((
                    line,
                    format!(
                        "keys.{action}: a key name or a list of them, such as \"p\" or [\"q\", \"ctrl-c\"]"
                    ),
                ));
            }
        };
        out.push(KeyOverride {
            action: action.clone(),
            keys,
            path: path.to_path_buf(),
            line,
        });
    }
    Ok(out)
}

/// Applies key overrides to a keymap, in the order the files were read,
/// or says which one is wrong.
pub fn apply_keys(keymap: &mut Keymap, overrides: &[KeyOverride]) -> Result<(), ConfigError> {
    for o in overrides {
        let err = |message: String| ConfigError::File {
            path: o.path.clone(),
            line: o.line,
            message,
        };
        let Some(action) = Action::from_name(&o.action) else {
            let hint = match nearest(&o.action, Action::names()) {
                Some(n) => format!(" (did you mean `{n}`?)"),
                None => String::new(),
            };
            return Err(err(format!(
                "keys.{}: no such action{hint}; `proclab config --print-default` lists every action",
                o.action
            )));
        };
        let keys: Vec<Key> = o
            .keys
            .iter()
            .map(|k| Key::parse(k).map_err(|m| err(format!("keys.{}: {m}", o.action))))
            .collect::<Result<_, _>>()?;
        keymap
            .rebind(action, &keys)
            .map_err(|m| err(format!("keys.{}: {m}", o.action)))?;
    }
    Ok(())
}

/// A complete config file holding every default, with each flag's help as
/// a comment. Settings without a default are written commented out.
pub fn default_text() -> String {
    let mut out = String::from(
        "# proclab configuration.\n\
         # Keys are the long names of proclab's flags; a flag on the command line wins.\n\
         # Write it to the file `proclab config --path` names.\n\n",
    );
    for arg in Cli::command().get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if NOT_IN_CONFIG.contains(&long) || arg.is_hide_set() {
            continue;
        }
        if let Some(help) = arg.get_help() {
            out.push_str(&format!("# {help}\n"));
        }
        let defaults = arg.get_default_values();
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| p.get_name().to_string())
            .collect();
        if !possible.is_empty() && possible != ["true", "false"] {
            out.push_str(&format!("# one of: {}\n", possible.join(", ")));
        }
        // A switch is off unless set; a setting with no default is left
        // commented out, with a value that is valid once uncommented.
        match defaults.first().and_then(|d| d.to_str()) {
            _ if !arg.get_action().takes_values() => out.push_str(&format!("{long} = false\n\n")),
            Some(d) => out.push_str(&format!("{long} = {}\n\n", toml_value(d))),
            None => {
                let example = example(long).unwrap_or("1");
                out.push_str(&format!("# {long} = {example}    # not set by default\n\n"));
            }
        }
    }
    out.push_str("# Keys: action = \"key\" or [\"key\", \"key\"].\n");
    out.push_str("# Key names: a character, ctrl-X, up, down, left, right, home, end, pgup,\n");
    out.push_str("# pgdn, tab, shift-tab, esc, enter, space, backspace, del, f1 to f12.\n");
    out.push_str("[keys]\n");
    let keymap = Keymap::standard();
    for name in Action::names() {
        let Some(action) = Action::from_name(name) else {
            continue;
        };
        let keys = keymap.keys_of(action);
        let names: Vec<String> = keys.iter().map(|k| format!("{:?}", k.name())).collect();
        match names.len() {
            0 => continue,
            1 => out.push_str(&format!("{name} = {}\n", names[0])),
            _ => out.push_str(&format!("{name} = [{}]\n", names.join(", "))),
        }
    }
    out
}

/// A value for each setting that has no default, to show it in the
/// printed config.
const EXAMPLES: &[(&str, &str)] = &[
    ("workers", "4"),
    ("tasks", "10"),
    ("parties", "3"),
    ("chunksize", "10"),
    ("maxtasksperchild", "5"),
    ("race-tasks", "8"),
    ("race-workers", "4"),
    ("producers", "2"),
    ("consumers", "1"),
    ("broker", "\"redis://127.0.0.1:6379/0\""),
];

fn example(long: &str) -> Option<&'static str> {
    EXAMPLES.iter().find(|(k, _)| *k == long).map(|(_, v)| *v)
}

fn toml_value(v: &str) -> String {
    if v == "true" || v == "false" || v.parse::<i64>().is_ok() || v.parse::<f64>().is_ok() {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

#[cfg(test)]
mod tests;
