//! Drawing into ratatui's `TestBackend` for snapshot tests.

use proclab::app::App;
use proclab::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The whole proclab screen for `app`, as the terminal would show it.
pub fn screen(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let layout = ui::layout(Rect::new(0, 0, width, height), app);
    terminal.draw(|f| ui::render(app, &layout, f)).unwrap();
    terminal
}

/// One panel, drawn by `draw` into the whole area.
pub fn panel(
    width: u16,
    height: u16,
    draw: impl FnOnce(Rect, &mut Buffer),
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| draw(frame.area(), frame.buffer_mut()))
        .unwrap();
    terminal
}

/// Draws `app` with `--ascii` at 80x24 and 120x36 and checks that every
/// character on screen is ASCII, frames included.
pub fn assert_all_ascii(app: &App) {
    let mut app = app.clone();
    app.look.ascii = true;
    for (w, h) in [(80, 24), (120, 36)] {
        let term = screen(&app, w, h);
        let text: String = term
            .backend()
            .buffer()
            .content
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(
            text.is_ascii(),
            "{w}x{h}: {:?} on\n{}",
            text.chars().filter(|c| !c.is_ascii()).collect::<String>(),
            term.backend()
        );
        assert!(text.contains("+-"), "{w}x{h}: frames are +-|");
    }
}
