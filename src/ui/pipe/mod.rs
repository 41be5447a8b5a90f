//! The pipe panel: the two ends and what joins them, round trips (or
//! messages) per second and their latency, what each end met when the
//! other went away (EOFError, BrokenPipeError), and, with the ends left
//! open, the end that waits for ever and who still holds the pipe open.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::comms::{ends_words, rate_words};
use crate::app::numbers::{per_second, thousands};
use crate::app::pipe::narrate::{ends_code, make};
use crate::app::pipe::{EndView, PipeView};
use crate::app::view::StateKind;
use crate::lab::describe_exitcode;
use crate::lab::pipe::{EndState, PipeMode};
use crate::lab::Role;

use crate::ui::theme::Theme;

/// Height of the panel in the stacked layout, on a short screen and from
/// [`ROOMY_BODY`] rows of body on.
pub const NARROW_HEIGHT: u16 = 5;
pub const ROOMY_HEIGHT: u16 = 8;
const ROOMY_BODY: u16 = 28;
/// Inner rows from which the ends' code and the next pipe are shown.
const TALL_INNER: u16 = 6;

pub struct PipePanel<'a> {
    pub view: &'a PipeView,
    pub theme: &'a Theme,
}

/// "41 µs", "1.2 ms" (`micro` is the glyph set's "µ").
pub fn micros(us: f64, micro: &str) -> String {
    if us < 1000.0 {
        format!("{us:.0} {micro}s")
    } else {
        format!("{:.1} ms", us / 1000.0)
    }
}


impl PipePanel<'_> {
    fn end_state(&self, e: &EndView) -> Span<'static> {
        let name = e.role.label();
        let met = match e.end {
            EndState::Running => None,
            EndState::Eof => Some("EOFError"),
            EndState::Broken => Some("BrokenPipeError"),
            EndState::Finished => Some("sent all, closed"),
        };
        let held = self.view.held.as_ref().is_some_and(|h| h.id == e.id);
        let text = match (e.alive, met, e.exitcode) {
            (true, None, _) if held && e.role == Role::Sender => {
                format!("{name}: fills the pipe, then waits for ever")
            }
            (true, None, _) if held => format!("{name}: waits in recv() for ever"),
            (true, None, _) => format!("{name}: running"),
            (true, Some(m), _) => format!("{name}: {m}"),
            (false, Some(m), Some(code)) => {
                format!("{name}: {m}, exit {}", describe_exitcode(code))
            }
            (false, None, Some(code)) => format!("{name}: ended, exit {}", describe_exitcode(code)),
            (false, _, None) => format!("{name}: ended"),
        };
        let style = match (e.alive, e.end) {
            (true, EndState::Running) if held => self.theme.error,
            (true, EndState::Running) => self.theme.state(StateKind::Running),
            (_, EndState::Eof | EndState::Broken) => self.theme.note,
            (false, EndState::Running) => self.theme.error,
            _ => self.theme.dim,
        };
        Span::styled(text, style)
    }

    fn pair_line(&self, ends: &[EndView; 2], mode: PipeMode) -> Line<'static> {
        let g = self.theme.glyphs;
        let link = match mode {
            PipeMode::PingPong => format!(" {} ", g.swap),
            PipeMode::Stream => format!(" {}{} ", g.border.horizontal_top, g.arrow),
        };
        Line::from(vec![
            Span::styled(
                format!("worker {} {}", ends[0].id, ends[0].role.label()),
                self.theme.title,
            ),
            Span::styled(link, self.theme.dim),
            Span::styled(
                format!("worker {} {}", ends[1].id, ends[1].role.label()),
                self.theme.title,
            ),
        ])
    }

    fn counts_line(&self, mode: PipeMode) -> Line<'static> {
        let v = self.view;
        let (what, extra) = match mode {
            PipeMode::PingPong => ("round trips", String::new()),
            PipeMode::Stream => ("received", format!(" of {} sent", thousands(v.sent))),
        };
        Line::from(vec![
            Span::styled(format!("{what} "), self.theme.dim),
            Span::styled(thousands(v.count), self.theme.title),
            Span::raw(extra),
            Span::styled(format!("  {}", per_second(v.per_s)), self.theme.title),
        ])
    }

    /// Who still holds the end the survivor waits on, if one waits for
    /// ever.
    fn held_line(&self) -> Option<Line<'static>> {
        let h = self.view.held.as_ref()?;
        Some(Line::from(vec![
            Span::styled(format!("{} still open in: ", h.other), self.theme.note),
            Span::styled(h.brief(), self.theme.title),
        ]))
    }

    /// What the pair shown did with its unused ends, as code.
    fn ends_line(&self) -> Option<Line<'static>> {
        let v = self.view;
        let (mode, ends) = (v.pair_mode?, v.pair_ends?);
        Some(Line::from(Span::styled(
            ends_code(mode, ends),
            self.theme.python,
        )))
    }

    fn next_line(&self) -> Line<'static> {
        let v = self.view;
        Line::from(vec![
            Span::styled("next: ", self.theme.dim),
            Span::styled(make(v.mode), self.theme.python),
            Span::styled(
                format!(
                    " {sep} {} {sep} sends {}",
                    ends_words(v.ends_next),
                    rate_words(v.rate),
                    sep = self.theme.glyphs.sep
                ),
                self.theme.dim,
            ),
        ])
    }
}

impl Widget for &PipePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let v = self.view;
        let g = self.theme.glyphs;
        let sep = g.sep;
        let mode = v.pair_mode.unwrap_or(v.mode);
        let ends = v.pair_ends.unwrap_or(v.ends_next);
        let title = Line::from(vec![
            Span::styled(" Pipe ", self.theme.title),
            Span::styled(format!("{} ", make(mode)), self.theme.python),
            Span::styled(format!("{sep} {} ", ends_words(ends)), self.theme.dim),
        ]);
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        let inner = Rect::new(
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(1),
            inner.height,
        );
        let tall = inner.height >= TALL_INNER;
        let mut lines = Vec::new();
        match &v.ends {
            None => {
                lines.push(Line::from(vec![
                    Span::styled(" s ", self.theme.key),
                    Span::styled(" makes a pipe, starts both ends", self.theme.dim),
                ]));
                lines.push(Line::from(vec![
                    Span::styled(" m ", self.theme.key),
                    Span::styled(" duplex or one way; next: ", self.theme.dim),
                    Span::styled(make(v.mode), self.theme.python),
                ]));
                lines.push(Line::from(vec![
                    Span::styled(" e ", self.theme.key),
                    Span::styled(
                        format!(
                            " unused ends closed or left open; next: {}",
                            ends_words(v.ends_next)
                        ),
                        self.theme.dim,
                    ),
                ]));
                if tall {
                    lines.push(Line::from(Span::styled(
                        ends_code(v.mode, v.ends_next),
                        self.theme.python,
                    )));
                }
            }
            Some(pair) => {
                let kind = match mode {
                    PipeMode::PingPong => "a socket pair, duplex",
                    PipeMode::Stream => "an OS pipe, one way",
                };
                let mut first = self.pair_line(pair, mode).spans;
                first.push(Span::styled(format!(" {sep} {kind}"), self.theme.dim));
                lines.push(Line::from(first));
                let mut counts = self.counts_line(mode).spans;
                counts.push(Span::styled(
                    format!(
                        " {sep} last {} {sep} mean {} {sep} min {}",
                        micros(v.latency_last_us, g.micro),
                        micros(v.latency_mean_us, g.micro),
                        micros(v.latency_min_us, g.micro)
                    ),
                    self.theme.dim,
                ));
                let mut states = vec![
                    self.end_state(&pair[0]),
                    Span::styled(format!(" {sep} "), self.theme.dim),
                    self.end_state(&pair[1]),
                ];
                if !tall {
                    states.push(Span::styled(
                        format!(" {sep} sends {}", rate_words(v.rate)),
                        self.theme.dim,
                    ));
                }
                let states = Line::from(states);
                if tall {
                    lines.push(Line::from(counts));
                    lines.push(states);
                    lines.push(self.held_line().unwrap_or_default());
                    lines.extend(self.ends_line());
                    lines.push(self.next_line());
                } else {
                    // Short of rows, why an end waits for ever comes
                    // before the figures.
                    lines.push(self.held_line().unwrap_or(Line::from(counts)));
                    lines.push(states);
                }
            }
        }
        for (i, line) in lines.into_iter().take(inner.height as usize).enumerate() {
            self.theme.glyphs.line(line).render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
        }
    }
}

impl crate::ui::labs::LabPanel for crate::app::pipe::PipeState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Below;

    /// Roomier where the body has rows to spare: the ends' code and the
    /// next pipe fit then.
    fn height(body: u16) -> u16 {
        if body >= ROOMY_BODY {
            ROOMY_HEIGHT
        } else {
            NARROW_HEIGHT
        }
    }

    fn render(
        app: &crate::app::App,
        selected: Option<&crate::app::view::WorkerRow>,
        area: ratatui::layout::Rect,
        theme: &Theme,
        buf: &mut ratatui::buffer::Buffer,
    ) {
        let _ = selected;
        PipePanel {
            view: &app.pipe.view(&app.workers),
            theme,
        }
        .render(area, buf)
    }
}
