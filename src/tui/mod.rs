//! The terminal side: one event loop over one [`Event`] enum, a guard that
//! always restores the terminal, and the threads that feed the loop
//! (terminal input, samples, signals).

pub mod launch;
pub mod signals;
pub mod terminal;

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{self as ct, MouseButton, MouseEventKind};

use crate::app::log::Level;
use crate::app::{self, Action, App, Effect, Key, narrate, perform};
use crate::lab::engine::Engine;
use crate::metrics::{Sample, Sampler};
use crate::record::notes::Notes;
use crate::record::{Recorder, screenshot};
use crate::script::driver::{Driver, Progress, Stage};
use crate::script::lesson::{Tutor, TutorEvent};
use crate::ui::{self, AppLayout};

/// Everything that can wake the loop.
#[derive(Debug)]
pub enum Event {
    Input(ct::Event),
    Sample(Sample),
    /// A signal that would end proclab arrived (see [`signals`]).
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

/// Starts the thread that turns every signal that would end proclab into
/// an event, so that each ends it the same clean way `q` does.
pub fn spawn_signals(tx: Sender<Event>) -> std::io::Result<()> {
    signals::spawn(tx)
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
    pub recorder: Option<Recorder>,
    /// Where `S` saves screenshots.
    pub screenshot_dir: PathBuf,
    /// The layout of the last frame drawn.
    pub layout: AppLayout,
    /// A script playing itself (a scenario, or a lesson run headless).
    pub driver: Option<Driver>,
    /// A lesson being followed.
    pub tutor: Option<Tutor>,
    /// How long the screen stays after a script has finished.
    pub linger: Duration,
    /// Why the loop ended, once it has.
    pub ending: Option<Ending>,
    /// Drawing on a virtual screen, with no terminal: nothing can be
    /// started that needs one (a lesson).
    pub headless: bool,
    /// `--log FILE`: every log line written as it happens.
    pub notes: Option<Notes>,
}

/// Why the event loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// q, Ctrl-C, or the terminal going away.
    Quit,
    /// A signal that would have ended proclab (SIGTERM, SIGUSR1, ...).
    Signal(i32),
    /// A lesson was chosen in the menu: start it afresh.
    Lesson(&'static str),
    /// The script played to its end.
    ScriptDone,
    /// A step of the script failed.
    ScriptFailed(String),
}

impl Stage for Session<'_> {
    fn app(&self) -> &App {
        self.app
    }

    fn press(&mut self, key: Key) {
        Session::press(self, key);
    }

    fn caption(&mut self, text: Option<String>) {
        self.app.caption = text;
    }

    fn marker(&mut self, label: &str) {
        if let Some(rec) = &self.recorder {
            rec.marker(label);
        }
    }

    fn acknowledged(&mut self) -> bool {
        std::mem::take(&mut self.app.lesson_ack)
    }

    fn run_example(&mut self, example: &'static str) {
        self.act(Action::RunExampleNamed(example));
    }
}

impl<'a> Session<'a> {
    /// A session with nothing scripted, no recording, screenshots saved here.
    pub fn new(
        app: &'a mut App,
        engine: &'a mut Engine,
        sampler: &'a Sampler,
        refresh: Duration,
    ) -> Session<'a> {
        Session {
            app,
            engine,
            sampler,
            started: Instant::now(),
            refresh,
            recorder: None,
            screenshot_dir: PathBuf::from("."),
            layout: AppLayout::default(),
            driver: None,
            tutor: None,
            linger: Duration::from_secs(1),
            ending: None,
            headless: false,
            notes: None,
        }
    }
}

impl Session<'_> {
    /// Plays the script and follows the lesson; returns whether the screen
    /// changed.
    fn follow(&mut self, script_done_at: &mut Option<Instant>) -> bool {
        let now = Instant::now();
        let mut changed = false;
        if let Some(mut driver) = self.driver.take() {
            let before = (self.app.caption.clone(), driver.position());
            match driver.poll(self, now) {
                Progress::Running => {}
                Progress::Done => {
                    let done_at = *script_done_at.get_or_insert(now);
                    if now.duration_since(done_at) >= self.linger {
                        self.ending = Some(Ending::ScriptDone);
                        self.app.quitting = true;
                    }
                }
                Progress::Failed(why) => {
                    self.ending = Some(Ending::ScriptFailed(why));
                    self.app.quitting = true;
                }
            }
            changed |= before != (self.app.caption.clone(), driver.position());
            self.driver = Some(driver);
        }
        if let Some(mut tutor) = self.tutor.take() {
            self.app.now = self.started.elapsed();
            match tutor.poll(self, now) {
                Some(TutorEvent::Passed(n)) => {
                    self.marker(&format!("step {n} done"));
                    let total = tutor.lesson().steps.len();
                    self.app.say(narrate::Line {
                        python: None,
                        text: format!("lesson step {n} of {total} done"),
                        level: Level::Note,
                    });
                }
                Some(TutorEvent::Finished) => {
                    self.marker("lesson finished");
                    let title = tutor.lesson().title.clone();
                    self.app.say(narrate::Line {
                        python: None,
                        text: format!("lesson finished: {title}. L for another, q to quit"),
                        level: Level::Note,
                    });
                    *script_done_at = Some(now);
                }
                Some(TutorEvent::Failed(why)) => {
                    self.ending = Some(Ending::ScriptFailed(why));
                    self.app.quitting = true;
                }
                None => {}
            }
            let view = tutor.view();
            if view.finished && tutor.autoplay() {
                let done_at = *script_done_at.get_or_insert(now);
                if now.duration_since(done_at) >= self.linger {
                    self.ending.get_or_insert(Ending::ScriptDone);
                    self.app.quitting = true;
                }
            }
            if self.app.lesson.as_ref() != Some(&view) {
                self.app.lesson = Some(view);
                changed = true;
            }
            self.tutor = Some(tutor);
        }
        changed
    }

    /// Carries out an action: update, then the effects it asks for.
    pub fn act(&mut self, action: Action) {
        self.app.now = self.started.elapsed();
        let effects = app::update(self.app, action);
        let mut touched_workers = false;
        for effect in effects {
            match effect {
                Effect::Quit => {}
                Effect::Screenshot => self.screenshot(),
                Effect::StartLesson(_) if self.headless => {
                    self.app.quitting = false;
                    self.refuse_lessons();
                }
                Effect::StartLesson(name) => self.ending = Some(Ending::Lesson(name)),
                other => {
                    touched_workers = true;
                    perform::perform(self.app, self.engine, other);
                }
            }
        }
        if touched_workers {
            self.watch();
            self.sampler.poke();
        }
    }

    /// A key press: its action, noted for the keystroke overlay and, if
    /// asked, recorded as input.
    pub fn press(&mut self, key: Key) {
        if let Some(rec) = &self.recorder {
            rec.input(&key_bytes(&key));
        }
        let Some(action) = self
            .app
            .keymap
            .lookup(key, self.app.lab, self.app.overlay())
        else {
            return;
        };
        if self.headless && action == Action::Lessons {
            self.refuse_lessons();
            return;
        }
        let mut caption = self.app.key_caption(action);
        self.act(action);
        if let (Action::Spawn, Some(id)) = (action, self.app.selected) {
            caption = format!("start worker {id}");
        }
        if action != Action::ToggleKeys {
            self.app.note_key(&key, caption);
        }
    }

    /// A lesson restarts proclab in a terminal of its own, which a headless
    /// run does not have: the key is refused, and the run goes on.
    fn refuse_lessons(&mut self) {
        self.app.say(narrate::Line {
            python: None,
            text: "lessons cannot be opened from a headless run: \
                   run one with proclab lesson NAME --headless"
                .into(),
            level: Level::Error,
        });
    }

    /// Draws the current state into a buffer the size of the last frame and
    /// saves it as SVG and text.
    fn screenshot(&mut self) {
        let mut buf = Buffer::empty(self.layout.area);
        ui::render_buffer(self.app, &self.layout, &mut buf);
        let line = match screenshot::save(&buf, &self.screenshot_dir) {
            Ok(path) => narrate::Line {
                python: None,
                text: format!("screenshot saved: {} (and .txt)", path.display()),
                level: Level::Info,
            },
            Err(e) => narrate::Line {
                python: None,
                text: format!(
                    "cannot save a screenshot in {}: {e}",
                    self.screenshot_dir.display()
                ),
                level: Level::Error,
            },
        };
        self.app.say(line);
    }

    /// Writes the log's new lines to `--log`'s file; one that can no
    /// longer be written is said in the log, once.
    fn write_notes(&mut self) {
        let Some(notes) = &mut self.notes else {
            return;
        };
        if let Some(failure) = notes.follow(&self.app.log) {
            self.app.say(narrate::Line {
                python: None,
                text: failure,
                level: Level::Error,
            });
        }
    }

    /// Reports a recording that had to stop; returns whether it did.
    fn check_recording(&mut self) -> bool {
        let Some(failure) = self.recorder.as_ref().and_then(|r| r.take_failure()) else {
            return false;
        };
        self.app.say(narrate::Line {
            python: None,
            text: failure,
            level: Level::Error,
        });
        true
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
    pub fn input(&mut self, ev: ct::Event) -> bool {
        let layout = self.layout;
        match ev {
            ct::Event::Key(key) => {
                let Some(key) = Key::from_event(&key) else {
                    return false;
                };
                self.press(key);
                true
            }
            ct::Event::Mouse(m) => {
                let action = match m.kind {
                    MouseEventKind::Down(MouseButton::Left) => {
                        ui::hit_test(self.app, &layout, m.column, m.row)
                    }
                    MouseEventKind::ScrollUp if self.app.overlay().is_some() => {
                        Some(Action::ScrollUp)
                    }
                    MouseEventKind::ScrollDown if self.app.overlay().is_some() => {
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
            ct::Event::Resize(w, h) => {
                if let Some(rec) = &self.recorder {
                    rec.resize(w, h);
                }
                true
            }
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
) -> Result<Ending, B::Error> {
    let mut redraw_now = true;
    let mut redraw_at_tick = false;
    // The engine is looked at every tick; the screen is redrawn at most once
    // a frame. Ticks come faster than frames while a lab has work that must
    // not wait (a pool replacing a retired worker).
    let mut next_tick = Instant::now() + session.refresh;
    let mut next_frame = next_tick;
    let mut script_done_at = None;
    session.tick();
    session.watch();
    loop {
        redraw_now |= session.follow(&mut script_done_at);
        session.write_notes();
        if redraw_now {
            terminal.draw(|f| {
                session.layout = ui::layout(f.area(), session.app);
                ui::render(session.app, &session.layout, f);
            })?;
            // A page of the log, for the keys that scroll it.
            session.app.log_rows = session.layout.log.height.saturating_sub(2);
            redraw_now = session.check_recording();
            redraw_at_tick = false;
            if redraw_now {
                continue;
            }
        }
        if session.app.quitting {
            session.write_notes();
            return Ok(session.ending.take().unwrap_or(Ending::Quit));
        }
        let wait = next_tick.saturating_duration_since(Instant::now());
        match events.recv_timeout(wait) {
            Ok(Event::Input(ev)) => redraw_now |= session.input(ev),
            Ok(Event::Sample(sample)) => {
                session.app.on_sample(sample);
                redraw_at_tick = true;
            }
            Ok(Event::Signal(sig)) => {
                session.app.quitting = true;
                session.ending = Some(Ending::Signal(sig));
            }
            Err(RecvTimeoutError::Timeout) => {
                redraw_at_tick |= session.tick();
                // The keystroke overlay fades keys out as time passes.
                redraw_at_tick |= session.app.show_keys && !session.app.recent_keys.is_empty();
                let now = Instant::now();
                if now >= next_frame {
                    redraw_now = redraw_at_tick;
                    next_frame += session.refresh;
                    if next_frame < now {
                        next_frame = now + session.refresh;
                    }
                }
                let period = if session.engine.busy() {
                    BUSY_TICK.min(session.refresh)
                } else {
                    session.refresh
                };
                next_tick = (now + period).min(next_frame);
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(Ending::Quit),
        }
    }
}

/// How often the engine is looked at while it is busy.
const BUSY_TICK: Duration = Duration::from_millis(10);

/// A channel for the loop's events.
pub fn channel() -> (Sender<Event>, Receiver<Event>) {
    mpsc::channel()
}

/// The bytes a terminal sends for a key, for recorded input events.
pub fn key_bytes(key: &Key) -> String {
    use ratatui::crossterm::event::KeyCode;
    if let (true, KeyCode::Char(c)) = (key.ctrl, key.code) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() {
            return char::from(c as u8 - b'a' + 1).to_string();
        }
    }
    match key.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "\r".into(),
        KeyCode::Tab => "\t".into(),
        KeyCode::BackTab => "\x1b[Z".into(),
        KeyCode::Esc => "\x1b".into(),
        KeyCode::Backspace => "\x7f".into(),
        KeyCode::Up => "\x1b[A".into(),
        KeyCode::Down => "\x1b[B".into(),
        KeyCode::Right => "\x1b[C".into(),
        KeyCode::Left => "\x1b[D".into(),
        KeyCode::Home => "\x1b[H".into(),
        KeyCode::End => "\x1b[F".into(),
        KeyCode::PageUp => "\x1b[5~".into(),
        KeyCode::PageDown => "\x1b[6~".into(),
        KeyCode::Delete => "\x1b[3~".into(),
        _ => String::new(),
    }
}
