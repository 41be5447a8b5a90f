//! proclab's entry point: a worker if re-executed as one, the lab otherwise.

use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use proclab::app::{App, Effect, LabId, Machine, Settings, perform};
use proclab::cli::{Cli, Command};
use proclab::lab::engine::Engine;
use proclab::lab::{Lab, LabConfig, Role, SHUTDOWN_GRACE, ShutdownReport, StartOptions};
use proclab::tui::{self, Session, terminal::TerminalGuard};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

fn main() -> ExitCode {
    proclab::lab::worker::run_if_worker();
    let cli = Cli::parse_checked();
    if let Some(Command::Race(args)) = &cli.command {
        return proclab::cmd::race::main(args);
    }
    match run(&cli) {
        Ok(report) => {
            let stopped = report.joined;
            if stopped > 0 {
                println!(
                    "proclab: {stopped} worker{} stopped ({} terminated, {} killed) and joined; none left behind.",
                    if stopped == 1 { "" } else { "s" },
                    report.terminated,
                    report.killed
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("proclab: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ShutdownReport> {
    if !io::stdout().is_terminal() {
        bail!("proclab draws in a terminal, and its output is not one");
    }
    let start = StartOptions {
        role: Role::Tasks,
        workload: cli.workload,
        tasks: cli.tasks,
        task_ms: cli.task_ms,
        daemon: cli.daemon,
    };
    let config = LabConfig {
        max_workers: cli.max_workers as usize,
        auto_join: cli.auto_join,
        defaults: start,
        ..LabConfig::new()
    };
    let mut engine = Engine::new(Lab::new(config).context("cannot start the engine")?);
    let settings = Settings {
        start,
        auto_join: cli.auto_join,
        max_workers: cli.max_workers as usize,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut app = App::new(cli.lab, settings, Machine { cores });
    app.gil = proclab::app::gil::configured(cli);

    let (tx, rx) = tui::channel();
    tui::spawn_signals(tx.clone()).context("cannot watch for signals")?;
    let sampler = tui::spawn_sampler(tx.clone(), Duration::from_millis(cli.sample_ms))
        .context("cannot start the sampler")?;
    let gil_workers = if cli.lab == LabId::Gil {
        cli.workers
    } else {
        0
    };
    proclab::app::gil::startup(&mut app, &mut engine, gil_workers);
    for _ in 0..cli.workers - gil_workers {
        perform::perform(&mut app, &mut engine, Effect::Start(start));
    }

    let result = {
        let guard = TerminalGuard::enter().context("cannot take over the terminal")?;
        tui::spawn_input(tx).context("cannot read the terminal")?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        let mut session = Session {
            app: &mut app,
            engine: &mut engine,
            sampler: &sampler,
            started: Instant::now(),
            refresh: Duration::from_millis(cli.refresh_ms),
        };
        let result = tui::run(&mut terminal, &mut session, &rx);
        drop(terminal);
        drop(guard);
        result
    };
    drop(sampler);
    let report = engine.shutdown(SHUTDOWN_GRACE);
    result.context("the terminal failed")?;
    Ok(report)
}
