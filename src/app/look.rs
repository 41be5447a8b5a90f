//! What the terminal can show: how many colours (none under `NO_COLOR`),
//! and whether it has box-drawing and arrow characters. Found once at
//! start from the environment and the flags, and kept in the app so that
//! every frame, and every screenshot, is drawn for the same terminal.

/// The colours a terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Colours {
    /// Any RGB colour (`COLORTERM=truecolor` or `24bit`).
    #[default]
    TrueColour,
    /// The xterm 256-colour palette: RGB colours become their nearest entry.
    Palette256,
    /// The 16 named colours of a console (`TERM=linux`).
    Basic16,
    /// None at all (`NO_COLOR`, `TERM=dumb`): bold, reverse and underline
    /// only, and every state told by its letter and word.
    None,
}

/// How the screen is drawn on this terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Look {
    pub colours: Colours,
    /// Only ASCII characters: borders of `+-|`, bars of `#` and `.`.
    pub ascii: bool,
}

/// The environment variables that say what a terminal shows.
#[derive(Debug, Clone, Default)]
pub struct TerminalEnv {
    pub term: Option<String>,
    pub colorterm: Option<String>,
    pub no_color: Option<String>,
}

impl TerminalEnv {
    /// This process's `TERM`, `COLORTERM` and `NO_COLOR`.
    pub fn current() -> TerminalEnv {
        let var = |name| std::env::var(name).ok();
        TerminalEnv {
            term: var("TERM"),
            colorterm: var("COLORTERM"),
            no_color: var("NO_COLOR"),
        }
    }
}

/// Terminals that show neither box-drawing characters nor arrows: the
/// Linux console's font lacks most of them, and a dumb terminal has none.
const ASCII_TERMS: &[&str] = &["linux", "dumb"];

impl Look {
    /// The look for a terminal described by `env`, with `--ascii` given or
    /// not.
    ///
    /// `NO_COLOR` counts when set and not empty (no-color.org). Truecolor is
    /// used only where `COLORTERM` says so; other terminals get the
    /// 256-colour palette, the Linux console its 16 colours.
    pub fn detect(env: &TerminalEnv, ascii_flag: bool) -> Look {
        let term = env.term.as_deref().unwrap_or("");
        let no_color = env.no_color.as_deref().is_some_and(|v| !v.is_empty());
        let colours = if no_color || term == "dumb" {
            Colours::None
        } else if term == "linux" {
            Colours::Basic16
        } else if matches!(env.colorterm.as_deref(), Some("truecolor" | "24bit")) {
            Colours::TrueColour
        } else {
            Colours::Palette256
        };
        Look {
            colours,
            ascii: ascii_flag || ASCII_TERMS.contains(&term),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(term: &str, colorterm: Option<&str>, no_color: Option<&str>) -> TerminalEnv {
        TerminalEnv {
            term: Some(term.into()),
            colorterm: colorterm.map(String::from),
            no_color: no_color.map(String::from),
        }
    }

    #[test]
    fn colours_follow_colorterm_term_and_no_color() {
        let colours = |e: &TerminalEnv| Look::detect(e, false).colours;
        let xterm = "xterm-256color";
        assert_eq!(
            colours(&env(xterm, Some("truecolor"), None)),
            Colours::TrueColour
        );
        assert_eq!(
            colours(&env(xterm, Some("24bit"), None)),
            Colours::TrueColour
        );
        assert_eq!(colours(&env(xterm, None, None)), Colours::Palette256);
        assert_eq!(colours(&env(xterm, Some("yes"), None)), Colours::Palette256);
        assert_eq!(colours(&env("linux", None, None)), Colours::Basic16);
        assert_eq!(colours(&env("dumb", None, None)), Colours::None);
        assert_eq!(
            colours(&env(xterm, Some("truecolor"), Some("1"))),
            Colours::None
        );
        // An empty NO_COLOR does not count.
        assert_eq!(
            colours(&env(xterm, Some("truecolor"), Some(""))),
            Colours::TrueColour
        );
    }

    #[test]
    fn ascii_by_flag_or_for_the_console_and_dumb_terminals() {
        assert!(!Look::detect(&env("xterm-256color", None, None), false).ascii);
        assert!(Look::detect(&env("xterm-256color", None, None), true).ascii);
        assert!(Look::detect(&env("linux", None, None), false).ascii);
        assert!(Look::detect(&env("dumb", None, None), false).ascii);
        assert!(!Look::detect(&TerminalEnv::default(), false).ascii);
    }
}
