//! The cluster lab's part of the engine ([`ClusterController`]): closed
//! until the lab is opened, so that proclab started on another lab starts
//! no redis-server and no node; then checking what is installed on a thread
//! of its own (Python takes a few tenths of a second to say), so that the
//! screen never waits; then open, a [`ClusterLab`] whose children come from
//! the engine's supervisor thread; or telling what is missing and the
//! command that installs it.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::controller::ClusterLab;
use super::doctor::{Doctor, doctor};
use super::error::ClusterError;
use super::report::ClusterEvent;
use super::settings::{BrokerChoice, ClusterSettings};
use crate::lab::controller::Controller;
use crate::lab::{Lab, LabEvent};

/// The least time nodes get to stop warmly at quit when the broker is not
/// the lab's own: an idle node's warm shutdown takes about 1.6 s, and a
/// node killed before it gives back what it had taken leaves those tasks
/// to the visibility timeout.
pub const GIVEN_BROKER_GRACE: Duration = Duration::from_millis(2500);

/// What the controller reports: how opening went, then the cluster's own
/// events.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterNews {
    /// The lab is open: its broker, its folder.
    Opened {
        url: String,
        own_broker: bool,
        folder: std::path::PathBuf,
        doctor: Doctor,
    },
    /// Something the lab needs is not installed.
    Missing {
        doctor: Doctor,
        missing: String,
        command: String,
    },
    /// It could not open for another reason.
    Failed(String),
    Cluster(ClusterEvent),
}

enum Stage {
    Closed,
    Checking {
        settings: ClusterSettings,
        found: Receiver<Doctor>,
        thread: Option<JoinHandle<()>>,
    },
    Open(Box<ClusterLab>),
    /// Missing or failed: opening again checks again.
    NotOpen,
}

/// The lab's controller, as the engine holds it.
pub struct ClusterController {
    stage: Stage,
}

impl ClusterController {
    /// Starts opening the lab with `settings`: the check runs on a thread,
    /// the lab opens at the next poll after it. Does nothing if the lab is
    /// open or opening.
    pub fn open(&mut self, settings: ClusterSettings) {
        if matches!(self.stage, Stage::Open(_) | Stage::Checking { .. }) {
            return;
        }
        let (tx, found) = mpsc::channel();
        let (redis, python) = (settings.redis_server.clone(), settings.python_or_default());
        let thread = std::thread::Builder::new()
            .name("proclab-cluster-doctor".into())
            .spawn(move || {
                let _ = tx.send(doctor(&redis, &python));
            });
        self.stage = match thread {
            Ok(thread) => Stage::Checking {
                settings,
                found,
                thread: Some(thread),
            },
            // No thread: check here, once.
            Err(_) => {
                let (tx, found) = mpsc::channel();
                let _ = tx.send(doctor(&settings.redis_server, &settings.python_or_default()));
                Stage::Checking {
                    settings,
                    found,
                    thread: None,
                }
            }
        };
    }

    /// The lab, once open.
    pub fn lab(&self) -> Option<&ClusterLab> {
        match &self.stage {
            Stage::Open(lab) => Some(lab),
            _ => None,
        }
    }

    pub fn lab_mut(&mut self) -> Option<&mut ClusterLab> {
        match &mut self.stage {
            Stage::Open(lab) => Some(lab),
            _ => None,
        }
    }

    /// Whether what is installed is being checked.
    pub fn checking(&self) -> bool {
        matches!(self.stage, Stage::Checking { .. })
    }

    /// Opens the lab once the check is in, on the engine's supervisor.
    fn finish_opening(&mut self, lab: &Lab) -> Option<ClusterNews> {
        let Stage::Checking { found, .. } = &self.stage else {
            return None;
        };
        let doctor = match found.try_recv() {
            Ok(d) => d,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => {
                self.stage = Stage::NotOpen;
                return Some(ClusterNews::Failed(
                    "the check of what is installed stopped".into(),
                ));
            }
        };
        let Stage::Checking {
            settings, thread, ..
        } = std::mem::replace(&mut self.stage, Stage::NotOpen)
        else {
            unreachable!("matched above");
        };
        if let Some(t) = thread {
            let _ = t.join();
        }
        let own_broker = settings.broker == BrokerChoice::Own;
        Some(
            match ClusterLab::open_with(settings, doctor.clone(), lab.spawner()) {
                Ok(cluster) => {
                    let news = ClusterNews::Opened {
                        url: cluster.broker_url().to_string(),
                        own_broker,
                        folder: cluster.folder().to_path_buf(),
                        doctor,
                    };
                    self.stage = Stage::Open(Box::new(cluster));
                    news
                }
                Err(ClusterError::Missing { missing, command }) => ClusterNews::Missing {
                    doctor,
                    missing,
                    command,
                },
                Err(e) => ClusterNews::Failed(e.to_string()),
            },
        )
    }
}

impl Controller for ClusterController {
    type Event = ClusterNews;

    fn set_up(_lab: &Lab) -> Self {
        ClusterController {
            stage: Stage::Closed,
        }
    }

    /// After the workers' ends (the nodes are not workers): the lab opens
    /// once its check is in, then reports what its threads read.
    fn after_exits(&mut self, lab: &mut Lab, _ended: &[LabEvent]) -> Vec<ClusterNews> {
        let mut out: Vec<ClusterNews> = self.finish_opening(lab).into_iter().collect();
        if let Some(cluster) = self.lab_mut() {
            out.extend(cluster.poll().into_iter().map(ClusterNews::Cluster));
        }
        out
    }

    /// While it opens, and while a speedup run times batches (their ends
    /// are timed when they are read).
    fn busy(&self) -> bool {
        self.checking() || self.lab().is_some_and(|l| l.speedup_running())
    }

    /// Stops the nodes, the broker of its own and the threads. Nodes on a
    /// given broker get time to stop warmly and give back their tasks; on
    /// the lab's own, which ends with them, they get the engine's grace.
    fn shutdown(&mut self, _lab: &mut Lab, grace: Duration) {
        match std::mem::replace(&mut self.stage, Stage::Closed) {
            Stage::Open(mut cluster) => {
                let own = cluster.settings().broker == BrokerChoice::Own;
                let grace = if own {
                    grace
                } else {
                    grace.max(GIVEN_BROKER_GRACE)
                };
                cluster.shutdown(grace);
            }
            Stage::Checking {
                thread: Some(t), ..
            } => {
                // The check is a second at most: wait, so its probe
                // processes are gone too.
                let _ = t.join();
            }
            _ => {}
        }
    }
}

impl Drop for ClusterController {
    fn drop(&mut self) {
        if let Stage::Checking {
            thread: Some(t), ..
        } = std::mem::replace(&mut self.stage, Stage::Closed)
        {
            let _ = t.join();
        }
    }
}
