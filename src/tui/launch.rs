//! Starting a session: the engine, the app, the threads, a terminal (or a
//! virtual screen when headless), the loop, and a total shutdown after it.

use std::io::{self, IsTerminal};
use std::time::Duration;

use anyhow::{Context, bail};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::terminal::TerminalGuard;
use super::{Ending, Session};
use crate::app::look::{Look, TerminalEnv};
use crate::app::{App, Keymap, Machine, Settings};
use crate::cli::Cli;
use crate::lab::engine::Engine;
use crate::lab::{Lab, LabConfig, SHUTDOWN_GRACE, ShutdownReport};
use crate::record::asciicast::Header;
use crate::record::notes::Notes;
use crate::record::{Recorder, TeeWriter};
use crate::script::driver::Driver;
use crate::script::lesson::Tutor;
use crate::ui::theme::Theme;

/// Everything a session needs besides the command line.
pub struct Setup {
    pub cli: Cli,
    pub keymap: Keymap,
    /// The recording's title.
    pub title: Option<String>,
    pub driver: Option<Driver>,
    pub tutor: Option<Tutor>,
    /// Run on a virtual screen of this size, with no terminal.
    pub headless: Option<(u16, u16)>,
}

impl Setup {
    pub fn new(cli: Cli) -> Setup {
        Setup {
            cli,
            keymap: Keymap::standard(),
            title: None,
            driver: None,
            tutor: None,
            headless: None,
        }
    }
}

/// How a session ended.
#[derive(Debug)]
pub struct Outcome {
    pub ending: Ending,
    pub report: ShutdownReport,
    /// Where the recording went, if there was one.
    pub recorded: Option<std::path::PathBuf>,
}

/// Runs a session to its end and stops every worker.
pub fn run(setup: Setup) -> anyhow::Result<Outcome> {
    let cli = &setup.cli;
    // The notes' file first: a bad path is said before anything starts.
    let notes = match &cli.session.log {
        Some(path) => Some(Notes::create(path, cli.session.force)?),
        None => None,
    };
    let size = match setup.headless {
        Some(size) => size,
        None => {
            if !io::stdout().is_terminal() {
                bail!(
                    "proclab draws in a terminal, and its output is not one (`play --headless` runs without one)"
                );
            }
            ratatui::crossterm::terminal::size().context("cannot read the terminal's size")?
        }
    };
    let flags = &cli.session;
    let look = Look::detect(&TerminalEnv::current(), flags.ascii);
    // Fails here, before the terminal is touched, if the path is not writable.
    let recorder = match &flags.record {
        Some(path) => {
            let colours = Theme::new(flags.theme, look).terminal_colours();
            let header = Header::new(size.0, size.1, setup.title.clone()).with_theme(
                &colours.fg,
                &colours.bg,
                &colours.palette,
            );
            Some(Recorder::create(
                path,
                header,
                flags.record_input,
                flags.force,
            )?)
        }
        None => None,
    };

    let start = cli.start_options();
    let config = LabConfig {
        max_workers: cli.max_workers as usize,
        auto_join: cli.auto_join,
        defaults: start,
        pool_items: cli.items as usize,
        ..LabConfig::new()
    };
    let mut engine = Engine::new(Lab::new(config).context("cannot start the engine")?);
    let settings = Settings {
        start,
        auto_join: cli.auto_join,
        max_workers: cli.max_workers as usize,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let startup = cli.startup(cores);
    let mut app = App::new(cli.lab, settings, Machine { cores });
    app.catalogue = crate::script::lesson::catalogue();
    app.theme = flags.theme;
    app.look = look;
    app.show_keys = flags.show_keys;
    app.keymap = setup.keymap;

    let (tx, rx) = super::channel();
    super::spawn_signals(tx.clone()).context("cannot watch for signals")?;
    let sampler = super::spawn_sampler(tx.clone(), Duration::from_millis(cli.sample_ms))
        .context("cannot start the sampler")?;
    crate::app::open(&mut app, &mut engine, &startup).map_err(anyhow::Error::msg)?;

    let mut session = Session::new(
        &mut app,
        &mut engine,
        &sampler,
        Duration::from_millis(cli.refresh_ms),
    );
    session.recorder = recorder.clone();
    session.notes = notes;
    session.screenshot_dir = flags.screenshot_dir.clone();
    session.driver = setup.driver;
    session.tutor = setup.tutor;
    session.headless = setup.headless.is_some();

    let result = match setup.headless {
        Some((w, h)) => {
            let backend = CrosstermBackend::new(TeeWriter::new(io::sink(), recorder.clone()));
            let mut terminal = Terminal::with_options(
                backend,
                TerminalOptions {
                    viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
                },
            )?;
            super::run(&mut terminal, &mut session, &rx)
        }
        None => {
            let guard =
                TerminalGuard::enter(!flags.no_mouse).context("cannot take over the terminal")?;
            super::spawn_input(tx).context("cannot read the terminal")?;
            let backend = CrosstermBackend::new(TeeWriter::new(io::stdout(), recorder.clone()));
            let mut terminal = Terminal::new(backend)?;
            let result = super::run(&mut terminal, &mut session, &rx);
            drop(terminal);
            drop(guard);
            result
        }
    };
    drop(session);
    drop(sampler);
    let report = engine.shutdown(SHUTDOWN_GRACE);
    let ending = result.context("the terminal failed")?;
    Ok(Outcome {
        ending,
        report,
        recorded: recorder.map(|r| r.path().to_path_buf()),
    })
}
