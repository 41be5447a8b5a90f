//! Pauses proclab makes for its own reasons, apart from the user's.
//!
//! A race pauses every other worker so it has the cores; a lab that is not
//! shown has its workers paused so they do not take the cores from the lab
//! that is. Each reason is a [`Hold`]: a worker stays stopped while any
//! hold is on it and is continued when the last one is let go. A worker
//! the user paused is never held (it stays paused when the holds end), and
//! one the user pauses, resumes, terminates or kills by hand is no longer
//! held by anything.
//!
//! The lab each worker belongs to is kept here too: whoever starts a
//! worker says on whose behalf ([`Lab::set_acting`]), so the engine's
//! dispatch, not each lab, names the owner.

use rustix::process::Signal;

use super::{Lab, LabError, WorkerId};

/// Why proclab keeps a worker paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// A race runs alone on the cores.
    Race,
    /// Its lab is not the one shown.
    Away,
}

impl Hold {
    fn bit(self) -> u8 {
        match self {
            Hold::Race => 1,
            Hold::Away => 2,
        }
    }
}

/// What [`Lab::hold`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// It was running: SIGSTOP, and it is held.
    Stopped,
    /// Another hold had stopped it already: it is held for this one too,
    /// and stays stopped until both are let go.
    Already,
    /// The user paused it, or it has ended: nothing done.
    No,
}

impl Lab {
    /// `os.kill(p.pid, signal.SIGSTOP)` for proclab's reason `why`: see
    /// [`Held`]. A worker the user paused is left as it is.
    pub fn hold(&mut self, id: WorkerId, why: Hold) -> Result<Held, LabError> {
        let w = match self.alive_mut(id) {
            Ok(w) => w,
            Err(LabError::NotAlive(_)) => return Ok(Held::No),
            Err(e) => return Err(e),
        };
        if w.paused {
            if w.holds == 0 {
                return Ok(Held::No);
            }
            w.holds |= why.bit();
            return Ok(Held::Already);
        }
        Self::send(w, Signal::STOP)?;
        w.paused = true;
        w.holds = why.bit();
        Ok(Held::Stopped)
    }

    /// Lets go of `why`'s hold on a worker; `os.kill(p.pid,
    /// signal.SIGCONT)` if nothing else holds it. Returns whether it was
    /// continued.
    pub fn release(&mut self, id: WorkerId, why: Hold) -> Result<bool, LabError> {
        let w = self.worker_mut(id)?;
        if w.holds & why.bit() == 0 {
            return Ok(false);
        }
        w.holds &= !why.bit();
        if w.holds != 0 || !w.paused || w.process.poll_exit().is_some() {
            return Ok(false);
        }
        Self::send(w, Signal::CONT)?;
        w.paused = false;
        Ok(true)
    }

    /// Whether proclab holds the worker paused for `why`.
    pub fn is_held(&self, id: WorkerId, why: Hold) -> bool {
        self.worker(id).is_ok_and(|w| w.holds & why.bit() != 0)
    }

    /// Says on whose behalf workers are started from now on (a lab's
    /// `--lab` name), returning who it was before, so a caller can put it
    /// back.
    pub fn set_acting(&mut self, owner: Option<&'static str>) -> Option<&'static str> {
        std::mem::replace(&mut self.acting, owner)
    }

    /// On whose behalf workers are started now.
    pub fn acting(&self) -> Option<&'static str> {
        self.acting
    }

    /// The lab that started a worker (its `--lab` name), if it was said.
    pub fn owner(&self, id: WorkerId) -> Option<&'static str> {
        self.worker(id).ok().and_then(|w| w.owner)
    }
}
