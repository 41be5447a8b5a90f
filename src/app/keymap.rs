//! Keys as data: which key does what, where. The footer and the help overlay
//! are generated from this same map, so they never disagree with the keys.

use ratatui::crossterm::event::KeyCode;

use super::action::Action;
pub use super::key::Key;
use super::labs::LabId;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere, unless an overlay or the current lab binds the key.
    Global,
    /// Only in one lab.
    Lab(LabId),
    /// While the help overlay is open.
    Help,
    /// While the lessons menu is open.
    Menu,
}

impl Scope {
    /// Whether a key bound in both scopes would clash: in one scope, or
    /// in a lab and everywhere (the lab's key would hide the other).
    pub fn meets(self, other: Scope) -> bool {
        match (self, other) {
            (Scope::Global, Scope::Lab(_)) | (Scope::Lab(_), Scope::Global) => true,
            (a, b) => a == b,
        }
    }

    /// Where the scope applies, in words: "in the Lifecycle lab".
    pub fn describe(self) -> String {
        match self {
            Scope::Global => "everywhere".into(),
            Scope::Lab(lab) => format!("in the {} lab", lab.title()),
            Scope::Help => "in the help".into(),
            Scope::Menu => "in the lessons menu".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub scope: Scope,
    /// Listed in the footer (when it applies); every binding is in the help.
    pub footer: bool,
}

/// The whole keymap.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::standard()
    }
}

impl Keymap {
    /// proclab's default keys: mnemonic letters, arrows to select.
    pub fn standard() -> Keymap {
        use Action::*;
        let mut b = Vec::new();
        let mut add = |key: Key, action: Action, scope: Scope, footer: bool| {
            b.push(Binding {
                key,
                action,
                scope,
                footer,
            })
        };
        // Each lab's keys, in its own scope, in registry order.
        for (lab, key, action, footer) in super::labs::keys() {
            add(key, action, Scope::Lab(lab), footer);
        }

        let g = Scope::Global;
        add(Key::plain(KeyCode::Up), SelectPrev, g, false);
        add(Key::plain(KeyCode::Down), SelectNext, g, false);
        add(Key::plain(KeyCode::Home), SelectFirst, g, false);
        add(Key::plain(KeyCode::End), SelectLast, g, false);
        add(Key::plain(KeyCode::Tab), NextLab, g, true);
        add(Key::plain(KeyCode::BackTab), PrevLab, g, false);
        let numbered = LabId::ALL
            .iter()
            .filter(|l| l.tab() == super::labs::Tab::Numbered);
        for (i, &lab) in numbered.enumerate().take(9) {
            let digit = char::from_digit(i as u32 + 1, 10).unwrap_or('1');
            add(Key::char(digit), GotoLab(lab), g, false);
        }
        add(Key::plain(KeyCode::PageUp), LogOlder, g, false);
        add(Key::plain(KeyCode::PageDown), LogNewer, g, false);
        add(Key::char('f'), ToggleFreeze, g, false);
        add(Key::char('B'), ToggleBackground, g, false);
        add(Key::char('X'), ClearJoined, g, false);
        add(Key::char('S'), Screenshot, g, false);
        add(Key::char('K'), ToggleKeys, g, false);
        add(Key::char('L'), Lessons, g, false);
        add(Key::char('R'), RunExample, g, false);
        add(Key::plain(KeyCode::Enter), LessonNext, g, true);
        add(Key::char('?'), ToggleHelp, g, true);
        add(Key::char('q'), Quit, g, true);
        add(Key::ctrl('c'), Quit, g, false);

        let h = Scope::Help;
        add(Key::plain(KeyCode::Esc), CloseOverlay, h, true);
        add(Key::char('q'), CloseOverlay, h, false);
        add(Key::char('?'), ToggleHelp, h, false);
        add(Key::plain(KeyCode::Up), ScrollUp, h, true);
        add(Key::plain(KeyCode::Down), ScrollDown, h, false);

        let m = Scope::Menu;
        add(Key::plain(KeyCode::Enter), Choose, m, true);
        add(Key::plain(KeyCode::Up), ScrollUp, m, true);
        add(Key::plain(KeyCode::Down), ScrollDown, m, false);
        add(Key::plain(KeyCode::Esc), CloseOverlay, m, true);
        add(Key::char('q'), CloseOverlay, m, false);
        add(Key::char('L'), Lessons, m, false);
        Keymap { bindings: b }
    }

    /// The action a key performs in this context: an open overlay's keys
    /// first (then global keys, but no lab's), or the current lab's, then
    /// global keys.
    pub fn lookup(&self, key: Key, lab: LabId, overlay: Option<Scope>) -> Option<Action> {
        let find = |scope: Scope| {
            self.bindings
                .iter()
                .find(|b| b.key == key && b.scope == scope)
                .map(|b| b.action)
        };
        find(overlay.unwrap_or(Scope::Lab(lab))).or_else(|| find(Scope::Global))
    }

    /// Every key bound to `action`, in any scope, without repeats.
    pub fn keys_of(&self, action: Action) -> Vec<Key> {
        let mut keys = Vec::new();
        for b in self.bindings.iter().filter(|b| b.action == action) {
            if !keys.contains(&b.key) {
                keys.push(b.key);
            }
        }
        keys
    }

    /// Binds `action` to `keys` instead of its current keys, in every scope
    /// where it is bound. Refuses a key that does something else there.
    pub fn rebind(&mut self, action: Action, keys: &[Key]) -> Result<(), String> {
        if keys.is_empty() {
            return Err("give at least one key".into());
        }
        let mut scopes: Vec<(Scope, bool)> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.action == action) {
            if !scopes.iter().any(|(s, _)| *s == b.scope) {
                scopes.push((b.scope, b.footer));
            }
        }
        if scopes.is_empty() {
            return Err("this action has no key to replace".into());
        }
        for &(scope, _) in &scopes {
            for key in keys {
                if let Some(other) = self
                    .bindings
                    .iter()
                    .find(|b| b.scope.meets(scope) && b.key == *key && b.action != action)
                {
                    return Err(format!(
                        "{} already does \"{}\" {}; rebind that action first",
                        key.name(),
                        other.action.label(),
                        other.scope.describe()
                    ));
                }
            }
        }
        for (scope, footer) in scopes {
            let at = self
                .bindings
                .iter()
                .position(|b| b.action == action && b.scope == scope)
                .unwrap_or(self.bindings.len());
            self.bindings
                .retain(|b| !(b.action == action && b.scope == scope));
            for (i, key) in keys.iter().enumerate() {
                self.bindings.insert(
                    (at + i).min(self.bindings.len()),
                    Binding {
                        key: *key,
                        action,
                        scope,
                        footer: footer && i == 0,
                    },
                );
            }
        }
        Ok(())
    }

    /// Bindings for the footer in this context, in keymap order, one per action.
    pub fn footer(&self, lab: LabId, overlay: Option<Scope>) -> Vec<&Binding> {
        let scopes: Vec<Scope> = match overlay {
            Some(o) => vec![o],
            None => vec![Scope::Lab(lab), Scope::Global],
        };
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for scope in scopes {
            for b in self
                .bindings
                .iter()
                .filter(|b| b.scope == scope && b.footer)
            {
                if !seen.contains(&b.action) {
                    seen.push(b.action);
                    out.push(b);
                }
            }
        }
        out
    }

    /// Every key bound to `action` in `scope`.
    pub fn keys_for(&self, action: Action, scope: Scope) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|b| b.action == action && b.scope == scope)
            .map(|b| b.key)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_parse_and_print() {
        assert_eq!(Key::parse("s").unwrap(), Key::char('s'));
        assert_eq!(Key::parse("A").unwrap(), Key::char('A'));
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::ctrl('c'));
        assert_eq!(Key::parse("Up").unwrap(), Key::plain(KeyCode::Up));
        assert_eq!(
            Key::parse("shift-tab").unwrap(),
            Key::plain(KeyCode::BackTab)
        );
        assert_eq!(Key::parse("f5").unwrap(), Key::plain(KeyCode::F(5)));
        assert!(Key::parse("f13").is_err());
        assert!(Key::parse("ctrl-").is_err());
        let err = Key::parse("banana").unwrap_err();
        assert!(err.contains("banana"), "{err}");
        assert_eq!(Key::ctrl('c').to_string(), "Ctrl-C");
        assert_eq!(Key::plain(KeyCode::Up).to_string(), "↑");
    }

    #[test]
    fn the_help_overlay_takes_keys_first() {
        let map = Keymap::standard();
        let lab = LabId::Lifecycle;
        assert_eq!(map.lookup(Key::char('q'), lab, None), Some(Action::Quit));
        assert_eq!(
            map.lookup(Key::char('q'), lab, Some(Scope::Help)),
            Some(Action::CloseOverlay)
        );
        assert_eq!(map.lookup(Key::char('s'), lab, Some(Scope::Help)), None);
        assert_eq!(
            map.lookup(Key::ctrl('c'), lab, Some(Scope::Help)),
            Some(Action::Quit),
            "global keys still work under the help"
        );
        assert_eq!(map.lookup(Key::char('s'), lab, None), Some(Action::Spawn));
    }

    #[test]
    fn key_names_round_trip() {
        for b in Keymap::standard().bindings {
            assert_eq!(
                Key::parse(&b.key.name()).unwrap(),
                b.key,
                "{}",
                b.key.name()
            );
        }
    }

    #[test]
    fn rebinding_replaces_keys_and_refuses_clashes() {
        let mut map = Keymap::standard();
        let lab = LabId::Lifecycle;
        map.rebind(Action::Spawn, &[Key::char('n'), Key::char('+')])
            .unwrap();
        assert_eq!(map.lookup(Key::char('n'), lab, None), Some(Action::Spawn));
        assert_eq!(map.lookup(Key::char('+'), lab, None), Some(Action::Spawn));
        assert_eq!(map.lookup(Key::char('s'), lab, None), None);
        let err = map.rebind(Action::Kill, &[Key::char('p')]).unwrap_err();
        assert!(err.contains("pause"), "{err}");
        assert!(map.rebind(Action::Kill, &[]).is_err());
    }

    #[test]
    fn a_lab_key_may_not_hide_a_key_of_everywhere() {
        let mut map = Keymap::standard();
        let err = map.rebind(Action::Spawn, &[Key::char('q')]).unwrap_err();
        assert!(err.contains("quit") && err.contains("everywhere"), "{err}");
        let err = map.rebind(Action::Quit, &[Key::char('x')]).unwrap_err();
        assert!(err.contains("lab"), "{err}");
        assert_eq!(
            map.lookup(Key::char('q'), LabId::Lifecycle, None),
            Some(Action::Quit)
        );
        // The help and the menu are apart: their keys hide nothing.
        map.rebind(Action::Quit, &[Key::char('Q'), Key::ctrl('c')])
            .unwrap();
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        let map = Keymap::standard();
        for (i, a) in map.bindings.iter().enumerate() {
            for b in &map.bindings[i + 1..] {
                assert!(
                    !(a.key == b.key && a.scope.meets(b.scope)),
                    "{} is bound twice in {:?}",
                    a.key,
                    a.scope
                );
            }
        }
    }
}
