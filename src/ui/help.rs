//! The help overlay: every key, generated from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::keymap::{Keymap, Scope};
use crate::app::{Action, LabId};

use super::theme::{Border, Theme};

pub struct Help<'a> {
    pub keymap: &'a Keymap,
    pub lab: LabId,
    pub scroll: u16,
    pub theme: &'a Theme,
}

impl Help<'_> {
    /// The help text, one line per action and scope, keys joined.
    pub fn lines(&self) -> Vec<Line<'static>> {
        let g = self.theme.glyphs;
        let mut lines = vec![
            Line::from(Span::styled(
                "Every action is a real system call on a real process;",
                self.theme.dim,
            )),
            Line::from(Span::styled(
                "the log shows the Python that does the same.",
                self.theme.dim,
            )),
        ];
        let sections = [
            (
                Scope::Lab(self.lab),
                format!("{} lab", g.text(self.lab.title())),
            ),
            (Scope::Global, "Everywhere".to_string()),
            (Scope::Help, "In this help".to_string()),
        ];
        for (scope, heading) in sections {
            let mut actions: Vec<Action> = Vec::new();
            for b in self.keymap.bindings.iter().filter(|b| b.scope == scope) {
                if !actions.contains(&b.action) {
                    actions.push(b.action);
                }
            }
            if actions.is_empty() {
                continue;
            }
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(heading, self.theme.title)));
            for action in actions {
                let keys: Vec<String> = self
                    .keymap
                    .keys_for(action, scope)
                    .iter()
                    .map(|k| g.text(k.to_string()).into_owned())
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("  {:<12}", keys.join(", ")), self.theme.python),
                    Span::raw(g.text(action.describe())),
                ]));
            }
            if scope == Scope::Lab(self.lab) {
                let notes = crate::app::labs::help(self.lab);
                if !notes.is_empty() {
                    lines.push(Line::default());
                }
                lines.extend(notes.into_iter().map(Line::from));
            }
        }
        lines
    }
}

impl Widget for &Help<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = area.width.saturating_sub(4).min(84);
        let height = area.height.saturating_sub(2);
        let popup = super::popup(area, width, height, buf);
        let lines = self.lines();
        let inner_height = height.saturating_sub(2);
        let max_scroll = (lines.len() as u16).saturating_sub(inner_height);
        let scroll = self.scroll.min(max_scroll);
        let g = self.theme.glyphs;
        let more = if max_scroll > 0 {
            format!(" {} {} {} scroll", g.sep, g.up, g.down)
        } else {
            String::new()
        };
        let block = super::bordered(Border {
            style: self.theme.title,
            ..self.theme.border
        })
        .title(Line::from(vec![
            Span::styled(" Help ", self.theme.title),
            Span::styled(format!("Esc or ? closes{more} "), self.theme.dim),
        ]));
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll, 0))
            .render(popup, buf);
    }
}
