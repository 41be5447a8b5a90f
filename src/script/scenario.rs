//! Scenario files: a scripted demo, in TOML.
//!
//! ```toml
//! [settings]
//! title = "Pause, terminate, join"
//! width = 100          # the virtual screen, when run headless
//! height = 30
//! theme = "standard"   # or "projector"
//! speed = 1.0          # 2.0 runs every wait twice as fast
//! args = ["--workers", "0", "--task-ms", "600"]   # proclab's flags
//!
//! [[step]]
//! caption = "Start three workers"
//! [[step]]
//! keys = "s s s"       # key names, separated by spaces
//! [[step]]
//! until = "workers >= 3"
//! timeout = 10         # seconds (default 10)
//! [[step]]
//! wait = 1.5           # seconds
//! [[step]]
//! marker = "started"   # a marker in the recording
//! ```
//!
//! Every step has exactly one of caption, keys, wait, until, marker. Any
//! mistake is an error naming the file, the line and what was expected,
//! found before anything starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::condition::Condition;
use super::limits;
use crate::app::ThemeName;
use crate::app::keymap::Key;
use crate::cli::Cli;

/// The scenarios built into the binary, one per lab: `proclab play NAME`
/// plays one from any folder.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "lifecycle",
        include_str!("../../assets/scenarios/lifecycle.toml"),
    ),
    ("gil", include_str!("../../assets/scenarios/gil.toml")),
    ("queue", include_str!("../../assets/scenarios/queue.toml")),
    ("pipe", include_str!("../../assets/scenarios/pipe.toml")),
    (
        "pipeline",
        include_str!("../../assets/scenarios/pipeline.toml"),
    ),
    (
        "counter",
        include_str!("../../assets/scenarios/counter.toml"),
    ),
    ("sync", include_str!("../../assets/scenarios/sync.toml")),
    ("pool", include_str!("../../assets/scenarios/pool.toml")),
    (
        "cluster",
        include_str!("../../assets/scenarios/cluster.toml"),
    ),
];

/// Longest wait or timeout a step may ask for.
pub const MAX_WAIT: f64 = 600.0;
pub const DEFAULT_TIMEOUT: f64 = 10.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    settings: Option<Spanned<SettingsFile>>,
    #[serde(default)]
    step: Vec<Spanned<StepFile>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    title: Option<String>,
    width: Option<Spanned<u16>>,
    height: Option<Spanned<u16>>,
    theme: Option<ThemeName>,
    speed: Option<Spanned<f64>>,
    args: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    caption: Option<String>,
    keys: Option<String>,
    wait: Option<f64>,
    until: Option<String>,
    timeout: Option<f64>,
    marker: Option<String>,
}

/// What a scenario sets up.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub title: Option<String>,
    pub width: u16,
    pub height: u16,
    pub theme: Option<ThemeName>,
    pub speed: f64,
    /// proclab's flags, as on the command line.
    pub args: Vec<String>,
}

/// One thing a scenario does.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Shows a caption (an empty one hides it).
    Caption(String),
    Keys(Vec<Key>),
    Wait(Duration),
    Until {
        condition: Condition,
        timeout: Duration,
        /// The condition as written, for messages.
        text: String,
    },
    Marker(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub path: PathBuf,
    pub settings: Settings,
    /// Steps, each with the line it starts on.
    pub steps: Vec<(Step, usize)>,
}

/// A mistake in a scenario or lesson file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}, line {line}: {message}")]
pub struct FileError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Reads a TOML file into `T`; a mistake names the file and the line.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, FileError> {
    toml::from_str(text).map_err(|e| FileError {
        path: path.to_string(),
        line: e.span().map_or(1, |s| line_at(text, s.start)),
        message: e.message().trim().replace('\n', " "),
    })
}

/// The line a byte offset is on.
pub fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Checks a list of flags as proclab's command line would, returning the
/// parsed command line.
pub fn check_args(args: &[String]) -> Result<Cli, String> {
    let cli = Cli::parse_checked(std::iter::once("proclab").chain(args.iter().map(String::as_str)))
        .map_err(|e| crate::config::clap_message(&e))?;
    if cli.command.is_some() {
        return Err("args are flags only, not a subcommand".into());
    }
    Ok(cli)
}

/// Key names separated by spaces: "s s s", "up k", "ctrl-c".
pub fn parse_keys(text: &str) -> Result<Vec<Key>, String> {
    let keys: Vec<Key> = text
        .split_whitespace()
        .map(Key::parse)
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err("keys is empty: give key names separated by spaces, such as \"s s p\"".into());
    }
    Ok(keys)
}

/// A duration in seconds from a file, checked.
pub fn seconds(what: &str, v: f64) -> Result<Duration, String> {
    if !(v.is_finite() && (0.0..=MAX_WAIT).contains(&v)) {
        return Err(format!(
            "{what} is {v}: expected seconds from 0 to {MAX_WAIT}"
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

/// Whether `name` is a file's path rather than a built-in scenario's name:
/// it has a `/` or ends in `.toml`.
pub fn is_path(name: &str) -> bool {
    name.contains('/') || name.ends_with(".toml")
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario, FileError> {
        Scenario::parse(path, &limits::read(path)?)
    }

    /// A built-in scenario by name, or a scenario file by its path.
    pub fn find(name: &str) -> Result<Scenario, String> {
        if is_path(name) {
            return Scenario::load(Path::new(name)).map_err(|e| e.to_string());
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => {
                let shown = PathBuf::from(format!("assets/scenarios/{n}.toml"));
                Scenario::parse(&shown, text).map_err(|e| e.to_string())
            }
            None => Err(format!(
                "no scenario {name:?}; scenarios are {} (or give a file: path/to/scenario.toml)",
                BUILT_IN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    pub fn parse(path: &Path, text: &str) -> Result<Scenario, FileError> {
        let err = |line: usize, message: String| FileError {
            path: path.display().to_string(),
            line,
            message,
        };
        let shown = path.display().to_string();
        limits::check_text(&shown, text)?;
        let file: File = parse_toml(&shown, text)?;
        let lines = limits::Lines::new(text);
        limits::check_steps(&shown, file.step.len(), || {
            lines.at(file.step[limits::MAX_STEPS].span().start)
        })?;

        let (raw, settings_line) = match file.settings {
            Some(s) => {
                let line = line_at(text, s.span().start);
                (s.into_inner(), line)
            }
            None => (SettingsFile::default(), 1),
        };
        // A value's own line, or the table's when it is left out.
        let line_of = |span: Option<std::ops::Range<usize>>| {
            span.map_or(settings_line, |s| line_at(text, s.start))
        };
        let width = raw.width.as_ref().map_or(100, |w| *w.get_ref());
        let height = raw.height.as_ref().map_or(30, |h| *h.get_ref());
        if !(crate::ui::MIN_WIDTH..=500).contains(&width) {
            return Err(err(
                line_of(raw.width.map(|w| w.span())),
                format!(
                    "width {width}: expected {} to 500 columns",
                    crate::ui::MIN_WIDTH
                ),
            ));
        }
        if !(crate::ui::MIN_HEIGHT..=200).contains(&height) {
            return Err(err(
                line_of(raw.height.map(|h| h.span())),
                format!(
                    "height {height}: expected {} to 200 rows",
                    crate::ui::MIN_HEIGHT
                ),
            ));
        }
        let speed = raw.speed.as_ref().map_or(1.0, |v| *v.get_ref());
        if !(speed.is_finite() && (0.1..=100.0).contains(&speed)) {
            return Err(err(
                line_of(raw.speed.map(|v| v.span())),
                format!("speed {speed}: expected 0.1 to 100"),
            ));
        }
        let args_line = line_of(raw.args.as_ref().map(|a| a.span()));
        let args = raw.args.map(Spanned::into_inner).unwrap_or_default();
        let cli = check_args(&args).map_err(|m| err(args_line, format!("args: {m}")))?;

        let mut steps = Vec::new();
        for spanned in file.step {
            let line = lines.at(spanned.span().start);
            let s = spanned.into_inner();
            let given = [
                s.caption.is_some(),
                s.keys.is_some(),
                s.wait.is_some(),
                s.until.is_some(),
                s.marker.is_some(),
            ]
            .iter()
            .filter(|&&b| b)
            .count();
            if given != 1 {
                return Err(err(
                    line,
                    "a step has exactly one of caption, keys, wait, until, marker".into(),
                ));
            }
            if s.timeout.is_some() && s.until.is_none() {
                return Err(err(line, "timeout goes with until".into()));
            }
            let step = if let Some(c) = s.caption {
                Step::Caption(c)
            } else if let Some(k) = s.keys {
                Step::Keys(parse_keys(&k).map_err(|m| err(line, m))?)
            } else if let Some(w) = s.wait {
                Step::Wait(seconds("wait", w).map_err(|m| err(line, m))?)
            } else if let Some(u) = s.until {
                let condition = Condition::parse(&u).map_err(|m| err(line, m))?;
                if let Some(why) =
                    condition.impossible(cli.max_workers as usize, cli.comms.capacity)
                {
                    return Err(err(line, format!("until {u:?} can never hold: {why}")));
                }
                let timeout = seconds("timeout", s.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .map_err(|m| err(line, m))?;
                if timeout.is_zero() {
                    return Err(err(line, "timeout 0 leaves no time to wait".into()));
                }
                Step::Until {
                    condition,
                    timeout,
                    text: u,
                }
            } else {
                Step::Marker(s.marker.unwrap_or_default())
            };
            steps.push((step, line));
        }
        if steps.is_empty() {
            return Err(err(1, "no steps: add [[step]] tables".into()));
        }
        Ok(Scenario {
            path: path.to_path_buf(),
            settings: Settings {
                title: raw.title,
                width,
                height,
                theme: raw.theme,
                speed,
                args,
            },
            steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, FileError> {
        Scenario::parse(Path::new("demo.toml"), text)
    }

    #[test]
    fn a_scenario_reads_its_steps_with_their_lines() {
        let s = parse(
            "[settings]\nwidth = 90\nargs = [\"--workers\", \"0\"]\n\n[[step]]\nkeys = \"s up\"\n\n[[step]]\nuntil = \"workers >= 1\"\ntimeout = 5\n[[step]]\nwait = 0.5\n[[step]]\ncaption = \"hi\"\n[[step]]\nmarker = \"m\"\n",
        )
        .unwrap();
        assert_eq!(s.settings.width, 90);
        assert_eq!(s.settings.height, 30);
        assert_eq!(s.steps.len(), 5);
        assert_eq!(s.steps[0].1, 5);
        assert!(matches!(&s.steps[0].0, Step::Keys(k) if k.len() == 2));
        assert!(matches!(&s.steps[1].0, Step::Until { timeout, .. } if timeout.as_secs() == 5));
    }

    #[test]
    fn every_built_in_scenario_reads_and_names_are_not_paths() {
        for (name, _) in BUILT_IN {
            let s = Scenario::find(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!s.steps.is_empty(), "{name}");
            assert!(!is_path(name));
        }
        let e = Scenario::find("lifecylce").unwrap_err();
        assert!(e.contains("scenarios are lifecycle, gil"), "{e}");
        assert!(is_path("demo.toml") && is_path("./lifecycle"));
    }

    #[test]
    fn mistakes_name_their_line() {
        for (text, line, needle) in [
            ("[[step]]\npress = \"s\"\n", 2, "unknown field `press`"),
            ("[[step]]\nkeys = \"s\"\nwait = 1\n", 1, "exactly one of"),
            (
                "[[step]]\nkeys = \"s banana\"\n",
                1,
                "unknown key \"banana\"",
            ),
            ("\n[[step]]\nwait = -1\n", 2, "expected seconds"),
            (
                "[[step]]\nuntil = \"workers >= 999\"\n",
                1,
                "can never hold",
            ),
            (
                "[[step]]\nuntil = \"wrokers > 1\"\n",
                1,
                "unknown condition",
            ),
            (
                "[settings]\nargs = [\"--workers\", \"x\"]\n[[step]]\nwait = 1\n",
                2,
                "--workers",
            ),
            (
                "[settings]\nwidth = 10\n[[step]]\nwait = 1\n",
                2,
                "width 10",
            ),
            (
                "[settings]\ntitle = \"t\"\n\nspeed = 0\n[[step]]\nwait = 1\n",
                4,
                "speed 0",
            ),
            (
                "[settings]\nargs = [\"--lab\", \"queue\", \"--capacity\", \"8\"]\n[[step]]\nuntil = \"queue-depth > 8\"\n",
                3,
                "--capacity 8",
            ),
            (
                "[[step]]\nwait = 1\ntimeout = 3\n",
                1,
                "timeout goes with until",
            ),
            ("[settings]\n", 1, "no steps"),
            ("[[step]\nwait = 1\n", 1, ""),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
            assert!(e.to_string().starts_with("demo.toml, line "), "{e}");
        }
    }
}
