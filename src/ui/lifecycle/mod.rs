//! The lifecycle diagram of the selected worker:
//! created -> running <-> paused -> exited (zombie) -> joined, the current
//! state lit. A one-line strip when space is short, a full diagram with the
//! Python call on each arrow when there is room.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::lifecycle::claims::Lifecycle;
use crate::app::view::{StateKind, WorkerRow};

use crate::ui::theme::Theme;

/// Height (inside borders) from which the full diagram is drawn.
pub const TALL_HEIGHT: u16 = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Created,
    Running,
    Paused,
    Zombie,
    Joined,
}

fn node_of(kind: StateKind) -> Node {
    match kind {
        StateKind::Starting => Node::Created,
        StateKind::Running | StateKind::Sleeping => Node::Running,
        StateKind::Paused => Node::Paused,
        StateKind::Zombie => Node::Zombie,
        StateKind::Joined => Node::Joined,
    }
}

pub struct LifecycleDiagram<'a> {
    pub worker: Option<&'a WorkerRow>,
    pub theme: &'a Theme,
}

impl LifecycleDiagram<'_> {
    fn node(&self, node: Node, text: String, kind: StateKind) -> Span<'static> {
        let lit = self.worker.map(|w| node_of(w.kind)) == Some(node);
        if lit {
            let colour = self.theme.state(kind);
            Span::styled(
                format!("[{text}]"),
                colour.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            Span::styled(format!(" {text} "), self.theme.dim)
        }
    }

    fn running_text(&self) -> String {
        match self.worker {
            Some(w) if w.kind == StateKind::Sleeping => format!("running: sleeping ({})", w.letter),
            Some(w) if w.kind == StateKind::Running => format!("running ({})", w.letter),
            _ => "running".into(),
        }
    }

    fn strip(&self) -> Line<'static> {
        let g = self.theme.glyphs;
        let arrow = |s: &'static str| Span::styled(s, self.theme.dim);
        Line::from(vec![
            self.node(Node::Created, "created".into(), StateKind::Starting),
            arrow(g.arrow),
            self.node(Node::Running, self.running_text(), StateKind::Running),
            arrow(g.swap),
            self.node(Node::Paused, "paused (T)".into(), StateKind::Paused),
            arrow(g.arrow),
            self.node(Node::Zombie, "zombie (Z)".into(), StateKind::Zombie),
            arrow(g.arrow),
            self.node(Node::Joined, "joined".into(), StateKind::Joined),
        ])
    }

    fn tall(&self, width: u16) -> Vec<Line<'static>> {
        let p = self
            .worker
            .map_or("p".to_string(), |w| format!("p{}", w.id));
        let dim = self.theme.dim;
        let py = self.theme.python;
        let exitcode = self.worker.and_then(|w| w.exitcode);
        let g = self.theme.glyphs;
        let (stem, dash) = (g.border.vertical_left, g.border.horizontal_top);
        let edge = |py_text: String| {
            Line::from(vec![
                Span::styled(format!("   {stem} "), dim),
                Span::styled(py_text, py),
            ])
        };
        let down = || Line::from(Span::styled(format!("   {}", g.pointer_down), dim));
        vec![
            Line::from(self.node(Node::Created, "created".into(), StateKind::Starting)),
            edge(Lifecycle::Start.fill(&[("p", &p)])),
            down(),
            {
                let line = |running: String| {
                    Line::from(vec![
                        self.node(Node::Running, running, StateKind::Running),
                        Span::styled(format!(" {dash}SIGSTOP{} ", g.pointer), dim),
                        self.node(Node::Paused, "paused (T)".into(), StateKind::Paused),
                    ])
                };
                // "running: sleeping (S)" where it fits, else "sleeping (S)".
                let full = line(self.running_text());
                match self.worker {
                    Some(w) if full.width() > usize::from(width) => {
                        line(format!("{} ({})", w.kind.word(), w.letter))
                    }
                    _ => full,
                }
            },
            Line::from(vec![
                Span::styled(format!("   {stem}"), dim),
                Span::styled(format!("          {}SIGCONT{dash}", g.pointer_back), dim),
            ]),
            edge("ends: return, raise, exit, signal".into()),
            down(),
            Line::from(vec![
                self.node(Node::Zombie, "zombie (Z)".into(), StateKind::Zombie),
                Span::styled(" ended, not reaped", dim),
            ]),
            edge(Lifecycle::JoinReaps.fill(&[("p", &p)])),
            down(),
            Line::from(vec![
                self.node(Node::Joined, "joined".into(), StateKind::Joined),
                // The exit status once the process has ended (the table
                // shows it from then on too).
                Span::styled(
                    exitcode.map_or(String::new(), |code| {
                        format!(" {}", Lifecycle::ExitcodeIs.fill(&[("p", &p), ("code", &code.to_string())]))
                    }),
                    py,
                ),
            ]),
        ]
    }
}

/// Whether an area (borders included) holds the full diagram.
fn inner_is_tall(area: Rect) -> bool {
    area.height >= TALL_HEIGHT + 2 && area.width >= 36
}

impl Widget for &LifecycleDiagram<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let tall = inner_is_tall(area);
        let g = self.theme.glyphs;
        let sep = g.sep;
        let title = match self.worker {
            Some(w) => {
                // A zombie's is_alive() would reap it: it is not asked.
                let facts = match (w.kind, w.exitcode) {
                    (StateKind::Zombie, Some(_)) if tall => {
                        format!("pid {} {sep} ended, not reaped ", w.pid)
                    }
                    (StateKind::Zombie, Some(code)) => {
                        format!("pid {} {sep} ended ({code}), not reaped ", w.pid)
                    }
                    (_, None) if tall => format!("pid {} {sep} is_alive() True ", w.pid),
                    (_, None) => {
                        format!("pid {} {sep} is_alive() True {sep} exitcode None ", w.pid)
                    }
                    (_, Some(_)) if tall => format!("pid {} {sep} is_alive() False ", w.pid),
                    (_, Some(code)) => {
                        format!("pid {} {sep} is_alive() False {sep} exitcode {code} ", w.pid)
                    }
                };
                Line::from(vec![
                    Span::styled(format!(" Worker {} ", w.id), self.theme.title),
                    Span::styled(facts, self.theme.dim),
                ])
            }
            None => Line::from(Span::styled(" Lifecycle ", self.theme.title)),
        };
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        if self.worker.is_none() {
            Line::from(Span::styled(
                format!(
                    "select a worker ({} {} or a click) to follow its lifecycle",
                    g.up, g.down
                ),
                self.theme.dim,
            ))
            .render(
                Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(1), 1),
                buf,
            );
            return;
        }
        if tall {
            let lines = self.tall(inner.width.saturating_sub(1));
            Paragraph::new(lines).render(
                Rect::new(
                    inner.x + 1,
                    inner.y,
                    inner.width.saturating_sub(1),
                    inner.height,
                ),
                buf,
            );
        } else {
            let y = inner.y + inner.height.saturating_sub(1) / 2;
            Paragraph::new(self.strip())
                .style(Style::default())
                .render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
    }
}

impl crate::ui::labs::LabPanel for crate::app::lifecycle::LifecycleState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Beside;

    fn height(body: u16) -> u16 {
        let _ = body;
        3
    }

    fn render(
        app: &crate::app::App,
        selected: Option<&crate::app::view::WorkerRow>,
        area: ratatui::layout::Rect,
        theme: &Theme,
        buf: &mut ratatui::buffer::Buffer,
    ) {
        let _ = app;
        LifecycleDiagram {
            worker: selected,
            theme,
        }
        .render(area, buf)
    }
}
