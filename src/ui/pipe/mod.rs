//! The pipe panel: the two ends and what joins them, round trips (or
//! messages) per second and their latency, and what each end met when the
//! other went away (EOFError, BrokenPipeError).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::comms::rate_words;
use crate::app::numbers::{per_second, thousands};
use crate::app::pipe::{EndView, PipeView};
use crate::app::view::StateKind;
use crate::lab::describe_exitcode;
use crate::lab::pipe::{EndState, PipeMode};

use crate::ui::theme::Theme;

/// Height of the panel in the stacked (narrow) layout.
pub const NARROW_HEIGHT: u16 = 5;
const TALL_INNER: u16 = 10;

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

fn python_of(mode: PipeMode) -> &'static str {
    match mode {
        PipeMode::PingPong => "a, b = Pipe()",
        PipeMode::Stream => "r, w = Pipe(duplex=False)",
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
        let text = match (e.alive, met, e.exitcode) {
            (true, None, _) => format!("{name}: running"),
            (true, Some(m), _) => format!("{name}: {m}"),
            (false, Some(m), Some(code)) => {
                format!("{name}: {m}, exit {}", describe_exitcode(code))
            }
            (false, None, Some(code)) => format!("{name}: ended, exit {}", describe_exitcode(code)),
            (false, _, None) => format!("{name}: ended"),
        };
        let style = match (e.alive, e.end) {
            (true, EndState::Running) => self.theme.state(StateKind::Running),
            (_, EndState::Eof | EndState::Broken) => self.theme.note,
            (false, EndState::Running) => self.theme.error,
            _ => self.theme.dim,
        };
        Span::styled(text, style)
    }

    fn ends_line(&self, ends: &[EndView; 2], mode: PipeMode) -> Line<'static> {
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

    fn latency_lines(&self, mode: PipeMode) -> Vec<Line<'static>> {
        let v = self.view;
        let g = self.theme.glyphs;
        let sep = g.sep;
        let what = match mode {
            PipeMode::PingPong => "round trip",
            PipeMode::Stream => "one way",
        };
        let a = format!(
            "{what} last {} {sep} mean {}",
            micros(v.latency_last_us, g.micro),
            micros(v.latency_mean_us, g.micro)
        );
        let b = format!(
            "min {} {sep} max {}",
            micros(v.latency_min_us, g.micro),
            micros(v.latency_max_us, g.micro)
        );
        vec![
            Line::from(Span::raw(a)),
            Line::from(Span::styled(format!("  {b}"), self.theme.dim)),
        ]
    }

    fn target_lines(&self) -> [Line<'static>; 2] {
        let v = self.view;
        let noun = match v.pair_mode.unwrap_or(v.mode) {
            PipeMode::PingPong => "pings",
            PipeMode::Stream => "messages",
        };
        [
            Line::from(Span::styled(
                format!("sends {noun} {}", rate_words(v.rate)),
                self.theme.dim,
            )),
            Line::from(vec![
                Span::styled("next pipe: ", self.theme.dim),
                Span::styled(python_of(v.mode), self.theme.python),
            ]),
        ]
    }
}

impl Widget for &PipePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let v = self.view;
        let g = self.theme.glyphs;
        let sep = g.sep;
        let mode = v.pair_mode.unwrap_or(v.mode);
        let title = Line::from(vec![
            Span::styled(" Pipe ", self.theme.title),
            Span::styled(format!("{} ", python_of(mode)), self.theme.python),
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
                    Span::styled(python_of(v.mode), self.theme.python),
                ]));
            }
            Some(ends) => {
                let kind = match mode {
                    PipeMode::PingPong => "a socket pair, duplex",
                    PipeMode::Stream => "an OS pipe, one way",
                };
                if tall {
                    lines.push(self.ends_line(ends, mode));
                    lines.push(Line::from(Span::styled(kind, self.theme.dim)));
                    lines.push(Line::default());
                    lines.push(self.counts_line(mode));
                    lines.extend(self.latency_lines(mode));
                    lines.push(Line::default());
                    lines.push(Line::from(self.end_state(&ends[0])));
                    lines.push(Line::from(self.end_state(&ends[1])));
                    lines.push(Line::default());
                    lines.extend(self.target_lines());
                } else {
                    let mut first = self.ends_line(ends, mode).spans;
                    first.push(Span::styled(format!(" {sep} {kind}"), self.theme.dim));
                    lines.push(Line::from(first));
                    let mut second = self.counts_line(mode).spans;
                    second.push(Span::styled(
                        format!(
                            " {sep} last {} {sep} mean {} {sep} min {}",
                            micros(v.latency_last_us, g.micro),
                            micros(v.latency_mean_us, g.micro),
                            micros(v.latency_min_us, g.micro)
                        ),
                        self.theme.dim,
                    ));
                    lines.push(Line::from(second));
                    lines.push(Line::from(vec![
                        self.end_state(&ends[0]),
                        Span::styled(format!(" {sep} "), self.theme.dim),
                        self.end_state(&ends[1]),
                        Span::styled(format!(" {sep} sends {}", rate_words(v.rate)), self.theme.dim),
                    ]));
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
        PipePanel {
            view: &app.pipe.view(&app.workers),
            theme,
        }
        .render(area, buf)
    }
}
