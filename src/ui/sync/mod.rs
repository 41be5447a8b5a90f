//! The sync lab's panel: the Event, the Semaphore(k) and the Barrier, each
//! with its Python, its state (as a symbol and a number, never colour
//! alone) and the workers waiting on it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::sync::SyncState;
use crate::app::sync::claims::Sync;
use crate::lab::WorkerId;
use crate::lab::sync::SyncView;

use crate::ui::theme::Theme;

/// Rows the panel wants in the stacked (narrow) layout, borders included.
pub const SHORT_HEIGHT: u16 = 6;
/// Most boxes drawn for permits or parties; beyond, numbers only.
const MAX_BOXES: u32 = 16;

pub struct SyncPanel<'a> {
    pub state: &'a SyncState,
    pub theme: &'a Theme,
}

fn ids(ids: &[WorkerId]) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        ids.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl SyncPanel<'_> {
    /// `■■□` for `filled` of `total`, or nothing when there are too many.
    fn boxes(&self, filled: u32, total: u32) -> Vec<Span<'static>> {
        if total > MAX_BOXES {
            return Vec::new();
        }
        let filled = filled.min(total);
        let g = self.theme.glyphs;
        vec![
            Span::styled(g.taken.to_string().repeat(filled as usize), self.theme.note),
            Span::styled(
                g.free.to_string().repeat((total - filled) as usize),
                self.theme.dim,
            ),
            Span::raw(" "),
        ]
    }

    fn event(&self, v: &SyncView) -> Vec<Span<'static>> {
        let mut spans = vec![Span::raw("Event ")];
        if v.event_set {
            spans.push(Span::styled(format!("{} set", self.theme.glyphs.on), self.theme.good));
        } else {
            spans.push(Span::styled(format!("{} clear", self.theme.glyphs.off), self.theme.note));
        }
        spans
    }

    fn semaphore(&self, v: &SyncView) -> Vec<Span<'static>> {
        let mut spans = vec![Span::raw(format!("Semaphore k={} ", v.permits))];
        spans.extend(self.boxes(v.held, v.permits.max(v.held)));
        spans.push(Span::raw(format!("{}/{} held", v.held, v.permits)));
        spans
    }

    fn barrier(&self, v: &SyncView) -> Vec<Span<'static>> {
        let mut spans = vec![Span::raw(format!("Barrier of {} ", v.parties))];
        spans.extend(self.boxes(v.arrived, v.parties));
        spans.push(Span::raw(format!("{}/{} arrived", v.arrived, v.parties)));
        spans
    }

    fn waiting(&self, label: &str, who: &[WorkerId]) -> Span<'static> {
        let style = if who.is_empty() {
            self.theme.dim
        } else {
            self.theme.note
        };
        Span::styled(format!("{label}{}", ids(who)), style)
    }

    fn warning(&self, text: String) -> Line<'static> {
        Line::from(vec![
            Span::styled(format!("{} ", self.theme.glyphs.cross), self.theme.bad),
            Span::styled(text, self.theme.bad),
        ])
    }

    /// Permits that died with their holders.
    fn lost(&self, v: &SyncView, short: bool) -> Option<Line<'static>> {
        (v.lost > 0).then(|| {
            let s = if v.lost == 1 { "" } else { "s" };
            self.warning(if short {
                format!("{} permit{s} lost", v.lost)
            } else {
                format!(
                    "{} permit{s} lost with dead workers: + gives one back",
                    v.lost
                )
            })
        })
    }

    /// A barrier that hangs for good: a party died inside its wait.
    fn hung(&self, v: &SyncView, short: bool) -> Option<Line<'static>> {
        v.barrier_hung.then(|| {
            self.warning(if short {
                "a party died waiting: it hangs".into()
            } else {
                "a party died waiting at it: it hangs for good (t/k its waiters, then [ ])".into()
            })
        })
    }

    /// A barrier with more parties than workers left to arrive, or one
    /// that hangs.
    fn short_of_parties(&self, v: &SyncView, short: bool) -> Option<Line<'static>> {
        if v.barrier_hung {
            return self.hung(v, short);
        }
        (v.alive < v.parties && v.rounds + v.arrived > 0).then(|| {
            self.warning(if short {
                format!("{} alive for {} parties: never fills", v.alive, v.parties)
            } else {
                format!(
                    "{} workers alive for {} parties: it never fills ([ lowers it)",
                    v.alive, v.parties
                )
            })
        })
    }

    /// A primitive's Python, padded so that what follows lines up.
    fn python(&self, code: Sync) -> Span<'static> {
        let width = [Sync::EventWait, Sync::WithSem, Sync::BarrierWait]
            .iter()
            .map(|c| c.code().chars().count())
            .max()
            .unwrap_or(0)
            + 1;
        Span::styled(format!("{:<width$}", code.fill(&[])), self.theme.python)
    }

    /// A primitive's Python and a space.
    fn python_tight(&self, code: Sync) -> Span<'static> {
        Span::styled(format!("{} ", code.fill(&[])), self.theme.python)
    }

    fn tall(&self, v: &SyncView) -> Vec<Line<'static>> {
        let dim = self.theme.dim;
        let mut lines = vec![
            Line::from(vec![
                self.python(Sync::EventWait),
                Span::styled("until the event is set (g)", dim),
            ]),
            Line::from(self.event(v)),
            Line::from(vec![
                Span::raw("  "),
                self.waiting("waiting: ", &v.at_event),
            ]),
            Line::default(),
            Line::from(vec![
                self.python(Sync::WithSem),
                Span::styled("at most k inside (+ -)", dim),
            ]),
            Line::from(self.semaphore(v)),
            Line::from(vec![
                Span::raw("  "),
                self.waiting("inside: ", &v.in_section),
            ]),
            Line::from(vec![
                Span::raw("  "),
                self.waiting("waiting: ", &v.at_semaphore),
            ]),
            Line::from(Span::styled(
                format!(
                    "  most inside at once {} {} {} entries",
                    v.most_inside, self.theme.glyphs.sep, v.entries
                ),
                dim,
            )),
        ];
        lines.extend(self.lost(v, true));
        lines.extend([
            Line::default(),
            Line::from(vec![
                self.python(Sync::BarrierWait),
                Span::styled("until all arrive ([ ])", dim),
            ]),
            Line::from(self.barrier(v)),
            Line::from(vec![
                Span::raw("  "),
                self.waiting("waiting: ", &v.at_barrier),
                Span::styled(format!(" {} round {}", self.theme.glyphs.sep, v.rounds), dim),
            ]),
        ]);
        lines.extend(self.short_of_parties(v, true));
        lines
    }

    fn short(&self, v: &SyncView) -> Vec<Line<'static>> {
        let heads = [
            [vec![self.python_tight(Sync::EventWait)], self.event(v)].concat(),
            [vec![self.python_tight(Sync::WithSem)], self.semaphore(v)].concat(),
            [vec![self.python_tight(Sync::BarrierWait)], self.barrier(v)].concat(),
        ];
        let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
        let at = heads.iter().map(|h| width(h)).max().unwrap_or(0) + 1;
        let [mut event, mut sem, mut bar] = heads.map(|mut spans| {
            let used = width(&spans);
            spans.push(Span::raw(" ".repeat(at - used)));
            spans
        });
        let dim = self.theme.dim;
        event.push(self.waiting("waiting: ", &v.at_event));
        sem.extend([
            self.waiting("inside: ", &v.in_section),
            Span::styled(format!(" {} ", self.theme.glyphs.sep), dim),
            self.waiting("waiting: ", &v.at_semaphore),
            Span::styled(format!(" {} most {}", self.theme.glyphs.sep, v.most_inside), dim),
        ]);
        bar.extend([
            self.waiting("waiting: ", &v.at_barrier),
            Span::styled(format!(" {} round {}", self.theme.glyphs.sep, v.rounds), dim),
        ]);
        let mut lines = vec![Line::from(event), Line::from(sem), Line::from(bar)];
        match (self.lost(v, false), self.short_of_parties(v, false)) {
            (Some(_), Some(_)) => {
                // One line for both.
                let mut spans = self.lost(v, true).map(|l| l.spans).unwrap_or_default();
                spans.push(Span::styled(format!(" {} ", self.theme.glyphs.sep), self.theme.dim));
                let parties = self.short_of_parties(v, true);
                spans.extend(parties.map(|l| l.spans).unwrap_or_default());
                lines.push(Line::from(spans));
            }
            (lost, parties) => lines.extend(lost.or(parties)),
        }
        lines
    }
}

impl Widget for &SyncPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let v = &self.state.view;
        let inner = crate::ui::framed(
            Line::from(vec![
                Span::styled(" Sync ", self.theme.title),
                Span::styled(
                    format!("Event {r} Semaphore {r} Barrier ", r = self.theme.glyphs.to),
                    self.theme.dim,
                ),
            ]),
            self.theme.border,
            area,
            buf,
        );
        let lines = if inner.height >= 12 {
            self.tall(v)
        } else {
            self.short(v)
        };
        for (i, line) in lines.into_iter().take(inner.height as usize).enumerate() {
            line.render(
                Rect::new(
                    inner.x + 1,
                    inner.y + i as u16,
                    inner.width.saturating_sub(1),
                    1,
                ),
                buf,
            );
        }
    }
}

impl crate::ui::labs::LabPanel for SyncState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Beside;

    fn height(body: u16) -> u16 {
        let _ = body;
        SHORT_HEIGHT
    }

    fn render(
        app: &crate::app::App,
        selected: Option<&crate::app::view::WorkerRow>,
        area: ratatui::layout::Rect,
        theme: &Theme,
        buf: &mut ratatui::buffer::Buffer,
    ) {
        let _ = selected;
        SyncPanel {
            state: &app.sync,
            theme,
        }
        .render(area, buf)
    }
}
