//! Lessons: a concept walked through in steps. Each step has a caption to
//! read, the Python it corresponds to, the keys to press, and a check that
//! the student did it. Lessons are data (`assets/lessons/*.toml`), built
//! into the binary so `proclab lesson NAME` works from anywhere.
//!
//! ```toml
//! title = "The life of a process"
//! summary = "One line for the lessons menu."
//! args = ["--workers", "0"]        # proclab's flags for this lesson
//!
//! [[step]]
//! caption = "What to notice, in a sentence or two."
//! python = "p = Process(target=clean_order)\np.start()"
//! keys = "s"                       # what to press (shown, and pressed headless);
//!                                  # leave it out for a step that only watches
//! check = "workers >= 1"           # a condition, as in scenarios
//! run = "forgotten_join.py"        # optional: a course example the step
//!                                  # runs in the Run view as it begins
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use toml::Spanned;

use super::condition::Condition;
use super::driver::{KEY_GAP, Stage};
use super::scenario::{FileError, check_args, line_at, parse_keys, parse_toml};
use crate::app::LessonView;
use crate::app::keymap::Key;
use ratatui::crossterm::event::KeyCode;

/// The lessons built into proclab: name and text.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "lifecycle",
        include_str!("../../assets/lessons/lifecycle.toml"),
    ),
    ("threads", include_str!("../../assets/lessons/threads.toml")),
    ("queue", include_str!("../../assets/lessons/queue.toml")),
    ("counter", include_str!("../../assets/lessons/counter.toml")),
    ("locks", include_str!("../../assets/lessons/locks.toml")),
    ("pipe", include_str!("../../assets/lessons/pipe.toml")),
    (
        "pipeline",
        include_str!("../../assets/lessons/pipeline.toml"),
    ),
    ("pool", include_str!("../../assets/lessons/pool.toml")),
    (
        "start-methods",
        include_str!("../../assets/lessons/start-methods.toml"),
    ),
    (
        "pickling",
        include_str!("../../assets/lessons/pickling.toml"),
    ),
    (
        "condition",
        include_str!("../../assets/lessons/condition.toml"),
    ),
    ("rlock", include_str!("../../assets/lessons/rlock.toml")),
    (
        "shared-state",
        include_str!("../../assets/lessons/shared-state.toml"),
    ),
    (
        "pool-api",
        include_str!("../../assets/lessons/pool-api.toml"),
    ),
    (
        "scale-out",
        include_str!("../../assets/lessons/scale-out.toml"),
    ),
];

/// How long a passed step stays on screen before the next one, when it
/// does not wait for Enter (autoplay, and steps that only watch).
pub const PASSED_FOR: Duration = Duration::from_millis(1500);
/// How long a headless run waits for a step's check: long enough for a
/// race on a busy machine (a race is CPU-bound work, slowed by whatever
/// else runs), short enough to say so when a step can never pass.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    title: String,
    summary: String,
    args: Option<Spanned<Vec<String>>>,
    step: Vec<Spanned<StepFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    caption: String,
    python: String,
    /// Empty for a step that only asks to watch.
    #[serde(default)]
    keys: String,
    check: String,
    /// A course example to run as the step begins.
    #[serde(default)]
    run: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LessonStep {
    pub caption: String,
    pub python: String,
    pub keys: Vec<Key>,
    /// The keys as written, shown to the student.
    pub keys_text: String,
    pub check: Condition,
    pub check_text: String,
    /// The course example (`examples/python/`) the step runs as it begins.
    pub run: Option<&'static str>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub name: String,
    pub title: String,
    pub summary: String,
    pub args: Vec<String>,
    pub steps: Vec<LessonStep>,
}

impl Lesson {
    /// A built-in lesson by name, or a lesson file by path (ending in .toml).
    pub fn find(name: &str) -> Result<Lesson, String> {
        if name.ends_with(".toml") {
            let text = super::limits::read(Path::new(name)).map_err(|e| e.to_string())?;
            let stem = Path::new(name)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(name);
            return Lesson::parse(stem, name, &text).map_err(|e| e.to_string());
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Lesson::parse(n, &format!("assets/lessons/{n}.toml"), text)
                .map_err(|e| e.to_string()),
            None => Err(format!(
                "no lesson {name:?}; lessons are {}",
                BUILT_IN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    pub fn parse(name: &str, path: &str, text: &str) -> Result<Lesson, FileError> {
        let err = |line: usize, message: String| FileError {
            path: path.to_string(),
            line,
            message,
        };
        super::limits::check_text(path, text)?;
        let file: File = parse_toml(path, text)?;
        let lines = super::limits::Lines::new(text);
        super::limits::check_steps(path, file.step.len(), || {
            lines.at(file.step[super::limits::MAX_STEPS].span().start)
        })?;
        let (args_line, args) = match file.args {
            Some(a) => (line_at(text, a.span().start), a.into_inner()),
            None => (1, Vec::new()),
        };
        let cli = check_args(&args).map_err(|m| err(args_line, format!("args: {m}")))?;
        let mut steps = Vec::new();
        for spanned in file.step {
            let line = lines.at(spanned.span().start);
            let s = spanned.into_inner();
            let keys = if s.keys.trim().is_empty() {
                Vec::new()
            } else {
                parse_keys(&s.keys).map_err(|m| err(line, m))?
            };
            let check = Condition::parse(&s.check).map_err(|m| err(line, format!("check: {m}")))?;
            if let Some(why) = check.impossible(cli.max_workers as usize, cli.comms.capacity) {
                return Err(err(
                    line,
                    format!("check {:?} can never hold: {why}", s.check),
                ));
            }
            let run = match &s.run {
                None => None,
                Some(name) => Some(
                    crate::lab::run::examples::find(name)
                        .map(|e| e.file)
                        .ok_or_else(|| {
                            err(
                                line,
                                format!(
                                    "run: no example {name:?}; the examples are {}",
                                    crate::lab::run::examples::names()
                                ),
                            )
                        })?,
                ),
            };
            steps.push(LessonStep {
                caption: s.caption.trim().to_string(),
                python: s.python.trim().to_string(),
                keys,
                keys_text: s.keys,
                check,
                check_text: s.check,
                run,
                line,
            });
        }
        if steps.is_empty() {
            return Err(err(1, "a lesson needs at least one [[step]]".into()));
        }
        Ok(Lesson {
            name: name.to_string(),
            title: file.title,
            summary: file.summary,
            args,
            steps,
        })
    }

    /// Every built-in lesson, parsed (they are checked by the tests).
    pub fn all() -> Vec<Lesson> {
        BUILT_IN
            .iter()
            .filter_map(|(n, _)| Lesson::find(n).ok())
            .collect()
    }
}

/// The built-in lessons as the lessons menu lists them: (name, title,
/// summary).
pub fn catalogue() -> Vec<(&'static str, String, String)> {
    BUILT_IN
        .iter()
        .filter_map(|&(n, _)| Lesson::find(n).ok().map(|l| (n, l.title, l.summary)))
        .collect()
}

/// Follows a student through a lesson: shows the current step, and moves
/// on when its check holds. On autoplay (headless, for CI and for
/// recordings) it also presses each step's keys after a moment to read it,
/// and fails a step whose check does not hold in time.
#[derive(Debug, Clone)]
pub struct Tutor {
    lesson: Lesson,
    index: usize,
    phase: Phase,
    autoplay: bool,
    /// Divides the pauses for reading, between keys and after a step.
    speed: f64,
    /// Enter was pressed on this (watch) step.
    acked: bool,
    /// The step's example was started.
    ran: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The step has just been shown.
    Reading(Instant),
    /// Autoplay is pressing the step's keys.
    Pressing { next: usize, at: Instant },
    /// Waiting for the check, since when.
    Checking(Instant),
    /// The check held at this time.
    Passed(Instant),
}

/// What the tutor noticed on a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TutorEvent {
    /// Step `n` (from 1) was done.
    Passed(usize),
    Finished,
    /// On autoplay, a step's check did not hold in time.
    Failed(String),
}

/// How long autoplay leaves a step on screen before pressing its keys.
pub const READ_TIME: Duration = Duration::from_millis(1200);

impl Tutor {
    pub fn new(lesson: Lesson, autoplay: bool) -> Tutor {
        Tutor {
            lesson,
            index: 0,
            phase: Phase::Reading(Instant::now()),
            autoplay,
            speed: 1.0,
            acked: false,
            ran: false,
        }
    }

    /// Plays the pauses `speed` times faster (for autoplay in tests).
    pub fn with_speed(mut self, speed: f64) -> Tutor {
        self.speed = speed.max(0.01);
        self
    }

    fn paced(&self, d: Duration) -> Duration {
        d.div_f64(self.speed)
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    pub fn autoplay(&self) -> bool {
        self.autoplay
    }

    fn finished(&self) -> bool {
        self.index >= self.lesson.steps.len()
    }

    /// The lesson as the panel shows it.
    pub fn view(&self) -> LessonView {
        let total = self.lesson.steps.len();
        let finished = self.finished();
        let step = &self.lesson.steps[self.index.min(total - 1)];
        LessonView {
            title: self.lesson.title.clone(),
            step: self.index.min(total - 1) + 1,
            total,
            caption: step.caption.clone(),
            python: step.python.clone(),
            keys: step
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            check: step.check.describe(),
            passed: matches!(self.phase, Phase::Passed(_)) || finished,
            finished,
            watch: step.keys.is_empty(),
        }
    }

    /// Moves the lesson on as far as it can now; returns what happened.
    pub fn poll(&mut self, stage: &mut impl Stage, now: Instant) -> Option<TutorEvent> {
        loop {
            if self.finished() {
                return None;
            }
            let step = &self.lesson.steps[self.index];
            if let (Some(example), false) = (step.run, self.ran) {
                self.ran = true;
                stage.run_example(example);
            }
            match self.phase {
                Phase::Reading(since) if self.autoplay && step.keys.is_empty() => {
                    // A watch step: read, then Enter, as a student would.
                    if now.duration_since(since) < self.paced(READ_TIME) {
                        return None;
                    }
                    stage.press(Key::plain(KeyCode::Enter));
                    self.phase = Phase::Checking(now);
                }
                Phase::Reading(since) if self.autoplay => {
                    if now.duration_since(since) < self.paced(READ_TIME) {
                        return None;
                    }
                    stage.press(step.keys[0]);
                    self.phase = Phase::Pressing {
                        next: 1,
                        at: now + self.paced(KEY_GAP),
                    };
                }
                Phase::Reading(_) => {
                    // An Enter from an earlier step does not count here.
                    stage.acknowledged();
                    self.phase = Phase::Checking(now);
                    self.acked = false;
                }
                Phase::Pressing { next, at } => {
                    if next >= step.keys.len() {
                        self.phase = Phase::Checking(now);
                    } else if now < at {
                        return None;
                    } else {
                        stage.press(step.keys[next]);
                        self.phase = Phase::Pressing {
                            next: next + 1,
                            at: now + self.paced(KEY_GAP),
                        };
                    }
                }
                Phase::Checking(since) => {
                    self.acked |= stage.acknowledged();
                    let acked = self.acked || !step.keys.is_empty();
                    if acked && step.check.holds(stage.app()) {
                        self.phase = Phase::Passed(now);
                        return Some(TutorEvent::Passed(self.index + 1));
                    }
                    if self.autoplay && now.duration_since(since) > CHECK_TIMEOUT {
                        return Some(TutorEvent::Failed(format!(
                            "lesson {}, step {} (line {}): pressed {} and waited {} s for \"{}\", which never held",
                            self.lesson.name,
                            self.index + 1,
                            step.line,
                            step.keys_text,
                            CHECK_TIMEOUT.as_secs(),
                            step.check_text
                        )));
                    }
                    return None;
                }
                Phase::Passed(at) => {
                    // A step done by a key stays, with what it showed, until
                    // Enter (autoplay waits a moment, as a reader would); a
                    // step that only watched was already ended by Enter.
                    let held = self.autoplay || step.keys.is_empty();
                    if held && now.duration_since(at) < self.paced(PASSED_FOR) {
                        return None;
                    }
                    if !held && !stage.acknowledged() {
                        return None;
                    }
                    self.index += 1;
                    self.ran = false;
                    self.phase = Phase::Reading(now);
                    if self.finished() {
                        return Some(TutorEvent::Finished);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_lesson_parses() {
        for (name, _) in BUILT_IN {
            let lesson = Lesson::find(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!lesson.steps.is_empty());
            assert!(!lesson.summary.is_empty());
            // The lessons menu gives a summary 70 columns.
            assert!(
                lesson.summary.chars().count() <= 70,
                "{name}: {}",
                lesson.summary
            );
        }
    }

    /// A stage whose `s` starts a worker, as far as the lesson can see.
    struct Desk {
        app: crate::app::App,
        enter: bool,
    }

    impl Stage for Desk {
        fn app(&self) -> &crate::app::App {
            &self.app
        }
        fn press(&mut self, key: Key) {
            if key == Key::char('s') {
                let mut w = self.app.workers.clone();
                w.push(crate::app::tests::snap(
                    w.len() as u32 + 1,
                    crate::lab::Status::Alive { paused: false },
                ));
                self.app.on_workers(w);
            }
        }
        fn caption(&mut self, _: Option<String>) {}
        fn marker(&mut self, _: &str) {}
        fn acknowledged(&mut self) -> bool {
            std::mem::take(&mut self.enter)
        }
        fn run_example(&mut self, _: &'static str) {}
    }

    #[test]
    fn a_step_done_by_its_keys_stays_until_enter() {
        let text = "title = \"t\"\nsummary = \"s\"\n\n[[step]]\ncaption = \"one\"\npython = \"p.start()\"\nkeys = \"s\"\ncheck = \"workers >= 1\"\n\n[[step]]\ncaption = \"two\"\npython = \"p.start()\"\nkeys = \"s\"\ncheck = \"workers >= 2\"\n";
        let lesson = Lesson::parse("t", "t.toml", text).unwrap();
        let app = crate::app::App::new(
            crate::app::LabId::Lifecycle,
            crate::app::Settings {
                start: crate::lab::StartOptions::default(),
                auto_join: false,
                max_workers: 8,
            },
            crate::app::Machine { cores: 2 },
        );
        let mut desk = Desk { app, enter: false };
        let mut tutor = Tutor::new(lesson, false);
        let t0 = Instant::now();
        assert_eq!(tutor.poll(&mut desk, t0), None);
        desk.press(Key::char('s'));
        assert_eq!(tutor.poll(&mut desk, t0), Some(TutorEvent::Passed(1)));
        // Long after, the step and what it showed are still there.
        let later = t0 + PASSED_FOR * 20;
        assert_eq!(tutor.poll(&mut desk, later), None);
        let view = tutor.view();
        assert_eq!(
            (view.step, view.passed, view.caption.as_str()),
            (1, true, "one")
        );
        desk.enter = true;
        assert_eq!(tutor.poll(&mut desk, later), None);
        assert_eq!(tutor.view().step, 2, "Enter goes on");
        assert!(!tutor.view().passed);
    }

    #[test]
    fn an_unknown_lesson_lists_the_others() {
        let err = Lesson::find("nope").unwrap_err();
        assert!(err.contains("lifecycle"), "{err}");
    }

    #[test]
    fn lesson_mistakes_name_their_line() {
        let text = "title = \"t\"\nsummary = \"s\"\n\n[[step]]\ncaption = \"c\"\npython = \"p\"\nkeys = \"s\"\ncheck = \"workers >= lots\"\n";
        let e = Lesson::parse("x", "x.toml", text).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("expected a number"), "{e}");
        let e = Lesson::parse("x", "x.toml", "title = \"t\"\n").unwrap_err();
        assert!(e.message.contains("missing field"), "{e}");
        let text = "title = \"t\"\nsummary = \"s\"\n\n[[step]]\ncaption = \"c\"\npython = \"p\"\nrun = \"nope.py\"\ncheck = \"workers >= 0\"\n";
        let e = Lesson::parse("x", "x.toml", text).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("no example \"nope.py\""), "{e}");
        assert!(e.message.contains("forgotten_join.py"), "{e}");
    }
}
