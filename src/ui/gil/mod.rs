//! The GIL lab's panel: the mode, a timeline with one lane per thread (or
//! process) showing who holds the simulated GIL, who waits and who is in a
//! blocking call, the convoy figures, and the race results below it when
//! there is room (`v` flips between them when there is not).

pub mod race;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::app::gil::View;
use crate::app::gil::timeline::{Cell, Lane, LaneKey, LaneState};
use crate::lab::gil::{self, InterpSnapshot, Mode};

use self::race::RaceTable;
use crate::ui::theme::Theme;

pub struct GilPanel<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

/// The panel's height in a stacked layout, from the height of the body.
pub fn focus_height(body_height: u16) -> u16 {
    let h = if body_height < 26 { 9 } else { body_height / 2 };
    h.min(30)
}

/// One lane as drawn, with what `/proc` says of its thread or process.
pub struct LaneRow<'a> {
    pub lane: &'a Lane,
    /// The kernel's state letter for the thread or process.
    pub letter: Option<char>,
    pub cpu: Option<f32>,
    /// Share of the GIL over the lane's window (GIL mode only).
    pub share: Option<f64>,
}

/// The interpreter the timeline follows: the race's during a thread run.
fn shown(app: &App) -> Option<&InterpSnapshot> {
    let snap = app.gil.snapshot.as_ref()?;
    snap.race.as_ref().or(snap.interactive.as_ref())
}

/// Every lane, processes first, with its figures over `cells` cells.
pub fn lane_rows(app: &App, cells: usize) -> Vec<LaneRow<'_>> {
    let g = &app.gil;
    let window = g.zoom.cell_ns() * cells as u64;
    let from = g.now_ns.saturating_sub(window);
    let interp = shown(app);
    let mut rows = Vec::new();
    for lane in &g.processes {
        let LaneKey::Process(id) = lane.key else {
            continue;
        };
        let proc = app
            .workers
            .iter()
            .find(|w| w.id == id)
            .and_then(|w| app.procs.get(&w.pid));
        rows.push(LaneRow {
            lane,
            letter: proc.map(|p| p.state),
            cpu: proc.map(|p| p.cpu_percent),
            share: None,
        });
    }
    for lane in &g.threads.lanes {
        let LaneKey::Thread { number, .. } = lane.key else {
            continue;
        };
        let load = interp
            .and_then(|i| i.threads.iter().find(|t| t.number == number))
            .and_then(|t| app.threads.get(&t.tid));
        let alive = lane.state() != Some(LaneState::Done);
        rows.push(LaneRow {
            lane,
            letter: load.filter(|_| alive).map(|l| l.state),
            cpu: load.filter(|_| alive).map(|l| l.cpu_percent),
            share: interp
                .filter(|i| i.gil)
                .and_then(|_| lane.spent(from, g.now_ns).gil_share()),
        });
    }
    rows
}

impl Widget for &GilPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let g = &self.app.gil;
        let title = Line::from(vec![
            Span::styled(" GIL race ", self.theme.title),
            Span::styled(format!("{} ", g.mode.title()), self.theme.note),
            Span::styled(
                format!(
                    "{} switch interval {} ([ ]) ",
                    self.theme.glyphs.sep,
                    gil::format_interval(g.interval_us)
                ),
                self.theme.dim,
            ),
        ]);
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        let Some(race) = g.race.as_ref() else {
            self.timeline(inner, buf);
            return;
        };
        let race_height = race::height(race);
        let lanes = lane_rows(self.app, 1).len().clamp(1, 4) as u16;
        let timeline_height = 2 + u16::from(self.convoy_line().is_some()) + lanes;
        let table = RaceTable {
            race,
            app: self.app,
            theme: self.theme,
        };
        if inner.height >= race_height + timeline_height {
            let top = Rect {
                height: inner.height - race_height,
                ..inner
            };
            let bottom = Rect {
                y: inner.y + top.height,
                height: race_height,
                ..inner
            };
            self.timeline(top, buf);
            table.render(bottom, buf);
        } else if g.view == View::Race {
            table.render(inner, buf);
        } else {
            self.timeline(inner, buf);
        }
    }
}

impl GilPanel<'_> {
    /// The line above the lanes: who holds the GIL, how often it moves.
    fn status(&self) -> Line<'static> {
        let g = &self.app.gil;
        let dim = self.theme.dim;
        let interp = shown(self.app);
        let race_run = g.racing().then(|| g.race.as_ref()?.running()).flatten();
        let mut spans = Vec::new();
        if let Some(row) = race_run {
            spans.push(Span::styled(
                format!(
                    "race: {} x {} {} ",
                    row.workers,
                    row.mode.short(),
                    self.theme.glyphs.sep
                ),
                self.theme.note,
            ));
        }
        let mode = race_run.map_or(g.mode, |r| r.mode);
        match (mode, interp) {
            (_, None) if g.processes.is_empty() && race_run.is_none() => {
                spans.push(Span::styled(
                    format!(
                        "no worker here yet: s starts one {s} m changes mode {s} r races every mode",
                        s = self.theme.glyphs.sep
                    ),
                    dim,
                ));
            }
            (_, Some(i)) if !i.alive => spans.push(Span::styled(
                "the interpreter has ended, and its threads with it: s starts a new one",
                dim,
            )),
            (Mode::Threads, Some(i)) if i.gil => {
                let holder = match i.holder {
                    Some(t) => format!("T{t} holds the GIL"),
                    None => "the GIL is free".into(),
                };
                spans.push(Span::raw(holder));
                spans.push(Span::styled(
                    format!(
                        " {s} {} switches/s {s} one thread runs at a time",
                        g.threads.switches_per_second(g.now_ns),
                        s = self.theme.glyphs.sep
                    ),
                    dim,
                ));
            }
            (Mode::FreeThreads, _) => spans.push(Span::styled(
                "no GIL: each thread runs on any free core",
                dim,
            )),
            _ => spans.push(Span::styled(
                "each process has its own interpreter and GIL: none waits",
                dim,
            )),
        }
        Line::from(spans)
    }

    /// The convoy figures, when the I/O thread runs or has run.
    fn convoy_line(&self) -> Option<Line<'static>> {
        let m = &self.app.gil.convoy_meter;
        if !self.app.gil.convoy && m.figures.is_empty() {
            return None;
        }
        let mut spans = vec![Span::styled("I/O thread ", self.theme.title)];
        match (self.app.gil.convoy, m.rate, m.key) {
            (true, _, _) if self.app.gil.racing() => {
                spans.push(Span::styled("paused for the race ", self.theme.dim))
            }
            (true, Some(rate), Some(key)) => spans.push(Span::raw(format!(
                "{rate:.0} calls/s beside {} CPU-bound ",
                key.cpu_workers
            ))),
            (true, _, _) => spans.push(Span::styled("measuring... ", self.theme.dim)),
            _ => {}
        }
        for mode in [Mode::Threads, Mode::Processes, Mode::FreeThreads] {
            let figures = m.figures_of(mode);
            if figures.is_empty() {
                continue;
            }
            let list: Vec<String> = figures.iter().map(|(n, r)| format!("{n}:{r:.0}")).collect();
            spans.push(Span::styled(
                format!("{} {} {} ", self.theme.glyphs.sep, mode.short(), list.join(" ")),
                self.theme.dim,
            ));
        }
        Some(Line::from(spans))
    }

    /// What the letters mean; shorter words when the line is narrow.
    fn legend(&self, width: u16) -> Line<'static> {
        let t = self.theme;
        let zoom = self.app.gil.zoom.label();
        let long = [
            " holds the GIL ",
            " holds it part of the cell ",
            " waits ",
            " blocking call ",
            " runs, no GIL ",
            " stopped",
        ];
        let short = [" GIL ", " part ", " waits ", " I/O ", " no GIL ", " stop"];
        let sep = t.glyphs.sep;
        let tail_long = format!(" {sep} cell {zoom} (z)");
        let tail_short = format!(" {sep} {zoom}");
        let long_width: usize =
            long.iter().map(|w| w.chars().count() + 1).sum::<usize>() + tail_long.chars().count();
        let (words, tail) = if long_width < width as usize {
            (long, tail_long)
        } else {
            (short, tail_short)
        };
        let letters = [
            ("G".to_string(), t.gil_held),
            (t.glyphs.level(4).to_string(), t.gil_share),
            ("w".to_string(), t.gil_wait),
            ("i".to_string(), t.gil_io),
            ("R".to_string(), t.gil_free),
            ("T".to_string(), t.gil_stopped),
        ];
        let mut spans = Vec::new();
        for ((letter, style), word) in letters.into_iter().zip(words) {
            spans.push(Span::styled(letter, style));
            spans.push(Span::styled(word, t.dim));
        }
        spans.push(Span::styled(tail, t.dim));
        Line::from(spans)
    }

    fn timeline(&self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        let line = |y: u16, l: Line<'static>, buf: &mut Buffer| {
            l.render(
                Rect::new(area.x + 1, y, area.width.saturating_sub(1), 1),
                buf,
            );
        };
        line(area.y, self.status(), buf);
        let bottom = area.y + area.height - 1;
        if area.height >= 2 {
            line(bottom, self.legend(area.width.saturating_sub(1)), buf);
        }
        let mut last_lane_row = bottom;
        if let (Some(convoy), true) = (self.convoy_line(), area.height >= 4) {
            last_lane_row -= 1;
            line(last_lane_row, convoy, buf);
        }
        let room = last_lane_row.saturating_sub(area.y + 1) as usize;
        // label, letter, cpu%, cells, share.
        let cells = (area.width as usize)
            .saturating_sub(1 + 4 + 2 + 5 + 1 + 5)
            .max(1);
        let rows = lane_rows(self.app, cells);
        let shown = if rows.len() > room {
            room.saturating_sub(1)
        } else {
            rows.len()
        };
        for (i, row) in rows.iter().take(shown).enumerate() {
            let y = area.y + 1 + i as u16;
            line(y, self.lane_line(row, cells), buf);
        }
        if shown < rows.len() && room > 0 {
            let y = area.y + 1 + shown as u16;
            line(
                y,
                Line::from(Span::styled(
                    format!(
                        "+{} more lanes (a taller terminal shows them)",
                        rows.len() - shown
                    ),
                    self.theme.dim,
                )),
                buf,
            );
        }
    }

    fn lane_line(&self, row: &LaneRow<'_>, cells: usize) -> Line<'static> {
        let g = &self.app.gil;
        let t = self.theme;
        let mut spans = vec![
            Span::styled(format!("{:<4}", row.lane.label), t.title),
            Span::raw(format!("{} ", row.letter.unwrap_or(' '))),
            Span::styled(
                row.cpu
                    .map_or("     ".to_string(), |c| format!("{c:>4.0}%")),
                t.dim,
            ),
            Span::styled(t.glyphs.lane_ends.0.to_string(), t.border),
        ];
        let mut run = String::new();
        let mut run_style = None;
        for cell in row.lane.cells(g.now_ns, g.zoom.cell_ns(), cells) {
            let (ch, style) = match cell {
                Cell::Empty | Cell::State(LaneState::Done) => (' ', t.dim),
                Cell::State(s) => (s.letter(), lane_style(t, s)),
                // The eighths of the cell the thread held the GIL.
                Cell::Share(0) => (' ', t.gil_share),
                Cell::Share(e) => (t.glyphs.level(e), t.gil_share),
            };
            if run_style != Some(style) {
                if let Some(style) = run_style {
                    spans.push(Span::styled(std::mem::take(&mut run), style));
                }
                run_style = Some(style);
            }
            run.push(ch);
        }
        if let Some(style) = run_style {
            spans.push(Span::styled(run, style));
        }
        spans.push(Span::styled(t.glyphs.lane_ends.1.to_string(), t.border));
        spans.push(Span::raw(
            row.share
                .map_or(String::new(), |s| format!("{:>3.0}%", s * 100.0)),
        ));
        Line::from(spans)
    }
}

/// The style of a GIL timeline cell in this state.
fn lane_style(theme: &Theme, state: LaneState) -> ratatui::style::Style {
    match state {
        LaneState::Holding => theme.gil_held,
        LaneState::Waiting => theme.gil_wait,
        LaneState::Io => theme.gil_io,
        LaneState::Running => theme.gil_free,
        LaneState::Stopped => theme.gil_stopped,
        LaneState::Done => theme.dim,
    }
}

impl crate::ui::labs::LabPanel for crate::app::gil::GilState {
    const PLACE: crate::ui::labs::Place = crate::ui::labs::Place::Below;
    const YIELDS: crate::ui::labs::Yields = crate::ui::labs::Yields::Table;

    fn height(body: u16) -> u16 {
        focus_height(body)
    }

    fn render(
        app: &crate::app::App,
        selected: Option<&crate::app::view::WorkerRow>,
        area: ratatui::layout::Rect,
        theme: &Theme,
        buf: &mut ratatui::buffer::Buffer,
    ) {
        let _ = selected;
        GilPanel { app, theme }.render(area, buf)
    }
}
