//! The flags of a session in a terminal: its look, what it records, where
//! its screenshots and its settings come from. They act where a session
//! runs (the lab, `play`, `lesson`), so only those commands take them, and
//! `race --help` or `config --help` never list them.

use std::path::PathBuf;

use clap::Args;

use crate::app::ThemeName;

#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[command(next_help_heading = "Display, recording and settings")]
pub struct SessionArgs {
    /// The look: standard (the terminal's colours), projector (high
    /// contrast, thick bars, large digits, on black) or light (dark on
    /// white).
    #[arg(long, value_enum, default_value_t = ThemeName::Standard)]
    pub theme: ThemeName,

    /// Draw with ASCII only: borders of +-|, bars of # and . (the default
    /// when TERM is linux or dumb).
    #[arg(long)]
    pub ascii: bool,

    /// Leave the mouse to the terminal, so a drag selects text to copy
    /// (clicks no longer select a worker).
    #[arg(long)]
    pub no_mouse: bool,

    /// Show the last keys pressed in a corner (K toggles it).
    #[arg(long)]
    pub show_keys: bool,

    /// Record the session to FILE as asciicast v2 (asciinema play, agg).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Also record the keys pressed (as "i" events).
    #[arg(long, requires = "record")]
    pub record_input: bool,

    /// Write every log line (time, Python, what happened) to FILE as it
    /// happens, for notes and screen readers.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Let --record and --log overwrite their FILE if it exists (never
    /// through a symbolic link).
    #[arg(long)]
    pub force: bool,

    /// Where S saves screenshots.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub screenshot_dir: PathBuf,

    /// Read settings from FILE instead of the user's config file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl Default for SessionArgs {
    fn default() -> SessionArgs {
        SessionArgs {
            theme: ThemeName::Standard,
            ascii: false,
            no_mouse: false,
            show_keys: false,
            record: None,
            record_input: false,
            log: None,
            force: false,
            screenshot_dir: PathBuf::from("."),
            config: None,
        }
    }
}

impl SessionArgs {
    /// These flags (given before a subcommand, or by the config file)
    /// overridden by those `given` after it: `proclab --theme light play
    /// queue --record q.cast` records in the light theme.
    pub fn merged(&self, after: &SessionArgs, given: impl Fn(&str) -> bool) -> SessionArgs {
        fn pick<T: Clone>(given: bool, after: &T, before: &T) -> T {
            if given { after } else { before }.clone()
        }
        SessionArgs {
            theme: pick(given("theme"), &after.theme, &self.theme),
            ascii: self.ascii || after.ascii,
            no_mouse: self.no_mouse || after.no_mouse,
            show_keys: self.show_keys || after.show_keys,
            record: pick(given("record"), &after.record, &self.record),
            record_input: self.record_input || after.record_input,
            log: pick(given("log"), &after.log, &self.log),
            force: self.force || after.force,
            screenshot_dir: pick(
                given("screenshot_dir"),
                &after.screenshot_dir,
                &self.screenshot_dir,
            ),
            config: pick(given("config"), &after.config, &self.config),
        }
    }
}

/// Arguments of `proclab completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
