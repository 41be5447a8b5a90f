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
