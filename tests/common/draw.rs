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

/// The code drawn in `style` (the theme's Python style): each run of
/// consecutive rows that hold some, as one snippet, every row from its
/// first cell in that style to its last.
pub fn styled_blocks(buf: &Buffer, style: ratatui::style::Style) -> Vec<String> {
    let area = buf.area;
    let mut blocks = Vec::new();
    let mut block: Vec<String> = Vec::new();
    for y in area.y..area.y + area.height {
        let xs: Vec<u16> = (area.x..area.x + area.width)
            .filter(|&x| buf[(x, y)].fg == style.fg.unwrap_or_default())
            .collect();
        match (xs.first(), xs.last()) {
            (Some(&a), Some(&b)) => {
                let row: String = (a..=b).map(|x| buf[(x, y)].symbol()).collect();
                block.push(row.trim_end().to_string());
            }
            _ if !block.is_empty() => blocks.push(std::mem::take(&mut block).join("\n")),
            _ => {}
        }
    }
    if !block.is_empty() {
        blocks.push(block.join("\n"));
    }
    blocks
}

/// The snippets python3's `ast.parse` rejects, each with its error.
pub fn not_python(snippets: &[String]) -> Vec<String> {
    use std::io::Write;
    const CHECK: &str = "import ast, json, sys\n\
        out = []\n\
        for code in json.load(sys.stdin):\n\
        \x20   try:\n\
        \x20       ast.parse(code)\n\
        \x20   except SyntaxError as e:\n\
        \x20       out.append(f'{e.msg}: {code!r}')\n\
        print(json.dumps(out))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", CHECK])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (apt-get install python3)");
    let input = serde_json::to_vec(snippets).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout).expect("the checker prints a JSON list")
}
