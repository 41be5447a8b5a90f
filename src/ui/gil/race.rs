//! The race results: one row per number of workers, one column per mode;
//! each cell the run's wall time, CPU time, speedup against one worker of
//! the same mode (as a number and a bar, with the ideal min(workers, cores)
//! marked on it) and efficiency (speedup over the ideal). Narrow columns
//! keep the speedup and the bar and drop the rest. The columns are always
//! named, on the legend's line under the rows; a line of marks follows
//! when there is one to explain and room for it: `~` a run slowed by other
//! programs, `?` a CPU time that could not be read (so `~` cannot be told),
//! `*` an efficiency over 100%.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::app::gil::race::{RaceStatus, RaceView, RowState};
use crate::lab::{Workload, gil};

use crate::ui::theme::Theme;

/// Lines the table needs: a title, a header, a row per worker count, the
/// legend that names the columns, and the marks' line when a run is marked.
pub fn height(race: &RaceView) -> u16 {
    3 + race.max_workers() as u16 + u16::from(has_marks(race))
}

fn has_marks(race: &RaceView) -> bool {
    !race.noisy_runs().is_empty()
        || !race.unknown_cpu_runs().is_empty()
        || !race.over_ideal_runs().is_empty()
}

pub struct RaceTable<'a> {
    pub race: &'a RaceView,
    pub app: &'a App,
    pub theme: &'a Theme,
}

/// How much of a run a column has room for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// wall, CPU, speedup, bar, efficiency.
    Full,
    /// wall, speedup, bar.
    Wall,
    /// speedup, bar.
    Speedup,
}

impl Detail {
    fn of(width: usize) -> Detail {
        if width >= 34 {
            Detail::Full
        } else if width >= 21 {
            Detail::Wall
        } else {
            Detail::Speedup
        }
    }

    /// Cells used by everything but the bar.
    fn fixed(self) -> usize {
        match self {
            Detail::Full => 6 + 1 + 6 + 1 + 6 + 1 + 5 + 1,
            Detail::Wall => 6 + 1 + 6 + 1,
            Detail::Speedup => 6 + 1,
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Detail::Full => {
                "columns: wall time, CPU time, speedup vs 1 worker, efficiency = speedup / ideal"
            }
            Detail::Wall => "columns: wall time, speedup vs 1 worker",
            Detail::Speedup => "columns: speedup vs 1 worker",
        }
    }
}

/// A speedup bar on a scale of `scale` in `width` cells, the last of
/// which is room for the mark: the mark stands in the cell just past where
/// a bar of the `ideal` speedup would end, so a bar that reaches the ideal
/// touches it.
fn bar(speedup: f64, ideal: f64, scale: f64, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    if width < 2 {
        return Vec::new();
    }
    let bar_width = width - 1;
    let (filled, empty) = theme.glyphs.bar(speedup / scale, bar_width);
    let mut cells: Vec<(char, bool)> = filled
        .chars()
        .map(|c| (c, false))
        .chain(empty.chars().map(|_| (' ', false)))
        .chain(std::iter::once((' ', false)))
        .collect();
    let mark = ((ideal / scale * bar_width as f64).round() as usize).min(bar_width);
    cells[mark] = (theme.glyphs.rule.chars().next().unwrap_or(':'), true);
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_mark = false;
    for (c, is_mark) in cells {
        if is_mark != run_mark && !run.is_empty() {
            let style = if run_mark {
                theme.race_ideal
            } else {
                theme.race_bar
            };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_mark = is_mark;
        run.push(c);
    }
    let style = if run_mark {
        theme.race_ideal
    } else {
        theme.race_bar
    };
    spans.push(Span::styled(run, style));
    spans
}

impl RaceTable<'_> {
    /// What the columns mean, under the rows.
    fn legend(&self, detail: Detail) -> Line<'static> {
        let (sep, rule) = (self.theme.glyphs.sep, self.theme.glyphs.rule);
        let ideal = match self.race.workload {
            Workload::Cpu => format!("min(n, {} cores)", self.race.cores),
            Workload::Io => "n: sleeps need no core".to_string(),
        };
        Line::from(Span::styled(
            format!("{} {sep} {rule} ideal = {ideal}", detail.legend()),
            self.theme.dim,
        ))
    }

    /// What the marks on the rows mean, those there are.
    fn marks(&self, detail: Detail) -> Line<'static> {
        let r = self.race;
        let sep = self.theme.glyphs.sep;
        let mut spans = Vec::new();
        let mut add = |text: &'static str| {
            if !spans.is_empty() {
                spans.push(Span::styled(format!(" {sep} "), self.theme.dim));
            }
            spans.push(Span::styled(text, self.theme.note));
        };
        if !r.noisy_runs().is_empty() && detail != Detail::Speedup {
            add("~ slowed by other programs (r again)");
        }
        if !r.unknown_cpu_runs().is_empty() && detail != Detail::Speedup {
            add("? CPU time not read: ~ cannot be told");
        }
        if !r.over_ideal_runs().is_empty() && detail == Detail::Full {
            add("* over 100%: its 1-worker run was slowed");
        }
        Line::from(spans)
    }

    fn title(&self) -> Line<'static> {
        let r = self.race;
        let t = self.theme;
        let sep = t.glyphs.sep;
        let status = match &r.status {
            RaceStatus::Running => match r.running() {
                Some(row) => format!("running {} x {}", row.workers, row.mode.short()),
                None => "starting".into(),
            },
            RaceStatus::Done => "done (r races again)".into(),
            RaceStatus::Cancelled => "cancelled".into(),
            RaceStatus::Failed(why) => format!("stopped: {why}"),
        };
        Line::from(vec![
            Span::styled("Race ", t.title),
            Span::styled(format!("{status} "), t.note),
            Span::styled(
                format!(
                    "{sep} {} {} tasks x {} ms {sep} switch interval {}",
                    r.tasks,
                    r.workload.name(),
                    r.task_ms,
                    gil::format_interval(r.interval_us),
                ),
                t.dim,
            ),
        ])
    }

    /// The scale of every bar: the cores, or the best speedup if higher.
    fn scale(&self) -> f64 {
        let r = self.race;
        let mut scale = r.cores as f64;
        for row in &r.rows {
            if let Some(s) = r.speedup(row.mode, row.workers) {
                scale = scale.max(s);
            }
        }
        scale.max(1.0)
    }

    fn cell(&self, mode: gil::Mode, n: usize, width: usize, detail: Detail) -> Vec<Span<'static>> {
        let r = self.race;
        let t = self.theme;
        let Some(row) = r.row(mode, n) else {
            return vec![];
        };
        match &row.state {
            RowState::Pending => vec![Span::styled(t.glyphs.dot.to_string(), t.dim)],
            RowState::Stopped => vec![Span::styled("-", t.dim)],
            RowState::Running { since, ids } => {
                let elapsed = self.app.now.saturating_sub(*since).as_secs_f64();
                let done: u64 = self
                    .app
                    .workers
                    .iter()
                    .filter(|w| ids.contains(&w.id))
                    .map(|w| w.tasks_done)
                    .sum();
                let text = format!("running {elapsed:.1} s, {done}/{} tasks", r.tasks);
                let text = if text.chars().count() <= width {
                    text
                } else {
                    format!("running {elapsed:.1} s")
                };
                vec![Span::styled(text, t.note)]
            }
            RowState::Done(result) => {
                let speedup = r.speedup(mode, n).unwrap_or(0.0);
                let wall = format!("{:>5.2}s", result.wall.as_secs_f64());
                let cpu = result.cpu.map_or(format!("{:>6}", "?"), |c| {
                    format!("{:>5.2}s", c.as_secs_f64())
                });
                let bar_width = width.saturating_sub(detail.fixed());
                let mut spans = Vec::new();
                // "~": slowed by other programs; "?": no CPU time to tell.
                let noisy = r.noisy(mode, n);
                if detail != Detail::Speedup {
                    spans.push(Span::raw(wall));
                    spans.push(if noisy {
                        Span::styled("~", t.note)
                    } else if result.cpu.is_none() && detail == Detail::Wall {
                        // No CPU column to say it: the mark does.
                        Span::styled("?", t.note)
                    } else {
                        Span::raw(" ")
                    });
                }
                if detail == Detail::Full {
                    spans.push(Span::styled(format!("{cpu} "), t.dim));
                }
                spans.push(Span::styled(format!("{speedup:>5.2}x "), t.title));
                spans.extend(bar(speedup, r.ideal(n), self.scale(), bar_width, t));
                if detail == Detail::Full {
                    let eff = r.efficiency(mode, n).unwrap_or(0.0);
                    spans.push(Span::raw(format!(" {:>3.0}%", eff * 100.0)));
                    // "*": over 100%, faster than the ideal (see the marks).
                    spans.push(if r.over_ideal(mode, n) {
                        Span::styled("*", t.note)
                    } else {
                        Span::raw(" ")
                    });
                }
                spans
            }
        }
    }
}

impl Widget for &RaceTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        let t = self.theme;
        let modes = self.race.modes();
        let n_width = 4usize;
        let col = (area.width as usize).saturating_sub(1 + n_width) / modes.len().max(1);
        let inner_col = col.saturating_sub(2);
        let detail = Detail::of(inner_col);
        let line = |y: u16, l: Line<'static>, buf: &mut Buffer| {
            l.render(
                Rect::new(area.x + 1, y, area.width.saturating_sub(1), 1),
                buf,
            );
        };
        line(area.y, self.title(), buf);
        let rows_end = area.y + 2 + self.race.max_workers() as u16;
        let bottom = area.y + area.height;
        if bottom > rows_end {
            line(rows_end, self.legend(detail), buf);
        }
        if bottom > rows_end + 1 && has_marks(self.race) {
            line(rows_end + 1, self.marks(detail), buf);
        }
        let x0 = area.x + 1 + n_width as u16;
        let column = |i: usize| Rect::new(x0 + (i * col) as u16, 0, col as u16, 1);
        if area.height >= 2 {
            let y = area.y + 1;
            Line::from(Span::styled("  n", t.dim)).render(Rect::new(area.x + 1, y, 4, 1), buf);
            for (i, mode) in modes.iter().enumerate() {
                let r = Rect { y, ..column(i) };
                Line::from(vec![
                    Span::styled(format!("{} ", t.glyphs.border.vertical_left), t.border),
                    Span::styled(mode.short(), t.title),
                ])
                .render(r, buf);
            }
        }
        for n in 1..=self.race.max_workers() {
            let y = area.y + 1 + n as u16;
            if y >= area.y + area.height {
                break;
            }
            Line::from(Span::styled(format!("{n:>3}"), t.title))
                .render(Rect::new(area.x + 1, y, 4, 1), buf);
            for (i, &mode) in modes.iter().enumerate() {
                let mut spans = vec![Span::styled(
                    format!("{} ", t.glyphs.border.vertical_left),
                    t.border,
                )];
                spans.extend(self.cell(mode, n, inner_col, detail));
                Line::from(spans).render(Rect { y, ..column(i) }, buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ideal_is_marked_on_the_bar() {
        let theme = Theme::standard();
        let spans = bar(1.0, 2.0, 2.0, 8, &theme);
        let text: String = spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(text.chars().count(), 8);
        assert_eq!(text, "███▌   ┊", "ideal 2 of 2: just past the bar");
        let reached: String = bar(1.0, 1.0, 2.0, 9, &theme)
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(reached, "████┊    ", "a bar at its ideal touches the mark");
    }

    #[test]
    fn narrow_columns_keep_the_speedup() {
        assert_eq!(Detail::of(40), Detail::Full);
        assert_eq!(Detail::of(25), Detail::Wall);
        assert_eq!(Detail::of(12), Detail::Speedup);
    }
}
