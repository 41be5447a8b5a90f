//! The engine as the UI drives it: the processes ([`Lab`]) and, beside
//! them, each lab's own [`Controller`] (a race runner, a queue, a
//! counter...), one field per lab of the registry
//! ([`crate::registry`]).
//!
//! A controller that needs workers gets `&mut Lab` from here when it is
//! polled or commanded, so every worker it starts is an ordinary worker:
//! pidfd signals, parent-death signal, and the same shutdown.

use std::time::Duration;

pub use super::controller::{Controller, Sizing};
use super::{ExitBegun, Lab, LabEvent, ShutdownReport, WorkerId};

macro_rules! engine {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $name:literal, $($rest:tt)*) ),* $(,)?) => {
        /// Something the engine reports without being asked this instant.
        #[derive(Debug, Clone, PartialEq)]
        pub enum EngineEvent {
            /// A worker ended, or was joined.
            Lab(LabEvent),
            $(
                #[doc = concat!("What the ", stringify!($m), " lab's controller reports.")]
                $Lab(<super::$m::$Ctl as Controller>::Event),
            )*
        }

        /// The workers, and every lab's controller beside them.
        pub struct Engine {
            pub lab: Lab,
            $(
                #[doc = concat!("The ", stringify!($m), " lab's controller.")]
                pub $m: super::$m::$Ctl,
            )*
        }

        impl Engine {
            pub fn new(lab: Lab) -> Engine {
                Engine {
                    $( $m: <super::$m::$Ctl as Controller>::set_up(&lab), )*
                    lab,
                }
            }

            /// Looks at everything once, without blocking, in the phases
            /// of [`Controller`]: what controllers claim, what came before
            /// the ends of workers, the ends, what followed them.
            pub fn poll(&mut self) -> Vec<EngineEvent> {
                let mut events = Vec::new();
                // Each controller starts workers on its own lab's behalf
                // (a race's runs, a pool's fresh workers).
                let acting = self.lab.acting();
                $(
                    self.lab.set_acting(Some($name));
                    let claimed = self.$m.claim(&mut self.lab);
                    events.extend(claimed.into_iter().map(EngineEvent::$Lab));
                )*
                self.lab.set_acting(acting);
                let ended: Vec<LabEvent> = self.lab.poll();
                let ended: Vec<LabEvent> =
                    ended.into_iter().filter(|e| !self.owned(e.id())).collect();
                $(
                    self.lab.set_acting(Some($name));
                    let before = self.$m.before_exits(&mut self.lab, &ended);
                    events.extend(before.into_iter().map(EngineEvent::$Lab));
                )*
                self.lab.set_acting(acting);
                events.extend(ended.iter().cloned().map(EngineEvent::Lab));
                $(
                    self.lab.set_acting(Some($name));
                    let after = self.$m.after_exits(&mut self.lab, &ended);
                    events.extend(after.into_iter().map(EngineEvent::$Lab));
                )*
                self.lab.set_acting(acting);
                events
            }

            /// Whether a controller tells of worker `id`'s end itself.
            fn owned(&self, id: WorkerId) -> bool {
                false $( || self.$m.owns(id) )*
            }

            /// Whether a lab has work under way that needs looking at more
            /// often than the screen is redrawn: a pool run, whose retired
            /// workers are replaced when the engine next looks.
            pub fn busy(&self) -> bool {
                false $( || self.$m.busy() )*
            }

            /// The start of a quit, as Python's exit does it: each lab's
            /// exit handlers ([`Controller::at_exit`]), then SIGTERM to the
            /// daemons (see [`Lab::begin_exit`]).
            pub fn begin_exit(&mut self) -> ExitBegun {
                $( Controller::at_exit(&mut self.$m, &mut self.lab); )*
                self.lab.begin_exit()
            }

            /// Stops every controller, then every worker (see
            /// [`Lab::shutdown`]).
            pub fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
                $( Controller::shutdown(&mut self.$m, &mut self.lab, grace); )*
                self.lab.shutdown(grace)
            }
        }
    };
}

crate::registry::for_each_lab!(engine);
