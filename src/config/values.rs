//! A config file's value turned into its flag's arguments, and what is
//! wrong with it said as one line that names the key, the value and what
//! is accepted: `capacity = -1 is not in 1..=65536`.

use clap::CommandFactory;

use crate::cli::Cli;

/// The arguments that give the flag `key` the value `value`. A value is
/// joined to its flag (`--capacity=-1`), so that a negative number is read
/// as the value and checked against the range, not taken for a flag.
pub fn value_args(
    key: &str,
    value: &toml::Value,
    takes_value: bool,
) -> Result<Vec<String>, String> {
    let flag = format!("--{key}");
    let joined = |v: String| Ok(vec![format!("{flag}={v}")]);
    match value {
        toml::Value::Boolean(true) if !takes_value => Ok(vec![flag]),
        toml::Value::Boolean(false) if !takes_value => Ok(vec![]),
        v if !takes_value => Err(format!("{key} = {v}: expected true or false")),
        toml::Value::String(s) => joined(s.clone()),
        toml::Value::Integer(n) => joined(n.to_string()),
        toml::Value::Float(x) => joined(x.to_string()),
        toml::Value::Boolean(b) => joined(b.to_string()),
        other => Err(format!(
            "{key} takes a single value (a string, number or boolean), not {}",
            other.type_str()
        )),
    }
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

/// `key = shown` and what clap found wrong with it, without clap's
/// "invalid value '...' for '--key <KEY>'", which speaks of the command
/// line.
pub fn bad_value(key: &str, shown: &str, e: &clap::Error) -> String {
    let message = clap_message(e);
    let problem = message
        .strip_prefix("invalid value '")
        .and_then(|rest| rest.split_once("' for '"))
        .and_then(|(_, rest)| rest.split_once('\''))
        .map_or(message.as_str(), |(_, rest)| {
            rest.trim_start_matches(':').trim()
        });
    if let Some(list) = problem
        .strip_prefix("[possible values: ")
        .and_then(|l| l.strip_suffix(']'))
    {
        return format!("{key} = {shown}: expected one of: {list}");
    }
    // "-1 is not in 1..=65536" follows the value it names.
    let bare = shown.trim_matches('"');
    match problem.strip_prefix(bare) {
        Some(rest) if rest.starts_with(' ') => format!("{key} = {shown}{rest}"),
        _ => format!("{key} = {shown}: {problem}"),
    }
}

/// Checks one setting alone, as the flag it stands for; `shown` is the
/// value as the file writes it.
pub fn check(key: &str, shown: &str, args: &[String]) -> Result<(), String> {
    let argv = std::iter::once("proclab").chain(args.iter().map(String::as_str));
    match Cli::command().try_get_matches_from(argv) {
        Ok(_) => Ok(()),
        Err(e) => Err(bad_value(key, shown, &e)),
    }
}

/// What to say of a line TOML could not read, when it sets a known key
/// to a whole number TOML cannot hold (beyond 64-bit signed): the flag's
/// own range, or how to write the number.
pub fn too_large(line: &str, known: &[String]) -> Option<String> {
    let (key, rest) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let literal = rest.split('#').next()?.trim();
    let digits = literal.trim_start_matches(['+', '-']).replace('_', "");
    if !known.iter().any(|k| k == key)
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let value = literal.replace('_', "");
    match check(key, &value, &[format!("--{key}={value}")]) {
        Err(why) => Some(why),
        Ok(()) => Some(format!(
            "{key} = {value}: a TOML integer is at most {}; write the number as a string, {key} = \"{value}\"",
            i64::MAX
        )),
    }
}
