//! The counter lab's panel: the shared counter in large digits, the
//! expected total and the updates lost, the rate, a verdict, the lock's
//! holder and waiters, and the last rate of each mode side by side.
//!
//! Tall (the wide layout's right column): everything stacked, the digits as
//! big as the room allows. Short (80x24): the digits on the left, the
//! figures on the right, the verdict and the modes below.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::counter::{CounterFigures, CounterState};
use crate::app::counter::narrate::{mode_letter, setup_python, step_line, step_python, verdict};
use crate::app::numbers::{rate, thousands};
use crate::lab::counter::CounterMode;

use crate::ui::big_number::{self, BigNumber};
use crate::ui::theme::Theme;

/// Rows the panel wants in the stacked (narrow) layout, borders included.
pub const SHORT_HEIGHT: u16 = 8;

pub struct CounterPanel<'a> {
    pub state: &'a CounterState,
    pub theme: &'a Theme,
}

/// Greedy word wrap into at most `max` lines of `width`.
fn wrap(text: &str, width: usize, max: usize, ellipsis: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let fits = current.chars().count() + 1 + word.chars().count() <= width;
        if current.is_empty() || fits {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        } else {
            lines.push(std::mem::take(&mut current));
            current.push_str(word);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            last.push_str(ellipsis);
        }
    }
    lines
}

impl CounterPanel<'_> {
    fn ok(&self, text: String) -> Vec<Span<'static>> {
        vec![
            Span::styled(format!("{} ", self.theme.glyphs.check), self.theme.good),
            Span::styled(text, self.theme.good),
        ]
    }

    /// A racy run that lost nothing was lucky, not right.
    fn lucky(&self, text: String) -> Vec<Span<'static>> {
        vec![
            Span::styled("! ", self.theme.note),
            Span::styled(text, self.theme.note),
        ]
    }

    fn wrong(&self, text: String) -> Vec<Span<'static>> {
        vec![
            Span::styled(format!("{} ", self.theme.glyphs.cross), self.theme.bad),
            Span::styled(text, self.theme.bad),
        ]
    }

    fn digits_style(&self, s: &CounterFigures) -> Style {
        match (s.running, s.any, s.lost) {
            (_, false, _) => self.theme.dim,
            (true, _, 0) => self.theme.big_digits,
            (_, _, l) if l != 0 => self.theme.bad,
            _ if s.mode == CounterMode::Racy => self.theme.note,
            _ => self.theme.good,
        }
    }

    /// "expected 2,000,000 · ✗ lost 412,339" and the like: one line if it
    /// fits in `width`, else two.
    fn figures(&self, s: &CounterFigures, width: u16) -> Vec<Line<'static>> {
        let dim = self.theme.dim;
        let g = self.theme.glyphs;
        if !s.any {
            return vec![Line::from(vec![
                Span::styled(" r ", self.theme.key),
                Span::styled(
                    format!(
                        " runs {} {} {} ({})",
                        s.workers,
                        g.times,
                        thousands(s.increments),
                        s.mode.name()
                    ),
                    dim,
                ),
            ])];
        }
        let count = if s.running {
            Span::raw(format!(
                "done {} of {}",
                thousands(s.done),
                thousands(s.target)
            ))
        } else {
            Span::raw(format!("expected {}", thousands(s.done)))
        };
        let lost = match s.lost {
            0 if s.running => vec![Span::styled("none lost so far", dim)],
            0 if s.mode == CounterMode::Racy => self.lucky("none lost, by luck".into()),
            0 => self.ok("exact".into()),
            l if l > 0 && s.running => self.wrong(format!("lost so far {}", thousands(l as u64))),
            l if l > 0 => self.wrong(format!("lost {}", thousands(l as u64))),
            l => self.wrong(format!("off by {}", thousands(l.unsigned_abs()))),
        };
        let one_line = count.width() + 3 + lost.iter().map(|s| s.width()).sum::<usize>();
        if one_line <= width as usize {
            let mut spans = vec![count, Span::styled(format!(" {} ", g.sep), dim)];
            spans.extend(lost);
            vec![Line::from(spans)]
        } else {
            vec![Line::from(count), Line::from(lost)]
        }
    }

    /// "2 × 1,000,000 · 0.21 s · 9.4 M/s"; nothing before the first run.
    fn details(&self, s: &CounterFigures) -> Option<Line<'static>> {
        if !s.any {
            return None;
        }
        let took = if s.elapsed_s < 1.0 {
            format!("{:.1} ms", s.elapsed_s * 1e3)
        } else {
            format!("{:.2} s", s.elapsed_s)
        };
        let (sep, times) = (self.theme.glyphs.sep, self.theme.glyphs.times);
        let mut text = format!(
            "{} {times} {} {sep} {took} {sep} {}",
            s.workers,
            thousands(s.increments),
            rate(s.rate)
        );
        if s.slow {
            text.push_str(&format!(" {sep} slow motion"));
        }
        Some(Line::from(Span::styled(text, self.theme.dim)))
    }

    fn verdict(&self, s: &CounterFigures, width: usize, max: usize) -> Vec<Line<'static>> {
        let g = self.theme.glyphs;
        let (check, cross) = (format!("{} ", g.check), format!("{} ", g.cross));
        let (mark, style, text) = if s.running {
            if s.lost > 0 {
                (
                    cross,
                    self.theme.bad,
                    "updates lost: two workers read the same value and both write value+1"
                        .to_string(),
                )
            } else {
                (
                    "  ".to_string(),
                    self.theme.dim,
                    format!("counting{}", g.ellipsis),
                )
            }
        } else if let Some(r) = &self.state.last {
            let (mark, style) = match (r.lost, r.spec.mode) {
                _ if r.stopped || r.failed > 0 => ("! ".to_string(), self.theme.note),
                (0, CounterMode::Racy) => ("! ".to_string(), self.theme.note),
                (0, _) => (check, self.theme.good),
                _ => (cross, self.theme.bad),
            };
            (mark, style, verdict(r))
        } else {
            return vec![Line::from(Span::styled(
                format!("c mode {s} m slow motion {s} +/- workers", s = g.sep),
                self.theme.dim,
            ))];
        };
        self.marked(mark, style, &text, width, max)
    }

    /// A sentence after a mark, wrapped to `width`.
    fn marked(
        &self,
        mark: String,
        style: Style,
        text: &str,
        width: usize,
        max: usize,
    ) -> Vec<Line<'static>> {
        wrap(
            text,
            width.saturating_sub(2),
            max,
            self.theme.glyphs.ellipsis,
        )
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                Line::from(vec![
                    Span::styled(
                        if i == 0 {
                            mark.clone()
                        } else {
                            "  ".to_string()
                        },
                        style,
                    ),
                    Span::styled(l, style),
                ])
            })
            .collect()
    }

    /// Who holds the lock and who waits; nothing when there is nothing to say.
    fn lock_lines(&self, s: &CounterFigures, width: usize) -> Vec<Line<'static>> {
        let lock = &self.state.view.lock;
        let dim = self.theme.dim;
        let mut lines = Vec::new();
        if let Some(a) = &self.state.abandoned {
            let by = a.by.map_or("a worker".into(), |id| format!("worker {id}"));
            let fixer = a
                .recovered_by
                .map_or("proclab".into(), |id| format!("worker {id}"));
            let text = format!("lock abandoned by {by}: EOWNERDEAD, made consistent by {fixer}");
            lines = self.marked(format!("{} ", self.theme.glyphs.cross), self.theme.bad, &text, width, 2);
        } else if let (Some(holder), true) = (lock.holder, lock.holder_dead) {
            let text = format!("lock held by worker {holder}, which is dead: abandoned");
            return self.marked(format!("{} ", self.theme.glyphs.cross), self.theme.bad, &text, width, 2);
        }
        // At full speed the lock changes hands millions of times a second:
        // a holder is named only when it has held on, or someone waits.
        let brief = lock.held_for.is_none() && !s.slow;
        if (lock.holder.is_none() || brief) && lock.waiting.is_empty() {
            if s.running && s.mode == CounterMode::Locked {
                lines.push(Line::from(Span::styled("lock: changing hands", dim)));
            }
            return lines;
        }
        let mut spans = vec![Span::styled("lock: ", dim)];
        match lock.holder {
            Some(id) => {
                let mut held = format!("held by worker {id}");
                if let Some(d) = lock.held_for {
                    held.push_str(&format!(" for {:.1} s", d.as_secs_f64()));
                }
                spans.push(Span::raw(held));
            }
            None => spans.push(Span::raw("free")),
        }
        lines.push(Line::from(spans));
        if !lock.waiting.is_empty() {
            let waiting: Vec<String> = lock
                .waiting
                .iter()
                .map(|(id, d)| format!("{id} ({:.1} s)", d.as_secs_f64()))
                .collect();
            lines.push(Line::from(vec![
                Span::styled("      waiting: ", dim),
                Span::styled(waiting.join(", "), self.theme.note),
            ]));
        }
        lines
    }

    /// The last full-speed rate of one mode, marked if it is the next one.
    fn mode_line(&self, mode: CounterMode) -> Line<'static> {
        let next = self.state.settings.mode == mode;
        let mark = if next {
            format!("{} ", self.theme.glyphs.pointer)
        } else {
            "  ".to_string()
        };
        let head = format!("{mark}{} {:<8}", mode_letter(mode), mode.name());
        let head_style = if next {
            self.theme.title
        } else {
            self.theme.dim
        };
        let mut spans = vec![Span::styled(head, head_style)];
        match &self.state.by_mode[mode as usize] {
            Some(r) => {
                spans.push(Span::raw(format!("{:>10}  ", rate(r.rate))));
                if r.lost == 0 && mode == CounterMode::Racy {
                    spans.extend(self.lucky("none lost".into()));
                } else if r.lost == 0 {
                    spans.extend(self.ok("exact".into()));
                } else {
                    spans.extend(self.wrong(format!("{} lost", thousands(r.lost.unsigned_abs()))));
                }
            }
            None => spans.push(Span::styled(
                format!("{:>10}  not run yet", "-"),
                self.theme.dim,
            )),
        }
        Line::from(spans)
    }

    /// All four modes on one line: "R 9.4 M/s ✗ · L 23.1 M/s ✓ ...".
    fn modes_strip(&self) -> Line<'static> {
        let mut spans = vec![Span::styled("inc/s ", self.theme.dim)];
        for (i, mode) in CounterMode::ALL.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(format!(" {} ", self.theme.glyphs.sep), self.theme.dim));
            }
            let style = if self.state.settings.mode == mode {
                self.theme.title
            } else {
                self.theme.dim
            };
            spans.push(Span::styled(format!("{} ", mode_letter(mode)), style));
            match &self.state.by_mode[mode as usize] {
                Some(r) => {
                    spans.push(Span::raw(rate(r.rate)));
                    spans.push(if r.lost == 0 && mode == CounterMode::Racy {
                        Span::styled(" !", self.theme.note)
                    } else if r.lost == 0 {
                        Span::styled(format!(" {}", self.theme.glyphs.check), self.theme.good)
                    } else {
                        Span::styled(format!(" {}", self.theme.glyphs.cross), self.theme.bad)
                    });
                }
                None => spans.push(Span::styled("-", self.theme.dim)),
            }
        }
        Line::from(spans)
    }

    /// The Python of one increment, a line per statement.
    fn python(&self, s: &CounterFigures) -> Vec<Line<'static>> {
        step_python(s.mode, s.slow)
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), self.theme.python)))
            .collect()
    }

    /// The same as one line of Python, for the short layout.
    fn python_line(&self, s: &CounterFigures) -> Line<'static> {
        Line::from(Span::styled(step_line(s.mode, s.slow), self.theme.python))
    }

    /// Everything stacked. What must be shown comes first (small digits,
    /// the figures, the verdict), then, while room lasts: the lock, the
    /// Python, larger digits and the table of modes (the table before the
    /// larger digits once the run is over), and the line that makes the value.
    fn tall(&self, s: &CounterFigures, inner: Rect, buf: &mut Buffer) {
        let w = inner.width as usize;
        let digits_text = thousands(s.value);
        let small = big_number::rows(&digits_text, inner.width, 4);
        let large = big_number::rows(&digits_text, inner.width, 8);
        let mut below = self.figures(s, inner.width);
        below.extend(self.details(s));
        below.extend(self.verdict(s, w, 4));
        let mut used = small + below.len() as u16;
        let mut fits = |rows: usize| {
            let ok = used + rows as u16 <= inner.height;
            if ok {
                used += rows as u16;
            }
            ok
        };
        let lock = self.lock_lines(s, w);
        let lock = if fits(lock.len()) { lock } else { Vec::new() };
        // The increment's Python whole or not at all, never cut.
        let step = self.python(s);
        let whole = step.iter().all(|l| l.width() <= w);
        let step = if whole && fits(step.len()) {
            step
        } else {
            Vec::new()
        };
        let mut modes = vec![
            Line::default(),
            Line::from(Span::styled(
                "last full-speed run of each mode",
                self.theme.dim,
            )),
        ];
        modes.extend(CounterMode::ALL.into_iter().map(|m| self.mode_line(m)));
        let (mut digit_rows, mut with_modes) = (small, false);
        let order = if s.running {
            [true, false]
        } else {
            [false, true]
        };
        for digits_first in order {
            if digits_first && fits((large - small) as usize) {
                digit_rows = large;
            } else if !digits_first && fits(modes.len()) {
                with_modes = true;
            }
        }
        let setup = Line::from(Span::styled(setup_python(s.mode), self.theme.python));
        let setup = (setup.width() <= w && fits(1)).then_some(setup);
        let spare = fits(1);

        let mut y = inner.y;
        let put = |line: Line<'static>, y: &mut u16, buf: &mut Buffer| {
            if *y < inner.y + inner.height {
                self.theme.glyphs.line(line).render(Rect::new(inner.x, *y, inner.width, 1), buf);
                *y += 1;
            }
        };
        for line in setup.into_iter().chain(step) {
            put(line, &mut y, buf);
        }
        if spare {
            y += 1;
        }
        (&BigNumber {
            text: &digits_text,
            style: self.digits_style(s),
            ascii: self.theme.glyphs.ascii,
        })
            .render(Rect::new(inner.x, y, inner.width, digit_rows), buf);
        y += digit_rows;
        let modes = if with_modes { modes } else { Vec::new() };
        for line in below.into_iter().chain(lock).chain(modes) {
            put(line, &mut y, buf);
        }
    }

    fn short(&self, s: &CounterFigures, inner: Rect, buf: &mut Buffer) {
        let digits_text = thousands(s.value);
        // Room for the digits in quadrants, leaving the figures theirs.
        let wanted = (digits_text.chars().count() as u16)
            .saturating_mul(4)
            .max(20);
        let left_w = wanted
            .min(inner.width.saturating_sub(40))
            .max(inner.width / 3);
        let digit_rows = inner.height.saturating_sub(2).clamp(1, 4);
        (&BigNumber {
            text: &digits_text,
            style: self.digits_style(s),
            ascii: self.theme.glyphs.ascii,
        })
            .render(Rect::new(inner.x, inner.y, left_w, digit_rows), buf);
        let right = Rect::new(
            inner.x + left_w + 1,
            inner.y,
            inner.width.saturating_sub(left_w + 1),
            digit_rows,
        );
        let mut lines = self.figures(s, right.width);
        lines.extend(self.details(s));
        lines.extend(self.lock_lines(s, right.width as usize).into_iter().take(1));
        // The increment's Python whole or not at all, never cut: beside
        // the digits if it fits there, else on the last row.
        let code = self.python_line(s);
        let beside = code.width() <= usize::from(right.width);
        let below = !beside && code.width() <= usize::from(inner.width);
        if beside {
            lines.push(code.clone());
        }
        for (i, line) in lines.into_iter().take(right.height as usize).enumerate() {
            self.theme
                .glyphs
                .line(line)
                .render(Rect::new(right.x, right.y + i as u16, right.width, 1), buf);
        }
        let mut y = inner.y + digit_rows;
        let bottom = inner.y + inner.height;
        for line in self.verdict(s, inner.width as usize, 1) {
            if y < bottom {
                self.theme
                    .glyphs
                    .line(line)
                    .render(Rect::new(inner.x, y, inner.width, 1), buf);
                y += 1;
            }
        }
        if y < bottom {
            let last = if below { code } else { self.modes_strip() };
            last.render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
    }
}

impl Widget for &CounterPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let s = self.state.figures();
        let tall = area.height >= 12;
        let mut title = vec![
            Span::styled(" Counter ", self.theme.title),
            Span::styled(
                format!("{} {} ", mode_letter(s.mode), s.mode.name()),
                self.theme.title,
            ),
        ];
        if !tall {
            title.push(Span::styled(
                format!("{} ", setup_python(s.mode)),
                self.theme.python,
            ));
        }
        let title = Line::from(title);
        let inner = crate::ui::framed(title, self.theme.border, area, buf);
        if inner.is_empty() {
            return;
        }
        if tall {
            self.tall(&s, inner, buf);
        } else {
            self.short(&s, inner, buf);
        }
    }
}

impl crate::ui::labs::LabPanel for CounterState {
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
        CounterPanel {
            state: &app.counter,
            theme,
        }
        .render(area, buf)
    }
}
