//! The pool lab's panel: the Python of the run, where it stands, the item
//! grid, the worker lanes, the order results reached the caller, and the
//! table of past runs. Rows are given out by priority, so the panel reads
//! at 80x24 and grows with the terminal.

pub mod grid;
pub mod lanes;
pub mod runs;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::numbers::duration;
use crate::app::numbers::thousands;
use crate::app::pool::narrate::ranges;
use crate::app::pool::python::{call, constructor, delivery, rate};
use crate::app::pool::{PoolSettings, PoolState};
use crate::app::pool::view::{CellState, RunView};
use crate::lab::pool::{JobSpec, Method, Outcome, letter};

use super::theme::Theme;

/// Lanes shown at most; more workers than this show the first ones.
const MAX_LANES: u16 = 8;
/// Past runs the table shows at most.
const MAX_RUNS_SHOWN: u16 = 6;

/// Rows the panel takes (borders included) in a body of `body` rows.
pub fn panel_height(body: u16) -> u16 {
    (body * 5 / 11).clamp(8, 22)
}

pub struct PoolPanel<'a> {
    pub state: &'a PoolState,
    pub theme: &'a Theme,
}

/// Rows given to each part of the panel.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Rows {
    grid: u16,
    lanes: u16,
    arrivals: u16,
    runs: u16,
}

fn allot(height: u16, width: u16, run: &RunView, history: usize) -> Rows {
    let left = height.saturating_sub(2);
    let cells = run.cells.len();
    let lanes = (run.lanes.len() as u16)
        .min(MAX_LANES)
        .min(left.saturating_sub(2));
    let mut free = left - lanes;
    // A few grid rows first, then the run table (the comparison is the
    // point of it), then the arrivals, then the rest of the grid.
    // Cells past worker Z take two columns (or three past ZZ).
    let width = width / grid::cell_width(&run.cells).max(1);
    let grid_first = grid::rows_used(cells, width, free).min(3);
    free -= grid_first;
    let runs = if history > 0 && free >= 2 {
        (history as u16 + 1).min(MAX_RUNS_SHOWN + 1).min(free)
    } else {
        0
    };
    free -= runs;
    let arrivals = free.min(1);
    free -= arrivals;
    // The grid gives back rows it does not fill once its cells are grouped.
    let grid = grid::rows_used(cells, width, grid_first + free);
    Rows {
        grid,
        lanes,
        arrivals,
        runs,
    }
}

impl PoolPanel<'_> {
    /// The pool and the call of the current settings (the next run); only
    /// the call if both do not fit.
    /// Marked "next:" when the run shown was made with other settings.
    fn python(&self, settings: &PoolSettings, shown: Option<&JobSpec>, width: usize) -> String {
        let spec = settings.spec();
        let sep = self.theme.glyphs.sep;
        let next = if shown.is_some_and(|s| *s != spec) {
            "next: "
        } else {
            ""
        };
        let both = format!("{next}{}  {sep}  {}", constructor(&spec.pool()), call(&spec));
        if both.chars().count() <= width {
            both
        } else {
            self.theme.glyphs.fit(&format!("{next}{}", call(&spec)), width)
        }
    }

    /// Where the run stands, in full or (`compact`) in few words.
    fn status(&self, run: &RunView, compact: bool) -> Line<'static> {
        let t = self.theme;
        let g = t.glyphs;
        let (sep, cross, check, pointer) = (g.sep, g.cross, g.check, g.pointer);
        let s = &run.stats;
        let items = thousands(run.spec.items.into());
        let mut spans = Vec::new();
        match run.outcome {
            Outcome::Running => {
                spans.push(Span::styled(format!("{pointer} {} ", duration(s.wall)), t.title));
                let queued = thousands(run.queued_chunks.into());
                let chunks = thousands(run.n_chunks.into());
                let got = thousands(run.delivered_items.into());
                if compact {
                    spans.push(Span::raw(format!(
                        "{sep} queue {queued}/{chunks} {sep} got {got}/{items}"
                    )));
                } else {
                    let what = if run.spec.method.chunked() {
                        "chunks"
                    } else {
                        "tasks"
                    };
                    spans.push(Span::raw(format!(
                        "{sep} queue {queued} of {chunks} {what} {sep} caller has {got} of {items}"
                    )));
                }
                match (run.spec.method, run.awaited) {
                    (Method::Map, _) => {
                        let why = if compact {
                            " (all at the end)"
                        } else {
                            ": map returns them all at the end"
                        };
                        spans.push(Span::styled(why, t.dim));
                    }
                    (_, Some(a)) => {
                        let who = if a.serial == 0 {
                            "queued".to_string()
                        } else {
                            letter(a.serial).to_string()
                        };
                        let behind = thousands(a.behind.into());
                        let text = if compact {
                            format!(" {sep} waits for {} ({who}), {behind} behind", a.item)
                        } else {
                            format!(
                                " {sep} waits for item {} ({who}), {behind} done behind it",
                                a.item
                            )
                        };
                        spans.push(Span::styled(text, t.note));
                    }
                    _ if compact => {}
                    _ => spans.push(Span::styled(", as they complete", t.dim)),
                }
                if run.lost_items > 0 {
                    spans.push(Span::styled(
                        format!(" {sep} {cross} {} lost", thousands(run.lost_items.into())),
                        t.error,
                    ));
                }
            }
            Outcome::Done => {
                let head = if compact {
                    check.to_string()
                } else {
                    format!("{check} done in")
                };
                spans.push(Span::styled(
                    format!("{head} {} ", duration(s.wall)),
                    t.title,
                ));
                let rate = rate(s.items_per_s);
                let (waited, starved) = (duration(s.waited), duration(s.starved));
                spans.push(Span::raw(if compact {
                    format!("{sep} {rate} items/s {sep} dispatch {waited} {sep} starved {starved}")
                } else {
                    format!(
                        "{sep} {rate} items/s {sep} dispatch (idle, tasks queued) {waited} {sep} starved at the end {starved}"
                    )
                }));
            }
            Outcome::Hung => {
                let owner = run
                    .cells
                    .iter()
                    .find(|c| c.state == CellState::Lost)
                    .map_or(String::new(), |c| format!(" with {}", letter(c.serial)));
                spans.push(Span::styled(
                    format!("{cross} {} lost{owner}", ranges(&run.lost)),
                    t.error,
                ));
                let call = match run.spec.method {
                    Method::Map | Method::Imap | Method::ImapUnordered => run.spec.method.name(),
                    _ => "the result's get",
                };
                spans.push(Span::raw(if compact {
                    format!(" {sep} {call} would hang {sep} r runs again")
                } else {
                    format!(" {sep} Python's {call} would wait forever {sep} proclab: r runs again")
                }));
            }
            Outcome::Broken => {
                let failed = thousands(run.failed_items.into());
                spans.push(Span::styled(
                    if compact {
                        format!("{cross} BrokenProcessPool: {failed} failed")
                    } else {
                        format!("{cross} BrokenProcessPool: {failed} futures failed")
                    },
                    t.error,
                ));
                if !run.lost.is_empty() && !compact {
                    spans.push(Span::raw(format!(" {sep} {} lost", ranges(&run.lost))));
                }
                spans.push(Span::raw(format!(" {sep} r starts a new executor")));
            }
            Outcome::Terminated => {
                let got = thousands(run.delivered_items.into());
                spans.push(Span::styled(
                    format!("■ terminated after {}", duration(s.wall)),
                    t.error,
                ));
                spans.push(Span::raw(if compact {
                    format!(" · the caller got {got}/{items} · r runs again")
                } else {
                    format!(
                        " · terminated: the caller got {got} of {items}, the rest never comes · r starts a new pool"
                    )
                }));
            }
        }
        t.glyphs.line(Line::from(spans))
    }

    fn arrivals(&self, run: &RunView, width: usize) -> Line<'static> {
        let t = self.theme;
        let label = "results in: ";
        if run.arrivals.is_empty() {
            let why = match (run.spec.method, run.outcome) {
                (Method::Map, Outcome::Running) => {
                    "none yet: map hands back the whole list at once"
                }
                (Method::Map, Outcome::Hung | Outcome::Terminated) => {
                    "none: the list never comes back"
                }
                _ => "none yet",
            };
            return Line::from(vec![Span::styled(label, t.dim), Span::styled(why, t.dim)]);
        }
        let mut tokens: Vec<Span<'static>> = Vec::new();
        let mut used = label.len() + 2;
        for a in run.arrivals.iter().rev() {
            let text = if a.items.len() == 1 {
                format!("{} {}  ", letter(a.serial), a.items.start)
            } else {
                format!(
                    "{} {}-{}  ",
                    letter(a.serial),
                    a.items.start,
                    a.items.end - 1
                )
            };
            let n = text.chars().count();
            if used + n > width {
                tokens.push(Span::styled(format!("{} ", t.glyphs.ellipsis), t.dim));
                break;
            }
            used += n;
            tokens.push(Span::styled(text, t.worker(a.serial)));
        }
        tokens.reverse();
        let mut spans = vec![Span::styled(label, t.dim)];
        spans.extend(tokens);
        t.glyphs.line(Line::from(spans))
    }

    fn legend(&self, per_screen_cell: u32, failed: bool) -> Line<'static> {
        let t = self.theme;
        let a = t.worker(1);
        let sep = t.glyphs.sep;
        let mut spans = vec![
            Span::raw(" "),
            Span::styled("A", a.add_modifier(Modifier::BOLD)),
            Span::styled(" returned ", t.dim),
            Span::styled("A", a.add_modifier(Modifier::DIM)),
            Span::styled(" held ", t.dim),
            Span::styled("A", a.add_modifier(Modifier::REVERSED)),
            Span::styled(" running ", t.dim),
            Span::styled("a", a.add_modifier(Modifier::DIM)),
            Span::styled(" in chunk ", t.dim),
            Span::styled(t.glyphs.sep, t.dim),
            Span::styled(" queued ", t.dim),
            Span::styled(t.glyphs.cross, t.error),
            Span::styled(" lost ", t.dim),
        ];
        if failed {
            spans.push(Span::styled("!", t.error));
            spans.push(Span::styled(" failed ", t.dim));
        }
        if per_screen_cell > 1 {
            spans.push(Span::styled(
                format!("{sep} 1 cell = {} items ", thousands(per_screen_cell.into())),
                t.dim,
            ));
        }
        t.glyphs.line(Line::from(spans))
    }

    fn render_run(&self, run: &RunView, inner: Rect, buf: &mut Buffer) -> u32 {
        let t = self.theme;
        let history = &self.state.view.history;
        let rows = allot(inner.height, inner.width, run, history.len());
        let mut y = inner.y + 2;
        let mut per_cell = run.items_per_cell;
        if rows.grid > 0 {
            let area = Rect::new(inner.x, y, inner.width, rows.grid);
            per_cell *= grid::render(&run.cells, area, t, buf) as u32;
            y += rows.grid;
        }
        if rows.lanes > 0 {
            lanes::render(
                &run.lanes,
                Rect::new(inner.x, y, inner.width, rows.lanes),
                t,
                buf,
            );
            y += rows.lanes;
        }
        if rows.arrivals > 0 {
            self.arrivals(run, inner.width as usize)
                .render(Rect::new(inner.x, y, inner.width, 1), buf);
            y += 1;
        }
        if rows.runs > 0 {
            runs::render(
                history,
                Rect::new(inner.x, y, inner.width, rows.runs),
                t,
                buf,
            );
        }
        per_cell
    }
}

impl Widget for &PoolPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let view = &self.state.view;
        let run = view.run.as_ref();
        let mut title = vec![Span::styled(" Pool ", t.title)];
        if let Some(r) = run {
            let default = if r.spec.chunksize_is_default() {
                " (default)"
            } else {
                ""
            };
            let (chunks, size) = (thousands(r.n_chunks.into()), thousands(r.chunksize.into()));
            let each = duration(std::time::Duration::from_micros(r.spec.item_us.into()));
            let (number, method, items) = (
                r.number,
                r.spec.method.name(),
                thousands(r.spec.items.into()),
            );
            let cost = r.spec.cost.name();
            let sep = t.glyphs.sep;
            let full = if r.spec.method.chunked() {
                format!(
                    "run {number}: {method} {sep} {items} items {sep} {chunks} chunks of {size}{default} {sep} {cost}, {each} each "
                )
            } else {
                format!(
                    "run {number}: {method} {sep} {items} items {sep} {chunks} tasks {sep} {cost}, {each} each "
                )
            };
            // Borders, " Pool " and a corner: what is left for the rest.
            let room = (area.width as usize).saturating_sub(9);
            let text = if full.chars().count() <= room {
                full
            } else {
                t.glyphs.fit(
                    &format!("run {number}: {method} {sep} {items} {sep} {size}/chunk {sep} {cost} {each} "),
                    room,
                )
            };
            title.push(Span::styled(text, t.dim));
        }
        let block = crate::ui::bordered(t.border).title(t.glyphs.line(Line::from(title)));
        let inner = block.inner(area);
        if inner.height == 0 || inner.width == 0 {
            block.render(area, buf);
            return;
        }
        let python = self.python(
            &self.state.settings,
            run.map(|r| &r.spec),
            inner.width as usize,
        );
        t.glyphs.line(Line::from(Span::styled(python, t.python)))
            .render(Rect::new(inner.x, inner.y, inner.width, 1), buf);
        let per_cell = match run {
            Some(run) => {
                if inner.height > 1 {
                    let mut line = self.status(run, false);
                    if line.width() > inner.width as usize {
                        line = self.status(run, true);
                    }
                    line.render(Rect::new(inner.x, inner.y + 1, inner.width, 1), buf);
                }
                self.render_run(run, inner, buf)
            }
            None => {
                let s = &self.state.settings;
                let what = format!(
                    " to run {} items on {} workers: {}",
                    thousands(s.items.into()),
                    s.workers,
                    delivery(s.method)
                );
                let room = (inner.width as usize).saturating_sub(9);
                let hint = Line::from(vec![
                    Span::styled("press ", t.dim),
                    Span::styled(" r ", t.key),
                    Span::styled(t.glyphs.fit(&t.glyphs.text(what.as_str()), room), t.dim),
                ]);
                if inner.height > 1 {
                    hint.render(Rect::new(inner.x, inner.y + 1, inner.width, 1), buf);
                }
                if inner.height > 3 && !view.history.is_empty() {
                    let area = Rect::new(inner.x, inner.y + 3, inner.width, inner.height - 3);
                    runs::render(&view.history, area, t, buf);
                }
                0
            }
        };
        let block = if per_cell > 0 {
            let failed = run.is_some_and(|r| r.failed_items > 0);
            block.title_bottom(self.legend(per_cell, failed))
        } else {
            block
        };
        block.render(area, buf);
    }
}

impl crate::ui::labs::LabPanel for PoolState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Below;

    fn height(body: u16) -> u16 {
        panel_height(body)
    }

    fn render(
        app: &crate::app::App,
        selected: Option<&crate::app::view::WorkerRow>,
        area: ratatui::layout::Rect,
        theme: &Theme,
        buf: &mut ratatui::buffer::Buffer,
    ) {
        let _ = selected;
        PoolPanel {
            state: &app.pool,
            theme,
        }
        .render(area, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panel_grows_with_the_body() {
        assert_eq!(panel_height(22), 10);
        assert_eq!(panel_height(34), 15);
        assert_eq!(panel_height(100), 22);
        assert_eq!(panel_height(10), 8);
    }
}
