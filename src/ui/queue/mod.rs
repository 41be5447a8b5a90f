//! The queue panel: depth as a gauge and as history, the rates in and out,
//! who is blocked, and the JoinableQueue's counts, lost messages included.
//! Every colour comes with a word or a symbol (FULL, ✓, ✗).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::claims::Queue;
use crate::app::comms::rate_words;
use crate::app::numbers::{per_second, thousands};
use crate::app::queue::QueueView;
use crate::app::view::StateKind;
use crate::lab::queue::Stopping;

use crate::ui::theme::Theme;

/// Height of the panel in the stacked (narrow) layout.
pub const NARROW_HEIGHT: u16 = 6;
/// Inner height from which the tall layout is drawn.
const TALL_INNER: u16 = 12;

pub struct QueuePanel<'a> {
    pub view: &'a QueueView,
    pub theme: &'a Theme,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl QueuePanel<'_> {
    fn gauge(&self, width: usize) -> Vec<Span<'static>> {
        let v = self.view;
        let fraction = v.depth as f64 / v.capacity as f64;
        let label = format!(" {}/{}", v.depth, v.capacity);
        let word = if v.depth >= v.capacity {
            " FULL"
        } else if v.depth == 0 {
            " empty"
        } else {
            ""
        };
        let bar_width = width.saturating_sub(6 + label.len() + word.len()).max(4);
        let (filled, empty) = self.theme.glyphs.bar(fraction, bar_width);
        let style = self.theme.load((fraction * 100.0) as f32);
        vec![
            Span::styled("depth ", self.theme.dim),
            Span::styled(filled, style),
            Span::styled(empty, self.theme.bar_empty),
            Span::styled(label, self.theme.title),
            Span::styled(word, style),
        ]
    }

    fn history(&self, width: usize) -> Span<'static> {
        Span::styled(
            self.theme.glyphs.sparkline(self.view.history.iter(), width),
            self.theme
                .load(self.view.history.last().copied().unwrap_or(0.0)),
        )
    }

    fn side(&self, put: bool, wide: bool) -> Line<'static> {
        let v = self.view;
        let g = self.theme.glyphs;
        let (arrow, word, per_s, n, one, many, rate) = if put {
            (
                g.pointer_up,
                "put",
                v.put_per_s,
                v.producers,
                "producer",
                "producers",
                v.producer_rate,
            )
        } else {
            (
                g.pointer_down,
                "get",
                v.get_per_s,
                v.consumers,
                "consumer",
                "consumers",
                v.consumer_rate,
            )
        };
        let mut spans = vec![
            Span::styled(format!("{arrow} {word} "), self.theme.title),
            Span::raw(format!("{:>9}  ", per_second(per_s))),
            Span::raw(format!(
                "{} {} {}",
                plural(n, one, many),
                g.times,
                rate_words(rate)
            )),
        ];
        if !wide {
            let (blocked, what) = if put {
                (v.blocked_put, "blocked on put")
            } else {
                (v.waiting_get, "waiting on get")
            };
            let style = if blocked > 0 {
                self.theme.note
            } else {
                self.theme.dim
            };
            spans.push(Span::styled(format!("  {blocked} {what}"), style));
        }
        Line::from(spans)
    }

    fn blocked(&self, put: bool) -> Line<'static> {
        let v = self.view;
        let (n, what) = if put {
            (v.blocked_put, "blocked on put: the queue is full")
        } else {
            (v.waiting_get, "waiting on get: the queue is empty")
        };
        if n == 0 {
            Line::from(Span::styled("    none blocked", self.theme.dim))
        } else {
            Line::from(Span::styled(format!("    {} {n} {what}", self.theme.glyphs.pause), self.theme.note))
        }
    }

    fn counts(&self) -> Line<'static> {
        let v = self.view;
        let sep = self.theme.glyphs.sep;
        Line::from(vec![
            Span::raw(format!(
                "put {} {sep} done {} {sep} ",
                thousands(v.put_total),
                thousands(v.done_total)
            )),
            Span::styled(
                format!("unfinished {}", thousands(v.unfinished)),
                self.theme.title,
            ),
        ])
    }

    /// Held, lost and corrupt counts; `brief` leaves out a corrupt count of 0.
    fn losses(&self, brief: bool) -> Line<'static> {
        let v = self.view;
        let (sep, cross) = (self.theme.glyphs.sep, self.theme.glyphs.cross);
        let mut spans = vec![Span::raw(format!("held {} {sep} ", thousands(v.held)))];
        spans.push(if v.lost > 0 {
            Span::styled(format!("{cross} lost {}", thousands(v.lost)), self.theme.error)
        } else {
            Span::styled("lost 0", self.theme.dim)
        });
        if v.corrupt > 0 {
            spans.push(Span::styled(
                format!(" {sep} {cross} corrupt {}", thousands(v.corrupt)),
                self.theme.error,
            ));
        } else if !brief {
            spans.push(Span::styled(format!(" {sep} corrupt 0"), self.theme.dim));
        }
        Line::from(spans)
    }

    /// Whether every item put is traced (done, held, queued or lost,
    /// once each); `brief` for one line. Beside a loss it says that the
    /// lost items are among those traced, not that nothing was lost.
    fn audit(&self, brief: bool) -> Option<Span<'static>> {
        let (check, cross) = (self.theme.glyphs.check, self.theme.glyphs.cross);
        let lost = self.view.lost > 0;
        let (good, bad) = match (brief, lost) {
            (true, false) => ("each item traced", "counts off"),
            (true, true) => ("each item traced, lost too", "counts off"),
            (false, false) => (
                "every item traced: done, held, queued",
                "the counts do not add up",
            ),
            (false, true) => (
                "every item traced, the lost ones too",
                "the counts do not add up",
            ),
        };
        match self.view.balanced {
            Some(true) => Some(Span::styled(
                format!("{check} {good}"),
                self.theme.state(StateKind::Running),
            )),
            Some(false) => Some(Span::styled(format!("{cross} {bad}"), self.theme.error)),
            None => None,
        }
    }

    /// What is under way (join, sentinels, shutdown, repairs), in full or
    /// `brief`ly for one line.
    fn doings(&self, brief: bool) -> Vec<Line<'static>> {
        let v = self.view;
        let mut lines = Vec::new();
        if v.join_pending {
            let words = match (brief, v.lost) {
                (true, 0) => " waits".to_string(),
                (true, _) => " waits forever".to_string(),
                (false, 0) => format!(" blocks: {} unfinished", thousands(v.unfinished)),
                (false, _) => format!(" blocks forever: {} lost", thousands(v.lost)),
            };
            lines.push(Line::from(vec![
                Span::styled(Queue::Join.code(), self.theme.python),
                Span::styled(words, self.theme.note),
            ]));
        }
        if v.sentinels_pending > 0 {
            lines.push(Line::from(Span::styled(
                format!("{} sentinel(s) wait for room", v.sentinels_pending),
                self.theme.note,
            )));
        }
        let stopping = match (v.stopping, brief) {
            (Some(_), true) => Some("shutting down"),
            (Some(Stopping::Producers), false) => Some("shutting down: waiting for producers"),
            (Some(Stopping::Consumers), false) => {
                Some("shutting down: consumers drain the backlog")
            }
            (None, _) => None,
        };
        if let Some(words) = stopping {
            lines.push(Line::from(Span::styled(words, self.theme.note)));
        }
        if v.repaired > 0 {
            let words = if brief {
                format!("lock repaired {}{}", self.theme.glyphs.times, v.repaired)
            } else {
                format!(
                    "lock repaired {}{} (a holder died)",
                    self.theme.glyphs.times, v.repaired
                )
            };
            lines.push(Line::from(Span::styled(words, self.theme.note)));
        }
        lines
    }

    fn is_idle(&self) -> bool {
        let v = self.view;
        v.producers == 0 && v.consumers == 0 && v.put_total == 0
    }

    fn tall(&self, inner: Rect) -> Vec<Line<'static>> {
        let w = inner.width as usize;
        let v = self.view;
        let mut lines = vec![
            Line::from(self.gauge(w)),
            Line::from(vec![
                Span::styled("      ", self.theme.dim),
                self.history(w.saturating_sub(6)),
            ]),
            Line::default(),
            self.side(true, true),
            self.blocked(true),
            self.side(false, true),
            self.blocked(false),
            Line::default(),
            self.counts(),
            self.losses(false),
        ];
        if let Some(ms) = v.queued_ms {
            lines.push(Line::from(Span::styled(
                format!(
                    "an item waits {} in the queue",
                    duration_words(ms, self.theme.glyphs.micro)
                ),
                self.theme.dim,
            )));
        }
        if let Some(audit) = self.audit(false) {
            lines.push(Line::from(audit));
        }
        lines.extend(self.doings(false));
        lines
    }

    /// The Python each side runs, for the foot of the tall panel.
    fn code(&self) -> Vec<Line<'static>> {
        let row = |who: &'static str, py: &'static str| {
            Line::from(vec![
                Span::styled(format!("{who:<10}"), self.theme.dim),
                Span::styled(py, self.theme.python),
            ])
        };
        vec![
            row("producer", Queue::Put.code()),
            row("consumer", Queue::Get.code()),
            row("", Queue::TaskDone.code()),
            row("main", Queue::JoinThenSentinel.code()),
        ]
    }

    fn narrow(&self, inner: Rect) -> Vec<Line<'static>> {
        let w = inner.width as usize;
        let gauge_width = (w / 2).max(24);
        let mut first = self.gauge(gauge_width);
        first.push(Span::raw(" "));
        first.push(self.history(w.saturating_sub(gauge_width + 1)));
        let sep = format!(" {} ", self.theme.glyphs.sep);
        let mut last = self.counts().spans;
        last.push(Span::raw(sep.clone()));
        last.extend(self.losses(true).spans);
        // Then what is under way, and the audit, as far as they fit.
        let extras = self
            .doings(true)
            .into_iter()
            .map(|l| l.spans)
            .chain(self.audit(true).map(|a| vec![a]));
        for extra in extras {
            let used: usize = last.iter().map(|s| s.width()).sum();
            let more: usize = extra.iter().map(|s| s.width()).sum();
            if used + 3 + more > w {
                break;
            }
            last.push(Span::raw(sep.clone()));
            last.extend(extra);
        }
        vec![
            Line::from(first),
            self.side(true, false),
            self.side(false, false),
            Line::from(last),
        ]
    }
}

/// "250 µs", "120 ms", "1.4 s" (`micro` is the glyph set's "µ").
fn duration_words(ms: f64, micro: &str) -> String {
    if ms < 1.0 {
        format!("{:.0} {micro}s", ms * 1000.0)
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

impl Widget for &QueuePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let title = Line::from(vec![
            Span::styled(" Queue ", self.theme.title),
            Span::styled(
                format!(
                    "{} ",
                    Queue::Make.fill(&[("n", &self.view.capacity.to_string())])
                ),
                self.theme.python,
            ),
        ]);
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        let inner = Rect::new(
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(1),
            inner.height,
        );
        let mut lines = if inner.height >= TALL_INNER {
            self.tall(inner)
        } else {
            self.narrow(inner)
        };
        if self.is_idle() {
            let hint = Line::from(vec![
                Span::styled("press ", self.theme.dim),
                Span::styled(" p ", self.theme.key),
                Span::styled(" for a producer, ", self.theme.dim),
                Span::styled(" c ", self.theme.key),
                Span::styled(" for a consumer", self.theme.dim),
            ]);
            let at = if inner.height >= TALL_INNER { 2 } else { 1 };
            lines.insert(at, hint);
            lines.truncate(inner.height as usize);
        }
        let height = inner.height as usize;
        if height >= TALL_INNER as usize {
            let code = self.code();
            if lines.len() + 1 + code.len() <= height {
                lines.resize(height - code.len(), Line::default());
                lines.extend(code);
            }
        }
        for (i, line) in lines.into_iter().take(height).enumerate() {
            self.theme
                .glyphs
                .line(line)
                .style(Style::default())
                .render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
        }
    }
}

impl crate::ui::labs::LabPanel for crate::app::queue::QueueState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Below;

    fn height(body: u16) -> u16 {
        let _ = body;
        NARROW_HEIGHT
    }

    fn render(
        app: &crate::app::App,
        selected: Option<&crate::app::view::WorkerRow>,
        area: ratatui::layout::Rect,
        theme: &Theme,
        buf: &mut ratatui::buffer::Buffer,
    ) {
        let _ = selected;
        QueuePanel {
            view: &app.queue.view(&app.workers),
            theme,
        }
        .render(area, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration_words(0.25, "µ"), "250 µs");
        assert_eq!(duration_words(120.0, "µ"), "120 ms");
        assert_eq!(duration_words(1400.0, "µ"), "1.4 s");
        assert_eq!(duration_words(0.25, "u"), "250 us");
    }
}
