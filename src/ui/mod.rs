//! Drawing: pure functions from `&App` to a frame.
//!
//! [`layout`] decides where each panel goes, once per frame, apart from
//! drawing, so mouse clicks are tested against the same rectangles that were
//! drawn ([`hit_test`]). [`render`] draws; it never changes state.

pub mod bar;
pub mod big_number;
pub mod cores;
pub mod footer;
pub mod glyphs;
pub mod header;
pub mod help;
pub mod keys;
pub mod labs;
pub mod lesson;
pub mod log;
pub mod theme;
pub mod workers;

// Each lab's panel: `pub mod gil;`, `pub mod queue;`, ... one per line of
// the registry.
macro_rules! ui_modules {
    ($( ($Lab:ident, $m:ident, $($rest:tt)*) ),* $(,)?) => {
        $( pub mod $m; )*
    };
}
crate::registry::for_each_lab!(ui_modules);

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::app::{Action, App};

use self::theme::{Border, Theme};

/// The smallest terminal proclab draws its dashboard in.
pub const MIN_WIDTH: u16 = 70;
pub const MIN_HEIGHT: u16 = 20;

/// Where every panel goes in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppLayout {
    pub area: Rect,
    pub too_small: bool,
    pub header: Rect,
    pub cores: Rect,
    pub table: Rect,
    /// The current lab's own panel.
    pub focus: Rect,
    pub log: Rect,
    /// The lesson panel, while a lesson runs (taken from the log's place).
    pub lesson: Option<Rect>,
    /// Where a scenario's caption and the keys overlay go: rows taken from
    /// the bottom of the log, so they cover none of it. None when they show
    /// nothing, or the log has no rows to give (then they go over the
    /// bottom of the screen).
    pub overlay: Option<Rect>,
    pub footer: Rect,
}

/// Rows the log keeps when a caption or the keys overlay takes its bottom.
const LOG_KEPT_ROWS: u16 = 3;

/// Rows the caption and the keys overlay need at the bottom of a screen
/// `width` wide, borders included; 0 when they show nothing.
fn overlay_rows(app: &App, width: u16) -> u16 {
    let keys: Vec<_> = app.visible_keys().collect();
    let keys = keys::KeysOverlay {
        keys: if app.show_keys { &keys } else { &[] },
        theme: &Theme::standard(),
    };
    let keys_rows = keys.rows();
    let caption_rows = app.caption.as_ref().map_or(0, |text| {
        lesson::Caption::rows(text, width, keys.width(width))
    });
    keys_rows.max(caption_rows)
}

/// Rows the worker table keeps while a lesson runs: its frame, its header
/// and two workers.
const TABLE_MIN_ROWS: u16 = 5;

/// Rows a lab's panel keeps however tall the log wants to be.
const FOCUS_MIN_ROWS: u16 = 9;

/// Whether the terminal is large enough for the side-by-side layout: the
/// worker table keeps all its columns beside the 44-column lab panel.
fn is_wide(area: Rect) -> bool {
    area.width >= 116 && area.height >= 30
}

pub fn layout(area: Rect, live: &App) -> AppLayout {
    // Frozen, the dashboard is laid out as it was drawn; the lesson is
    // the live one.
    let app = live.shown();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return AppLayout {
            area,
            too_small: true,
            ..AppLayout::default()
        };
    }
    let cores_height = cores::height(
        app.machine.cores.max(app.cores.cores.len()),
        &Theme::for_app(app),
        area.height,
    );
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let (cores, table, focus, mut log) = if is_wide(area)
        && labs::place(app.lab) == labs::Place::Beside
    {
        let [top, log] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
        let [left, focus] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(44)]).areas(top);
        let [cores, table] =
            Layout::vertical([Constraint::Length(cores_height), Constraint::Fill(1)]).areas(left);
        (cores, table, focus, log)
    } else {
        let mut focus_rows = labs::height(app.lab, body.height);
        // A view in the table's place lays itself out; for the others the
        // log keeps a third of the body: a tall lab panel gives way.
        let instead = labs::place(app.lab) == labs::Place::Instead;
        if live.lesson.is_none() && !instead {
            let room = body
                .height
                .saturating_sub(cores_height + TABLE_MIN_ROWS + body.height / 3);
            focus_rows = focus_rows.min(room.max(FOCUS_MIN_ROWS));
        }
        let mut rows = [
            Constraint::Length(cores_height),
            Constraint::Fill(3),
            Constraint::Length(focus_rows),
            Constraint::Fill(2),
        ];
        if instead {
            rows[1] = Constraint::Length(0);
        }
        // A lesson takes the log's place, as many rows as it needs. Where
        // that leaves the worker table too few rows, the GIL lab gives the
        // table up (its lanes show each thread) and the others the cores.
        if let Some(view) = &live.lesson {
            let lesson_rows = lesson::height(view, body.width);
            rows[3] = Constraint::Length(lesson_rows);
            if body.height < cores_height + focus_rows + lesson_rows + TABLE_MIN_ROWS {
                if labs::yields(app.lab) == labs::Yields::Table {
                    rows[1] = Constraint::Length(0);
                    rows[2] = Constraint::Fill(1);
                } else {
                    rows[0] = Constraint::Length(0);
                }
            }
        }
        // The table takes no more rows than it has workers for: what it
        // leaves goes to the log.
        if live.lesson.is_none() && !instead {
            let rest = body.height.saturating_sub(cores_height + focus_rows);
            let want = (app.workers.len() as u16 + 3).max(TABLE_MIN_ROWS);
            if want < rest * 3 / 5 {
                rows[1] = Constraint::Length(want);
            }
        }
        let [cores, table, focus, log] = Layout::vertical(rows).areas(body);
        (cores, table, focus, log)
    };
    // The lesson takes the log's place; on a wide screen it shares it.
    let lesson = live.lesson.as_ref().map(|_| {
        if log.width >= 140 {
            let [panel, rest] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(log);
            log = rest;
            panel
        } else {
            let panel = log;
            log = Rect::new(log.x, log.y + log.height, log.width, 0);
            panel
        }
    });
    let wanted = overlay_rows(live, area.width);
    let overlay = (wanted > 0 && log.height >= wanted + LOG_KEPT_ROWS).then(|| {
        log.height -= wanted;
        Rect::new(log.x, log.y + log.height, log.width, wanted)
    });
    AppLayout {
        area,
        too_small: false,
        header,
        cores,
        table,
        focus,
        log,
        lesson,
        overlay,
        footer,
    }
}

/// Draws the whole screen.
pub fn render(app: &App, layout: &AppLayout, frame: &mut Frame) {
    render_buffer(app, layout, frame.buffer_mut());
}

/// How a worker starts in the lab shown, for an empty worker table: its
/// first key in the footer; None for the lifecycle lab's own words.
fn start_hint(app: &App) -> Option<(String, String)> {
    let first = app.keymap.footer(app.lab, None).into_iter().next()?;
    (first.action != Action::Spawn)
        .then(|| (first.key.to_string(), first.action.describe().to_string()))
}

/// Draws the whole screen into a buffer.
pub fn render_buffer(live: &App, layout: &AppLayout, buf: &mut Buffer) {
    let theme = Theme::for_app(live);
    draw(live, layout, &theme, buf);
    theme.finish(buf);
}

fn draw(live: &App, layout: &AppLayout, theme: &Theme, buf: &mut Buffer) {
    if layout.too_small {
        render_too_small(layout.area, theme, buf);
        return;
    }
    // The dashboard as shown (frozen, or live); the overlays, the lesson
    // and the footer are always live: keys go on acting.
    let app = live.shown();
    header::Header {
        app,
        frozen: live.frozen.is_some(),
        theme,
    }
    .render(layout.header, buf);
    if layout.cores.height > 0 {
        cores::CoresPanel {
            history: &app.cores,
            cores: app.machine.cores,
            theme,
        }
        .render(layout.cores, buf);
    }
    let rows = app.table_rows();
    let selected = app.selected_row();
    if layout.table.height > 0 {
        workers::WorkerTable {
            rows: &rows,
            selected,
            counts: app.counts(),
            max_workers: app.settings.max_workers,
            start: start_hint(app),
            theme,
        }
        .render(layout.table, buf);
    }
    labs::render(
        app,
        selected.and_then(|i| rows.get(i)),
        layout.focus,
        theme,
        buf,
    );
    if layout.log.height > 0 {
        log::LogPanel {
            log: &app.log,
            scroll: app.log_scroll,
            theme,
        }
        .render(layout.log, buf);
    }
    let app = live;
    if let (Some(area), Some(view)) = (layout.lesson, &app.lesson) {
        lesson::LessonPanel {
            lesson: view,
            theme,
        }
        .render(area, buf);
    }
    footer::Footer { app, theme }.render(layout.footer, buf);
    if let Some(scroll) = app.help {
        help::Help {
            keymap: &app.keymap,
            lab: app.lab,
            scroll,
            theme,
        }
        .render(layout.area, buf);
    }
    let keys: Vec<_> = app.visible_keys().collect();
    let keys = keys::KeysOverlay {
        keys: if app.show_keys { &keys } else { &[] },
        theme,
    };
    // The caption and the keys sit in the rows the log gave up, drawn as
    // over a screen that ends just below them; else over the screen's
    // bottom rows, above the footer.
    let bottom = match layout.overlay {
        Some(o) => Rect::new(layout.area.x, o.y, layout.area.width, o.height + 1),
        None => layout.area,
    };
    if let Some(text) = &app.caption {
        lesson::Caption {
            text,
            right: keys.width(layout.area.width),
            theme,
        }
        .render(bottom, buf);
    }
    if let Some(menu) = &app.lessons_menu {
        lesson::Menu { menu, theme }.render(layout.area, buf);
    }
    keys.render(bottom, buf);
}

fn render_too_small(area: Rect, theme: &Theme, buf: &mut Buffer) {
    let text = vec![
        Line::from(Span::styled("proclab", theme.title)),
        Line::from(format!(
            "The terminal is {}x{}; proclab needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window (or use a smaller font). q quits."),
    ];
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// A rectangle of `width` x `height` centred in `area`, cleared, for a popup.
pub fn popup(area: Rect, width: u16, height: u16, buf: &mut Buffer) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    ratatui::widgets::Clear.render(rect, buf);
    rect
}

/// Draws a panel's border, in its style and glyphs, with `title` on it
/// (its words as the glyphs write them), and returns the area inside.
pub fn framed<'a>(
    title: impl Into<Line<'a>>,
    border: Border,
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let block = bordered(border).title(border.glyphs.line(title.into()));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// A block framed all round in `border`'s style and glyphs, for a panel
/// that lays out its own title or contents.
pub fn bordered(border: Border) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(border.glyphs.border)
        .border_style(border.style)
}

/// What a mouse click at (x, y) does, given the layout that was drawn.
pub fn hit_test(app: &App, layout: &AppLayout, x: u16, y: u16) -> Option<Action> {
    if layout.too_small || app.overlay().is_some() || app.frozen.is_some() {
        return None;
    }
    let t = layout.table;
    if x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height {
        let row = workers::row_at(t, app.selected_row(), app.workers.len(), y)?;
        return Some(Action::SelectRow(row));
    }
    None
}
