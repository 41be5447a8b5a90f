//! One frame with 1,000 workers: the loop's tick and the draw, timed
//! apart and together.

use std::time::{Duration, Instant};

use proclab::app::{self, Action, App, LabId, Machine, Settings, Startup, perform};
use proclab::lab::engine::Engine;
use proclab::lab::{Lab, LabConfig, WorkerId};
use proclab::metrics::{ProcSampler, Sample};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::common::{Stats, rounds};
use super::start::idle;
use super::{PROCLAB, SCALE, load};

/// The app and engine of `proclab --lab LAB` with `n` idle workers, and a
/// fresh sample of them, as the sampler gives it.
pub fn at_scale(lab: LabId, n: usize) -> (App, Engine) {
    let start = idle();
    let mut engine = Engine::new(
        Lab::new(LabConfig {
            max_workers: n,
            defaults: start,
            ..LabConfig::with_exe(PROCLAB)
        })
        .expect("the engine starts"),
    );
    let settings = Settings {
        start,
        auto_join: false,
        max_workers: n,
    };
    let mut app = App::new(lab, settings, Machine { cores: 2 });
    let startup = Startup {
        lab,
        workers: Some(0),
        start,
        ..Startup::default()
    };
    app::open(&mut app, &mut engine, &startup).expect("the lab opens");
    let ids: Vec<WorkerId> = (0..n)
        .map(|_| engine.lab.start_with(start).unwrap())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while ids
        .iter()
        .any(|&id| engine.lab.started_ns(id).unwrap().is_none())
    {
        assert!(Instant::now() < deadline, "the workers never all ran");
        std::thread::sleep(Duration::from_millis(10));
    }
    perform::tick(&mut app, &mut engine);
    // Two readings, so that each worker has a CPU figure.
    let mut sampler = ProcSampler::new();
    let pids = app.watched_pids();
    sampler.sample(&pids);
    std::thread::sleep(Duration::from_millis(250));
    app.on_sample(Sample {
        at: Instant::now(),
        cores: None,
        procs: sampler.sample(&pids),
        threads: Vec::new(),
    });
    (app, engine)
}

/// Times `frames` frames: the tick, then the draw. The selection moves
/// every frame so that each draw has something to change.
pub fn frames(
    app: &mut App,
    engine: &mut Engine,
    size: (u16, u16),
    frames: usize,
) -> (Stats, Stats, Stats) {
    let backend = CrosstermBackend::new(std::io::sink());
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, size.0, size.1)),
        },
    )
    .unwrap();
    let (mut ticks, mut draws, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for i in 0..frames {
        let step = if (i / 50) % 2 == 0 {
            Action::SelectPrev
        } else {
            Action::SelectNext
        };
        app::update(app, step);
        app.now = started.elapsed();
        let t0 = Instant::now();
        perform::tick(app, engine);
        let t1 = Instant::now();
        terminal
            .draw(|f| {
                let layout = proclab::ui::layout(f.area(), app);
                proclab::ui::render(app, &layout, f);
            })
            .unwrap();
        let t2 = Instant::now();
        ticks.push(t1 - t0);
        draws.push(t2 - t1);
        both.push(t2 - t0);
    }
    (Stats::of(ticks), Stats::of(draws), Stats::of(both))
}

pub fn run() {
    let n = rounds(2000);
    println!(
        "\n## One frame with {SCALE} workers, {n} frames (load {})\n",
        load()
    );
    println!(
        "| lab, terminal | tick median | tick p99 | draw median | draw p99 | frame median | frame p99 |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (lab, size) in [
        (LabId::Lifecycle, (120, 36)),
        (LabId::Lifecycle, (200, 60)),
        (LabId::Lifecycle, (80, 24)),
    ] {
        let (mut app, mut engine) = at_scale(lab, SCALE);
        let (tick, draw, frame) = frames(&mut app, &mut engine, size, n);
        let ms = |s: &Stats, q: f64| format!("{:.3} ms", s.quantile(q).as_secs_f64() * 1e3);
        println!(
            "| {}, {}x{} | {} | {} | {} | {} | {} | {} |",
            lab.name(),
            size.0,
            size.1,
            ms(&tick, 0.5),
            ms(&tick, 0.99),
            ms(&draw, 0.5),
            ms(&draw, 0.99),
            ms(&frame, 0.5),
            ms(&frame, 0.99)
        );
        engine.shutdown(proclab::lab::SHUTDOWN_GRACE);
    }
}
