//! Drawing: pure functions from `&App` to a frame.
//!
//! [`layout`] decides where each panel goes, once per frame, apart from
//! drawing, so mouse clicks are tested against the same rectangles that were
//! drawn ([`hit_test`]). [`render`] draws; it never changes state.

pub mod bar;
pub mod cores;
pub mod footer;
pub mod gil;
pub mod header;
pub mod help;
pub mod lifecycle;
pub mod log;
pub mod race;
pub mod theme;
pub mod workers;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::{Action, App, LabId};

use self::theme::Theme;

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
    pub footer: Rect,
}

/// Height the current lab's panel wants in the stacked (narrow) layout,
/// given the height of the body (between header and footer).
fn focus_height(lab: LabId, body_height: u16) -> u16 {
    match lab {
        LabId::Lifecycle => 3,
        LabId::Gil => gil::focus_height(body_height),
    }
}

/// Labs whose panel needs the whole width: stacked below the table at
/// every size.
fn full_width_focus(lab: LabId) -> bool {
    matches!(lab, LabId::Gil)
}

/// Whether the terminal is large enough for the side-by-side layout.
fn is_wide(area: Rect) -> bool {
    area.width >= 100 && area.height >= 30
}

pub fn layout(area: Rect, app: &App) -> AppLayout {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return AppLayout {
            area,
            too_small: true,
            ..AppLayout::default()
        };
    }
    let cores_height = cores::height(app.machine.cores.max(app.cores.cores.len()));
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let (cores, table, focus, log) = if is_wide(area) && !full_width_focus(app.lab) {
        let [top, log] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
        let [left, focus] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(44)]).areas(top);
        let [cores, table] =
            Layout::vertical([Constraint::Length(cores_height), Constraint::Fill(1)]).areas(left);
        (cores, table, focus, log)
    } else {
        let [cores, table, focus, log] = Layout::vertical([
            Constraint::Length(cores_height),
            Constraint::Fill(3),
            Constraint::Length(focus_height(app.lab, body.height)),
            Constraint::Fill(2),
        ])
        .areas(body);
        (cores, table, focus, log)
    };
    AppLayout {
        area,
        too_small: false,
        header,
        cores,
        table,
        focus,
        log,
        footer,
    }
}

/// Draws the whole screen.
pub fn render(app: &App, layout: &AppLayout, frame: &mut Frame) {
    render_buffer(app, layout, frame.buffer_mut());
}

/// Draws the whole screen into a buffer.
pub fn render_buffer(app: &App, layout: &AppLayout, buf: &mut Buffer) {
    let theme = Theme::standard();
    if layout.too_small {
        render_too_small(layout.area, &theme, buf);
        return;
    }
    header::Header { app, theme: &theme }.render(layout.header, buf);
    cores::CoresPanel {
        history: &app.cores,
        cores: app.machine.cores,
        theme: &theme,
    }
    .render(layout.cores, buf);
    let rows = app.rows();
    let selected = app.selected_index();
    workers::WorkerTable {
        rows: &rows,
        selected,
        counts: app.counts(),
        max_workers: app.settings.max_workers,
        theme: &theme,
    }
    .render(layout.table, buf);
    render_focus(
        app,
        selected.and_then(|i| rows.get(i)),
        layout.focus,
        &theme,
        buf,
    );
    log::LogPanel {
        log: &app.log,
        theme: &theme,
    }
    .render(layout.log, buf);
    footer::Footer { app, theme: &theme }.render(layout.footer, buf);
    if let Some(scroll) = app.help {
        help::Help {
            keymap: &app.keymap,
            lab: app.lab,
            scroll,
            theme: &theme,
        }
        .render(layout.area, buf);
    }
}

fn render_focus(
    app: &App,
    selected: Option<&crate::app::view::WorkerRow>,
    area: Rect,
    theme: &Theme,
    buf: &mut Buffer,
) {
    match app.lab {
        LabId::Lifecycle => lifecycle::LifecycleDiagram {
            worker: selected,
            theme,
        }
        .render(area, buf),
        LabId::Gil => gil::GilPanel { app, theme }.render(area, buf),
    }
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

/// What a mouse click at (x, y) does, given the layout that was drawn.
pub fn hit_test(app: &App, layout: &AppLayout, x: u16, y: u16) -> Option<Action> {
    if layout.too_small || app.help.is_some() {
        return None;
    }
    let t = layout.table;
    if x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height {
        let row = workers::row_at(t, app.selected_index(), app.workers.len(), y)?;
        return Some(Action::SelectRow(row));
    }
    None
}
