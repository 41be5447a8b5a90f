//! The terminal side: one event loop over one [`Event`] enum, a guard that
//! always restores the terminal, and the threads that feed the loop
//! (terminal input, samples, signals).

pub mod terminal;

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self as ct, MouseButton, MouseEventKind};
use ratatui::layout::Rect;

use crate::app::{self, Action, App, Effect, Key, perform};
use crate::lab::engine::Engine;
use crate::metrics::{Sample, Sampler};
use crate::ui::{self, AppLayout};

/// Everything that can wake the loop.
#[derive(Debug)]
pub enum Event {
    Input(ct::Event),
    Sample(Sample),
    /// SIGTERM, SIGHUP or SIGINT arrived.
    Signal(i32),
}

/// Starts the thread that reads terminal input into the loop's channel.
pub fn spawn_input(tx: Sender<Event>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("proclab-input".into())
        .spawn(move || {
            while let Ok(ev) = ct::read() {
                if tx.send(Event::Input(ev)).is_err() {
                    break;
                }
            }
        })?;
    Ok(())
}

/// Starts the thread that turns SIGTERM, SIGHUP and SIGINT into events, so
/// they end proclab the same clean way `q` does.
pub fn spawn_signals(tx: Sender<Event>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    std::thread::Builder::new()
        .name("proclab-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if tx.send(Event::Signal(sig)).is_err() {
                    break;
                }
            }
        })?;
    Ok(())
}

/// Starts the sampler, sending its samples into the loop's channel.
pub fn spawn_sampler(tx: Sender<Event>, interval: Duration) -> std::io::Result<Sampler> {
    Sampler::spawn(interval, move |s| tx.send(Event::Sample(s)).is_ok())
}

/// The state the loop works on.
pub struct Session<'a> {
    pub app: &'a mut App,
    pub engine: &'a mut Engine,
    pub sampler: &'a Sampler,
    pub started: Instant,
    pub refresh: Duration,
}

impl Session<'_> {
    /// Carries out an action: update, then the effects it asks for.
    pub fn act(&mut self, action: Action) {
        self.app.now = self.started.elapsed();
        let effects = app::update(self.app, action);
        let touched_workers = effects.iter().any(|e| *e != Effect::Quit);
        for effect in effects {
            perform::perform(self.app, self.engine, effect);
        }
        if touched_workers {
            self.watch();
            self.sampler.poke();
        }
    }

    /// Looks at the engine; returns whether the screen needs redrawing.
    pub fn tick(&mut self) -> bool {
        self.app.now = self.started.elapsed();
        let changed = perform::tick(self.app, self.engine);
        if changed {
            self.watch();
        }
        changed
    }

    fn watch(&self) {
        *self.sampler.watched().lock() = self.app.watched_pids();
    }

    /// Turns one terminal event into actions; returns whether to redraw.
    pub fn input(&mut self, ev: ct::Event, layout: &AppLayout) -> bool {
        match ev {
            ct::Event::Key(key) => {
                let Some(key) = Key::from_event(&key) else {
                    return false;
                };
                if let Some(action) =
                    self.app
                        .keymap
                        .lookup(key, self.app.lab, self.app.help.is_some())
                {
                    self.act(action);
                }
                true
            }
            ct::Event::Mouse(m) => {
                let action = match m.kind {
                    MouseEventKind::Down(MouseButton::Left) => {
                        ui::hit_test(self.app, layout, m.column, m.row)
                    }
                    MouseEventKind::ScrollUp if self.app.help.is_some() => Some(Action::ScrollUp),
                    MouseEventKind::ScrollDown if self.app.help.is_some() => {
                        Some(Action::ScrollDown)
                    }
                    MouseEventKind::ScrollUp => Some(Action::SelectPrev),
                    MouseEventKind::ScrollDown => Some(Action::SelectNext),
                    _ => None,
                };
                match action {
                    Some(a) => {
                        self.act(a);
                        true
                    }
                    None => false,
                }
            }
            ct::Event::Resize(..) => true,
            _ => false,
        }
    }
}

/// Runs the loop until the user quits or a signal asks proclab to stop.
///
/// Input is drawn at once; samples and engine changes are drawn at the next
/// tick, so the screen is redrawn at most every `refresh` for them and not
/// at all when nothing changed.
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    session: &mut Session<'_>,
    events: &Receiver<Event>,
) -> Result<(), B::Error> {
    let mut layout = AppLayout::default();
    let mut redraw_now = true;
    let mut redraw_at_tick = false;
    let mut next_tick = Instant::now() + session.refresh;
    session.tick();
    session.watch();
    loop {
        if redraw_now {
            let size = terminal.size()?;
            layout = ui::layout(Rect::new(0, 0, size.width, size.height), session.app);
            terminal.draw(|f| ui::render(session.app, &layout, f))?;
            redraw_now = false;
            redraw_at_tick = false;
        }
        if session.app.quitting {
            return Ok(());
        }
        let wait = next_tick.saturating_duration_since(Instant::now());
        match events.recv_timeout(wait) {
            Ok(Event::Input(ev)) => redraw_now |= session.input(ev, &layout),
            Ok(Event::Sample(sample)) => {
                session.app.on_sample(sample);
                redraw_at_tick = true;
            }
            Ok(Event::Signal(_)) => session.app.quitting = true,
            Err(RecvTimeoutError::Timeout) => {
                redraw_at_tick |= session.tick();
                redraw_now = redraw_at_tick;
                next_tick += session.refresh;
                let now = Instant::now();
                if next_tick < now {
                    next_tick = now + session.refresh;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

/// A channel for the loop's events.
pub fn channel() -> (Sender<Event>, Receiver<Event>) {
    mpsc::channel()
}
