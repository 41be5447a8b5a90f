//! The footer: the keys that do something now, from the keymap. Lab keys
//! on the left, help and quit on the right, which never get cut.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::app::keymap::{Binding, Scope};

use super::theme::Theme;

pub struct Footer<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Footer<'_> {
    /// Each binding as a key and its label, `gap` spaces after it.
    fn spans(&self, bindings: &[&Binding], gap: usize) -> (Vec<Span<'static>>, Vec<usize>) {
        let mut spans = Vec::new();
        let mut widths = Vec::new();
        let g = self.theme.glyphs;
        for b in bindings {
            let key = format!(" {} ", g.text(b.key.to_string()));
            let label = format!(
                " {}{}",
                g.text(self.app.action_label(b.action)),
                " ".repeat(gap)
            );
            widths.push(key.chars().count() + label.chars().count());
            spans.push(Span::styled(key, self.theme.key));
            spans.push(Span::raw(label));
        }
        (spans, widths)
    }
}

impl Widget for &Footer<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let all: Vec<&Binding> = app
            .keymap
            .footer(app.lab, app.overlay())
            .into_iter()
            .filter(|b| app.applies(b.action))
            .collect();
        let (global, mut local): (Vec<&Binding>, Vec<&Binding>) =
            all.into_iter().partition(|b| b.scope == Scope::Global);
        // Where the main keys leave room, the lab's other keys that apply
        // now follow them (one key per action), so a wide screen shows them.
        if app.overlay().is_none() {
            for b in &app.keymap.bindings {
                if b.scope == Scope::Lab(app.lab)
                    && !b.footer
                    && app.applies(b.action)
                    && !local.iter().any(|l| l.action == b.action)
                {
                    local.push(b);
                }
            }
        }
        // Two spaces between entries, or one where that keeps more of the
        // lab's main keys.
        let main = local.iter().filter(|b| b.footer).count();
        let fit = |gap: usize| {
            let (mut right, right_widths) = self.spans(&global, gap);
            // The last entry needs no gap after it: the screen ends there.
            if let Some(last) = right.last_mut() {
                last.content = last.content.trim_end().to_string().into();
            }
            let right_width = right_widths.iter().sum::<usize>().saturating_sub(gap);
            let (left, left_widths) = self.spans(&local, gap);
            let room = (area.width as usize).saturating_sub(right_width);
            let mut used = 0;
            let mut keep = 0;
            for w in left_widths {
                if used + w > room {
                    break;
                }
                used += w;
                keep += 1;
            }
            (right, right_width, left, keep)
        };
        let wide = fit(2);
        let (right, right_width, left, keep) = if wide.3 >= main {
            wide
        } else {
            let narrow = fit(1);
            if narrow.3 > wide.3 { narrow } else { wide }
        };
        Line::from(left.into_iter().take(keep * 2).collect::<Vec<_>>()).render(area, buf);
        if right_width <= area.width as usize {
            let x = area.x + area.width - right_width as u16;
            Line::from(right).render(Rect::new(x, area.y, right_width as u16, 1), buf);
        }
    }
}
