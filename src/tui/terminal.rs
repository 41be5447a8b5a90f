//! Taking over the terminal and always giving it back: a drop guard for the
//! normal path, and a panic hook for the other one.
//!
//! proclab honours `NO_COLOR` itself, with a theme of no colour. crossterm
//! would honour it too, by writing `ESC[;m` where a colour was asked for:
//! a reset that takes the bold and reverse set just before with it (the
//! selected worker's row would lose its highlight part of the way along).
//! So crossterm is told to write colours as asked, and none is asked.

use std::io::{self, Write};

use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::style::force_color_output;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Raw mode, the alternate screen and (unless `--no-mouse`) mouse capture
/// while it lives.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Takes over the terminal, capturing the mouse if `mouse`, and installs
    /// a panic hook that gives it back before the panic message is printed.
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        force_color_output(true);
        enable_raw_mode()?;
        let guard = TerminalGuard { _private: () };
        execute!(io::stdout(), EnterAlternateScreen, Hide)?;
        if mouse {
            execute!(io::stdout(), EnableMouseCapture)?;
        }
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as it was. Safe to call more than once, and on a
/// terminal that has gone away (errors are ignored: there is nobody to tell).
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
