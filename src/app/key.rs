//! A key as the keymap knows it, and its names: one table says what a
//! config file may call a key, how it is written back, and how the screen
//! shows it.

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A key as the keymap knows it: a code, and whether Ctrl was held.
/// Shift is part of the character (`A` is Shift-a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

/// Keys with names: the names a config file may use (the first is how a
/// key is written back), and how the screen shows it. Characters, `ctrl-X`
/// and `f1`..`f12` follow their own rules.
const NAMED: &[(KeyCode, &[&str], &str)] = &[
    (KeyCode::Up, &["up"], "↑"),
    (KeyCode::Down, &["down"], "↓"),
    (KeyCode::Left, &["left"], "←"),
    (KeyCode::Right, &["right"], "→"),
    (KeyCode::Home, &["home"], "Home"),
    (KeyCode::End, &["end"], "End"),
    (KeyCode::PageUp, &["pgup", "pageup"], "PgUp"),
    (KeyCode::PageDown, &["pgdn", "pagedown"], "PgDn"),
    (KeyCode::Tab, &["tab"], "Tab"),
    (KeyCode::BackTab, &["shift-tab", "backtab"], "Shift-Tab"),
    (KeyCode::Esc, &["esc", "escape"], "Esc"),
    (KeyCode::Enter, &["enter", "return"], "Enter"),
    (KeyCode::Char(' '), &["space"], "Space"),
    (KeyCode::Backspace, &["backspace"], "Backspace"),
    (KeyCode::Delete, &["del", "delete"], "Del"),
];

fn named(code: KeyCode) -> Option<&'static (KeyCode, &'static [&'static str], &'static str)> {
    NAMED.iter().find(|(c, _, _)| *c == code)
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// The key of a terminal key event; None for releases and repeats of
    /// kinds we do not act on.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let code = match ev.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Some(Key { code, ctrl })
    }

    /// Parses a key name: `s`, `A`, `?`, `ctrl-c`, a name of the table
    /// (`up`, `tab`, `shift-tab`, `esc`, `enter`, `space`, ...), or
    /// `f1`..`f12`.
    pub fn parse(name: &str) -> Result<Key, String> {
        let lower = name.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("ctrl-")
            .or_else(|| lower.strip_prefix("ctrl+"))
        {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphanumeric() => Ok(Key::ctrl(c)),
                _ => Err(format!(
                    "unknown key {name:?}: after ctrl- comes one letter or digit"
                )),
            };
        }
        if let Some((code, _, _)) = NAMED
            .iter()
            .find(|(_, names, _)| names.contains(&lower.as_str()))
        {
            return Ok(Key::plain(*code));
        }
        if let Some(n) = lower
            .strip_prefix('f')
            .filter(|n| !n.is_empty())
            .and_then(|n| n.parse::<u8>().ok())
        {
            if !(1..=12).contains(&n) {
                return Err(format!("unknown key {name:?}: function keys are f1 to f12"));
            }
            return Ok(Key::plain(KeyCode::F(n)));
        }
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => Ok(Key::char(c)),
            _ => Err(format!(
                "unknown key {name:?}: expected one character, ctrl-X, or a name \
                 such as up, down, home, end, tab, shift-tab, esc, enter, space, f1"
            )),
        }
    }

    /// The name a config file uses for this key (what [`Key::parse`] reads).
    pub fn name(&self) -> String {
        if let (true, KeyCode::Char(c)) = (self.ctrl, self.code) {
            return format!("ctrl-{c}");
        }
        match (named(self.code), self.code) {
            (Some((_, names, _)), _) => names[0].to_string(),
            (None, KeyCode::Char(c)) => c.to_string(),
            (None, KeyCode::F(n)) => format!("f{n}"),
            (None, other) => format!("{other:?}").to_lowercase(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (true, KeyCode::Char(c)) = (self.ctrl, self.code) {
            return write!(f, "Ctrl-{}", c.to_ascii_uppercase());
        }
        match (named(self.code), self.code) {
            (Some((_, _, shown)), _) => write!(f, "{shown}"),
            (None, KeyCode::Char(c)) => write!(f, "{c}"),
            (None, KeyCode::F(n)) => write!(f, "F{n}"),
            (None, other) => write!(f, "{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_key_reads_back_and_shows_once() {
        for (code, names, shown) in NAMED {
            let key = Key::plain(*code);
            for name in *names {
                assert_eq!(Key::parse(name), Ok(key), "{name}");
                assert_eq!(Key::parse(&name.to_uppercase()), Ok(key), "{name}");
            }
            assert_eq!(key.name(), names[0]);
            assert_eq!(key.to_string(), *shown);
            assert_eq!(NAMED.iter().filter(|(c, _, _)| c == code).count(), 1);
        }
        assert_eq!(Key::parse("f12").unwrap().to_string(), "F12");
        assert_eq!(Key::plain(KeyCode::F(3)).name(), "f3");
        assert_eq!(Key::parse("+").unwrap().name(), "+");
    }
}
