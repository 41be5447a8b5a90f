//! Playing steps against a running lab: pressing keys, waiting, checking
//! conditions, showing captions, setting markers.
//!
//! The driver is polled by the event loop, never blocks, and works the same
//! in a terminal and headless.

use std::time::{Duration, Instant};

use super::scenario::Step;
use crate::app::App;
use crate::app::keymap::Key;

/// Time between two keys of one step, at speed 1, so a viewer can follow.
pub const KEY_GAP: Duration = Duration::from_millis(350);

/// What the driver acts on: the running session.
pub trait Stage {
    fn app(&self) -> &App;
    fn press(&mut self, key: Key);
    fn caption(&mut self, text: Option<String>);
    fn marker(&mut self, label: &str);
    /// Whether Enter was pressed to go on since the last look (and forget it).
    fn acknowledged(&mut self) -> bool {
        false
    }
    /// Runs a course example (a lesson step's `run`) in the Run view.
    fn run_example(&mut self, example: &'static str);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Running,
    Done,
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Waiting(Instant),
    Until(Instant),
    Pressing { next: usize, at: Instant },
}

pub struct Driver {
    /// Where the steps came from, for messages.
    source: String,
    steps: Vec<(Step, usize)>,
    index: usize,
    state: State,
    speed: f64,
}

impl Driver {
    pub fn new(source: impl Into<String>, steps: Vec<(Step, usize)>, speed: f64) -> Driver {
        Driver {
            source: source.into(),
            steps,
            index: 0,
            state: State::Start,
            speed: speed.max(0.01),
        }
    }

    /// The step being played (from 0) and how many there are.
    pub fn position(&self) -> (usize, usize) {
        (self.index, self.steps.len())
    }

    fn scaled(&self, d: Duration) -> Duration {
        d.div_f64(self.speed)
    }

    fn next(&mut self) {
        self.index += 1;
        self.state = State::Start;
    }

    /// Plays every step that is due now; returns where the script stands.
    pub fn poll(&mut self, stage: &mut impl Stage, now: Instant) -> Progress {
        loop {
            let Some((step, line)) = self.steps.get(self.index).cloned() else {
                return Progress::Done;
            };
            match (step, self.state) {
                (Step::Caption(text), _) => {
                    stage.caption((!text.is_empty()).then_some(text));
                    self.next();
                }
                (Step::Marker(label), _) => {
                    stage.marker(&label);
                    self.next();
                }
                (Step::Wait(d), State::Start) => {
                    self.state = State::Waiting(now + self.scaled(d));
                }
                (Step::Wait(_), State::Waiting(until)) => {
                    if now < until {
                        return Progress::Running;
                    }
                    self.next();
                }
                (Step::Keys(keys), State::Start) => {
                    stage.press(keys[0]);
                    self.state = State::Pressing {
                        next: 1,
                        at: now + self.scaled(KEY_GAP),
                    };
                }
                (Step::Keys(keys), State::Pressing { next, at }) => {
                    if next >= keys.len() {
                        self.next();
                    } else if now < at {
                        return Progress::Running;
                    } else {
                        stage.press(keys[next]);
                        self.state = State::Pressing {
                            next: next + 1,
                            at: now + self.scaled(KEY_GAP),
                        };
                    }
                }
                (
                    Step::Until {
                        condition,
                        timeout,
                        text,
                    },
                    state,
                ) => {
                    if condition.holds(stage.app()) {
                        self.next();
                        continue;
                    }
                    match state {
                        // A timeout is a safety limit, not part of the pace:
                        // it is not scaled by the speed.
                        State::Start => self.state = State::Until(now + timeout),
                        State::Until(deadline) if now >= deadline => {
                            return Progress::Failed(format!(
                                "{}, line {line}: waited {:.1} s for \"{text}\", which never held",
                                self.source,
                                timeout.as_secs_f64()
                            ));
                        }
                        _ => return Progress::Running,
                    }
                }
                (_, _) => self.state = State::Start,
            }
        }
    }
}
