//! The pipeline panel: fetch, process and save with their time per item,
//! their rate and count, and between them the pipe's and the queue's
//! backlogs, which grow in front of the slowest stage. ▶ marks the stage
//! the keys act on; with the pipe's ends left open, a stage whose
//! neighbour died waits for ever, and the panel says who holds the pipe.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::claims::{Pipe, Pipeline};
use crate::app::comms::ends_words;
use crate::app::numbers::{per_second, thousands};
use crate::app::pipeline::narrate::ends_code;
use crate::app::pipeline::{PipelineView, StageView};
use crate::app::view::StateKind;
use crate::lab::describe_exitcode;
use crate::lab::pipeline::StageEnd;

use crate::ui::theme::Theme;

/// Height of the panel in the stacked layout, on a short screen and from
/// [`ROOMY_BODY`] rows of body on (the ends' code fits then).
pub const NARROW_HEIGHT: u16 = 8;
pub const ROOMY_HEIGHT: u16 = 9;
const ROOMY_BODY: u16 = 28;
const TALL_INNER: u16 = 12;

pub struct PipelinePanel<'a> {
    pub view: &'a PipelineView,
    pub theme: &'a Theme,
}

impl PipelinePanel<'_> {
    fn stage(&self, i: usize, with_state: bool) -> Line<'static> {
        let v = self.view;
        let s: &StageView = &v.stages[i];
        let selected = i == v.selected;
        let mark = if selected {
            self.theme.glyphs.pointer
        } else {
            " "
        };
        let name_style = if selected {
            self.theme.title.add_modifier(Modifier::UNDERLINED)
        } else {
            self.theme.title
        };
        let ms = if s.ms == 0 {
            "   0 ms".to_string()
        } else {
            format!("{:>4} ms", s.ms)
        };
        let mut spans = vec![
            Span::styled(mark, self.theme.title),
            Span::styled(format!("{:<8}", s.role.label()), name_style),
            Span::raw(ms),
            Span::raw(format!(" {:>8}", per_second(s.per_s))),
            Span::styled(format!(" {:>6} done", thousands(s.done)), self.theme.dim),
        ];
        if with_state {
            spans.push(Span::raw(" "));
            spans.push(self.state(s));
        }
        Line::from(spans)
    }

    fn state(&self, s: &StageView) -> Span<'static> {
        if s.id.is_none() {
            return Span::styled("not started", self.theme.dim);
        }
        let held = self.view.held.as_ref().is_some_and(|h| Some(h.id) == s.id);
        if s.alive && held {
            let words = if s.role == crate::lab::Role::Fetch {
                "fills the pipe, then waits for ever"
            } else {
                "waits in recv() for ever"
            };
            return Span::styled(words, self.theme.error);
        }
        if s.alive {
            let words = s.state.clone().unwrap_or_else(|| "running".into());
            let style = if words.starts_with("blocked") {
                self.theme.note
            } else {
                self.theme.state(StateKind::Running)
            };
            return Span::styled(words, style);
        }
        let how = match s.end {
            // Fetch is first along the line: it sends the sentinel.
            StageEnd::Sentinel if s.role == crate::lab::Role::Fetch => "sent the sentinel",
            StageEnd::Sentinel => "got the sentinel",
            StageEnd::Eof => "EOFError",
            StageEnd::Broken => "BrokenPipeError",
            StageEnd::Running => "ended",
        };
        let code = s.exitcode.map_or(String::new(), |c| {
            format!(", exit {}", describe_exitcode(c))
        });
        let style = if s.end == StageEnd::Running {
            self.theme.error
        } else {
            self.theme.dim
        };
        Span::styled(format!("{how}{code}"), style)
    }

    fn link(&self, pipe: bool, width: usize) -> Line<'static> {
        let v = self.view;
        let (name, fraction, label) = if pipe {
            (
                "pipe",
                v.pipe_bytes as f64 / v.pipe_capacity.max(1) as f64,
                format!(" {} waiting", v.pipe_items),
            )
        } else {
            (
                "queue",
                v.queue_depth as f64 / v.queue_capacity.max(1) as f64,
                format!(" {}/{}", v.queue_depth, v.queue_capacity),
            )
        };
        let full = if fraction >= 0.99 { " FULL" } else { "" };
        let bar_width = width
            .saturating_sub(9 + label.len() + full.len())
            .clamp(4, 24);
        let g = self.theme.glyphs;
        let (filled, empty) = g.bar(fraction, bar_width);
        let style = self.theme.load((fraction * 100.0) as f32);
        Line::from(vec![
            Span::styled(format!("  {}{name:<6}", g.hook), self.theme.dim),
            Span::styled(filled, style),
            Span::styled(empty, self.theme.bar_empty),
            Span::raw(label),
            Span::styled(full, style),
        ])
    }

    /// Who still holds the pipe's end a stage waits on, if one waits for
    /// ever.
    fn held_line(&self) -> Option<Line<'static>> {
        let h = self.view.held.as_ref()?;
        Some(Line::from(vec![
            Span::styled(format!("{} still open in: ", h.other), self.theme.note),
            Span::styled(h.brief(), self.theme.title),
        ]))
    }

    /// The slowest stage, and where its backlog grows.
    fn slowest(&self) -> [Span<'static>; 3] {
        let v = self.view;
        let s = &v.stages[v.slowest];
        let before = match v.slowest {
            0 => "fetch itself sets the pace",
            1 => "the pipe fills in front of it",
            _ => "the queue fills in front of it",
        };
        [
            Span::styled("slowest: ", self.theme.dim),
            Span::styled(
                if s.ms == 0 {
                    format!("{} (flat out)", s.role.label())
                } else {
                    format!("{} ({} ms/item)", s.role.label(), s.ms)
                },
                self.theme.note,
            ),
            Span::styled(before, self.theme.dim),
        ]
    }
}

impl Widget for &PipelinePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let v = self.view;
        let w = area.width.saturating_sub(2) as usize;
        let tall = area.height.saturating_sub(2) >= TALL_INNER;
        let [a, b, c] = self.slowest();
        let ends = ends_words(v.run_ends.unwrap_or(v.ends_next));
        let title = if tall {
            Line::from(vec![
                Span::styled(" Pipeline ", self.theme.title),
                Span::styled(
                    format!(
                        "fetch {p} process {p} save {} {ends} ",
                        self.theme.glyphs.sep,
                        p = self.theme.glyphs.pointer
                    ),
                    self.theme.dim,
                ),
            ])
        } else {
            Line::from(vec![
                Span::styled(" Pipeline ", self.theme.title),
                Span::styled(
                    format!("{sep} {ends} {sep} ", sep = self.theme.glyphs.sep),
                    self.theme.dim,
                ),
                a.clone(),
                b.clone(),
                Span::styled(format!(": {} ", c.content), self.theme.dim),
            ])
        };
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        let mut lines = Vec::new();
        if tall {
            for i in 0..3 {
                lines.push(self.stage(i, false));
                lines.push(Line::from(vec![
                    Span::raw("    "),
                    self.state(&v.stages[i]),
                ]));
                if i < 2 {
                    lines.push(self.link(i == 0, w));
                }
            }
            lines.push(Line::default());
            lines.push(Line::from(vec![a, b]));
            lines.push(Line::from(vec![Span::raw("  "), c]));
            lines.push(Line::from(Span::styled(
                Pipe::OneWay.code(),
                self.theme.python,
            )));
            lines.push(Line::from(Span::styled(
                Pipeline::Make.fill(&[("n", &v.queue_capacity.to_string())]),
                self.theme.python,
            )));
        } else {
            for i in 0..3 {
                lines.push(self.stage(i, true));
                if i < 2 {
                    lines.push(self.link(i == 0, w.min(40)));
                }
            }
        }
        if !v.running && v.stages[0].id.is_none() {
            lines.insert(
                0,
                Line::from(vec![
                    Span::styled("press ", self.theme.dim),
                    Span::styled(" s ", self.theme.key),
                    Span::styled(" to start the three stages", self.theme.dim),
                ]),
            );
        }
        lines.extend(self.held_line());
        if v.stopping {
            lines.push(Line::from(Span::styled(
                "stopping: the sentinel follows the backlog",
                self.theme.note,
            )));
        }
        if v.stages[0].id.is_some() && inner.height > 6 {
            lines.push(Line::from(Span::styled(
                ends_code(v.run_ends.unwrap_or(v.ends_next)),
                self.theme.python,
            )));
        }
        for (i, line) in lines.into_iter().take(inner.height as usize).enumerate() {
            line.render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
        }
    }
}

impl crate::ui::labs::LabPanel for crate::app::pipeline::PipelineState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Below;

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
        PipelinePanel {
            view: &app.pipeline.view(&app.workers, app.selected),
            theme,
        }
        .render(area, buf)
    }
}
