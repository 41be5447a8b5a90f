//! The config file: defaults for any command-line flag, and key overrides.
//!
//! The file is TOML. Its top-level keys are the long names of proclab's
//! flags (`theme`, `refresh-ms`, `workers`, ...), so every setting means what
//! its flag means and is checked by the same rules; a flag given on the
//! command line wins over the file. A `[keys]` table rebinds actions:
//! `spawn = "n"` or `quit = ["q", "ctrl-c"]`. Unknown keys, bad values and
//! key names that do not exist are errors naming the file and the line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use crate::app::Action;
use crate::app::keymap::{Key, Keymap};
use crate::cli::Cli;

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

/// The command line with the config file's defaults applied, and the key
/// overrides to apply to the keymap.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub cli: Cli,
    /// The config file used, if any.
    pub path: Option<PathBuf>,
    pub keys: Vec<KeyOverride>,
}

/// `[keys] action = ["k", ...]`, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOverride {
    pub action: String,
    pub keys: Vec<String>,
    pub line: Option<usize>,
}

/// Where proclab looks for its config file when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("proclab").join("config.toml"))
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

/// Turns one config value into command-line arguments for its flag.
fn value_args(flag: &str, value: &toml::Value) -> Result<Vec<String>, String> {
    let flag_arg = format!("--{flag}");
    Ok(match value {
        toml::Value::Boolean(true) => vec![flag_arg],
        toml::Value::Boolean(false) => vec![],
        toml::Value::String(s) => vec![flag_arg, s.clone()],
        toml::Value::Integer(n) => vec![flag_arg, n.to_string()],
        toml::Value::Float(x) => vec![flag_arg, x.to_string()],
        other => {
            return Err(format!(
                "{flag} takes a single value (a string, number or boolean), not {}",
                other.type_str()
            ));
        }
    })
}

/// A clap error on one line: what was wrong and what is allowed, without
/// the usage and the pointer to --help, which are about the command line.
pub fn clap_message(e: &clap::Error) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("Usage:")
                && !l.starts_with("For more information")
                && !l.starts_with("tip:")
        })
        .map(|l| l.trim_start_matches("error: "))
        .collect::<Vec<_>>()
        .join(" ")
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

/// Parses the command line, reads the config file, and applies it.
pub fn load(args: &[OsString]) -> Result<Loaded, ConfigError> {
    let matches = Cli::command()
        .try_get_matches_from(args)
        .map_err(ConfigError::Cli)?;
    let first_matches = matches.clone();
    let first = Cli::from_arg_matches(&matches).map_err(ConfigError::Cli)?;
    let path = match &first.config {
        Some(p) => Some(p.clone()),
        None => default_path().filter(|p| p.exists()),
    };
    let Some(path) = path else {
        let mut first = first;
        first.settle(&matches).map_err(ConfigError::Cli)?;
        return Ok(Loaded {
            cli: first,
            path: None,
            keys: Vec::new(),
        });
    };
    let file_err = |line, message: String| ConfigError::File {
        path: path.clone(),
        line,
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| file_err(None, e.to_string()))?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| file_err(line_of_span(&text, &e), e.message().trim().to_string()))?;

    let known = config_flags();
    let mut extra: Vec<OsString> = Vec::new();
    let mut keys = Vec::new();
    for (key, value) in &table {
        if key == "keys" {
            keys = key_overrides(&text, value).map_err(|(line, m)| file_err(line, m))?;
            continue;
        }
        let line = line_of(&text, None, key);
        if !known.contains(key) {
            return Err(file_err(line, unknown_key(key, &known)));
        }
        let flag_args = value_args(key, value).map_err(|m| file_err(line, m))?;
        // Checked alone first, so the error names the file and the line.
        let mut alone = vec![OsString::from("proclab")];
        alone.extend(flag_args.iter().map(OsString::from));
        if let Err(e) = Cli::command().try_get_matches_from(&alone) {
            return Err(file_err(line, format!("{key}: {}", clap_message(&e))));
        }
        let id = Cli::command()
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()))
            .map(|a| a.get_id().to_string())
            .unwrap_or_default();
        if matches.value_source(&id) == Some(ValueSource::CommandLine) {
            continue;
        }
        extra.extend(flag_args.into_iter().map(OsString::from));
    }

    let mut all = vec![args.first().cloned().unwrap_or_else(|| "proclab".into())];
    all.extend(extra);
    all.extend(args.iter().skip(1).cloned());
    let matches = Cli::command()
        .try_get_matches_from(&all)
        .map_err(ConfigError::Cli)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(ConfigError::Cli)?;
    // Only flags given on the command line settle the lab: a config
    // file's `workers = 4` opens no lab.
    cli.settle(&first_matches).map_err(ConfigError::Cli)?;
    Ok(Loaded {
        cli,
        path: Some(path),
        keys,
    })
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
            line,
        });
    }
    Ok(out)
}

/// Applies key overrides to a keymap, or says which one is wrong.
pub fn apply_keys(
    keymap: &mut Keymap,
    overrides: &[KeyOverride],
    path: &Path,
) -> Result<(), ConfigError> {
    for o in overrides {
        let err = |message: String| ConfigError::File {
            path: path.to_path_buf(),
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
        match defaults.first().and_then(|d| d.to_str()) {
            Some(d) => out.push_str(&format!("{long} = {}\n\n", toml_value(d))),
            None => out.push_str(&format!("# {long} = (not set)\n\n")),
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

fn toml_value(v: &str) -> String {
    if v == "true" || v == "false" || v.parse::<i64>().is_ok() || v.parse::<f64>().is_ok() {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

#[cfg(test)]
mod tests;
