//! proclab's entry point: a worker if re-executed as one; otherwise the lab,
//! a scripted demo, a lesson, the config, or the shell completions and the
//! manual page.
//!
//! Exit status: 0 after quitting, 1 when something failed (a scenario step,
//! a file that cannot be read), 2 for a bad flag or config file, and
//! 128 + N after signal N asked proclab to stop (130 for SIGINT, 143 for
//! SIGTERM), as a shell reports a program that signal ended.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use proclab::app::Keymap;
use proclab::cli::{Cli, Command, ConfigArgs, LessonArgs, PlayArgs, SessionArgs};
use proclab::config::{self, ConfigError, Loaded};
use proclab::lab::ShutdownReport;
use proclab::script::lesson::{Lesson, Tutor};
use proclab::script::scenario::{self, Scenario, check_args};
use proclab::tui::Ending;
use proclab::tui::launch::{self, Setup};

fn main() -> ExitCode {
    proclab::lab::worker::run_if_worker();
    // Before the flags are checked: --max-workers is bound by the limit.
    proclab::limits::raise_open_files();
    let args: Vec<OsString> = std::env::args_os().collect();
    let loaded = match config::load(&args) {
        Ok(loaded) => loaded,
        Err(ConfigError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("proclab: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match loaded.cli.command.clone() {
        None => lab(&loaded),
        Some(Command::Race(race)) => Ok(proclab::cmd::race::main(&race)),
        Some(Command::Play(play)) => play_scenario(&loaded, &play),
        Some(Command::Lesson(lesson)) => lesson_cmd(&loaded, &lesson),
        Some(Command::Config(c)) => config_cmd(&c),
        Some(Command::Completions(c)) => {
            proclab::cmd::docs::completions(c.shell, &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => proclab::cmd::docs::man(&mut std::io::stdout())
            .map(|()| ExitCode::SUCCESS)
            .map_err(anyhow::Error::from),
        Some(Command::Doctor) => Ok(proclab::cmd::doctor::main()),
        Some(Command::Run(_) | Command::Attach(_)) => watch(&loaded),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("proclab: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The keymap, with the config file's overrides.
fn keymap(loaded: &Loaded) -> anyhow::Result<Keymap> {
    let mut keymap = Keymap::standard();
    config::apply_keys(&mut keymap, &loaded.keys)?;
    Ok(keymap)
}

fn lab(loaded: &Loaded) -> anyhow::Result<ExitCode> {
    let mut setup = Setup::new(loaded.cli.clone());
    setup.keymap = keymap(loaded)?;
    setup.title = Some("proclab".into());
    finish(loaded, launch::run(setup)?)
}

/// `proclab run` and `proclab attach`: the program is checked (a script
/// that is not there, a pid that is not running) before the terminal is
/// touched, and started or attached to as the session opens.
fn watch(loaded: &Loaded) -> anyhow::Result<ExitCode> {
    let mut setup = Setup::new(loaded.cli.for_watching()?);
    setup.keymap = keymap(loaded)?;
    setup.title = Some("proclab".into());
    finish(loaded, launch::run(setup)?)
}

/// What a session's end means for the process: a summary, an exit code, or
/// a fresh start on a lesson.
fn finish(loaded: &Loaded, outcome: launch::Outcome) -> anyhow::Result<ExitCode> {
    summary(&outcome.report);
    if let Some(path) = &outcome.recorded {
        say(format_args!(
            "proclab: recording written to {}",
            path.display()
        ));
    }
    match outcome.ending {
        Ending::Quit | Ending::ScriptDone => Ok(ExitCode::SUCCESS),
        Ending::Signal(sig) => {
            eprintln!("proclab: ended by {}", proclab::tui::signals::name(sig));
            Ok(ExitCode::from(proclab::tui::signals::exit_status(sig)))
        }
        Ending::ScriptFailed(why) => {
            eprintln!("proclab: {why}");
            Ok(ExitCode::FAILURE)
        }
        Ending::Lesson(name) => Err(restart_on_lesson(loaded, name)),
    }
}

/// A line on stdout after the session. The terminal may be gone by then
/// (SIGHUP) or stdout a closed pipe: a line nobody can read is dropped
/// rather than turned into a panic.
fn say(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn summary(report: &ShutdownReport) {
    let joined = report.joined;
    if joined > 0 {
        let ended = joined.saturating_sub(report.terminated + report.killed);
        let mut how = vec![
            format!("{} terminated", report.terminated),
            format!("{} killed", report.killed),
        ];
        if ended > 0 {
            how.push(format!("{ended} already ended"));
        }
        say(format_args!(
            "proclab: {joined} worker{} joined ({}); none left behind.",
            if joined == 1 { "" } else { "s" },
            how.join(", ")
        ));
    }
}

/// Replaces this process with `proclab lesson NAME`, keeping the flags that
/// apply everywhere, so the lesson starts from its own clean setup.
fn restart_on_lesson(loaded: &Loaded, name: &str) -> anyhow::Error {
    let cli = &loaded.cli.session;
    let mut args: Vec<OsString> = vec!["lesson".into(), name.into()];
    if let Some(theme) = cli.theme.to_possible_value() {
        args.push("--theme".into());
        args.push(theme.get_name().into());
    }
    for (on, flag) in [
        (cli.show_keys, "--show-keys"),
        (cli.ascii, "--ascii"),
        (cli.no_mouse, "--no-mouse"),
    ] {
        if on {
            args.push(flag.into());
        }
    }
    args.push("--screenshot-dir".into());
    args.push(cli.screenshot_dir.clone().into());
    if let Some(config) = &cli.config {
        args.push("--config".into());
        args.push(config.clone().into());
    }
    // A new file beside the first, so the first is kept; the name is
    // proclab's choice, so a taken one gives way to the next.
    let beside = |first: &Path, ext: &str| {
        let stem = first
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("proclab");
        (1..)
            .map(|n| match n {
                1 => first.with_file_name(format!("{stem}-{name}.{ext}")),
                n => first.with_file_name(format!("{stem}-{name}-{n}.{ext}")),
            })
            .find(|p| cli.force || std::fs::symlink_metadata(p).is_err())
            .unwrap_or_default()
    };
    if let Some(record) = &cli.record {
        args.push("--record".into());
        args.push(beside(record, "cast").into());
        if cli.record_input {
            args.push("--record-input".into());
        }
    }
    if let Some(log) = &cli.log {
        args.push("--log".into());
        args.push(beside(log, "log").into());
    }
    if cli.force && (cli.record.is_some() || cli.log.is_some()) {
        args.push("--force".into());
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| "proclab".into());
    let err = std::process::Command::new(exe).args(args).exec();
    anyhow::Error::new(err).context(format!("cannot start the lesson {name}"))
}

/// The command line for a scenario or lesson: its own flags, with the
/// session's (theme, recording, keys overlay...) from ours.
fn with_globals(own: Cli, loaded: &Loaded) -> Cli {
    let session = &loaded.cli.session;
    Cli {
        session: SessionArgs {
            show_keys: session.show_keys || own.session.show_keys,
            ..session.clone()
        },
        command: None,
        ..own
    }
}

fn play_scenario(loaded: &Loaded, play: &PlayArgs) -> anyhow::Result<ExitCode> {
    let Some(name) = &play.scenario else {
        println!("Scenarios (proclab play NAME, or a file: proclab play path/to/demo.toml):\n");
        for (name, _) in scenario::BUILT_IN {
            let title = Scenario::find(name)
                .ok()
                .and_then(|s| s.settings.title)
                .unwrap_or_default();
            println!("  {name:<12} {title}");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let scenario = Scenario::find(name).map_err(anyhow::Error::msg)?;
    let s = &scenario.settings;
    let own = check_args(&s.args).map_err(anyhow::Error::msg)?;
    let mut cli = with_globals(own, loaded);
    if let Some(theme) = s.theme {
        cli.session.theme = theme;
    }
    let mut setup = Setup::new(cli);
    setup.title = s.title.clone().or_else(|| Some(title_of(&scenario.path)));
    setup.driver = Some(proclab::script::driver::Driver::new(
        scenario.path.display().to_string(),
        scenario.steps.clone(),
        s.speed * play.speed,
    ));
    if play.headless {
        setup.headless = Some((s.width, s.height));
    }
    finish(loaded, launch::run(setup)?)
}

fn title_of(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("proclab")
        .to_string()
}

fn lesson_cmd(loaded: &Loaded, args: &LessonArgs) -> anyhow::Result<ExitCode> {
    let Some(name) = &args.name else {
        println!("Lessons (proclab lesson NAME):\n");
        for lesson in Lesson::all() {
            println!("  {:<12} {}", lesson.name, lesson.title);
            println!("  {:<12} {}\n", "", lesson.summary);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let lesson = Lesson::find(name).map_err(anyhow::Error::msg)?;
    let own = check_args(&lesson.args).map_err(anyhow::Error::msg)?;
    let mut setup = Setup::new(with_globals(own, loaded));
    setup.title = Some(format!("proclab lesson: {}", lesson.title));
    if args.headless {
        setup.headless = Some((100, 30));
    }
    setup.tutor = Some(Tutor::new(lesson, args.headless).with_speed(args.speed));
    finish(loaded, launch::run(setup)?)
}

fn config_cmd(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    if args.path {
        // Read in this order, each winning over the one before.
        let places = config::Places::current();
        let state = |p: &Path| if p.exists() { "" } else { "  (none)" };
        let system = places
            .system_file()
            .or(places.system.first().map(|p| p.as_path()));
        if let Some(p) = system {
            println!("system: {}{}", p.display(), state(p));
        }
        match &places.user {
            Some(p) => println!("user:   {}{}", p.display(), state(p)),
            None => println!("user:   (no home directory: use --config FILE)"),
        }
    }
    if args.print_default || !args.path {
        print!("{}", config::default_text());
    }
    Ok(ExitCode::SUCCESS)
}
