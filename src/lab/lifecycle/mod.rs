//! The lifecycle lab's engine part. The lab drives plain workers through
//! [`Lab`] itself (start, pause, resume, terminate, kill, join), so its
//! controller holds nothing and reports nothing of its own; it runs the
//! plain workers' role, [`Role::Tasks`], which other labs start too (the
//! GIL lab's processes, a race's).

use std::convert::Infallible;

use super::controller::Controller;
use super::shm::Region;
use super::slot::Slot;
use super::worker::{WorkerArgs, run_tasks};
use super::{Lab, Role};

/// The lifecycle lab's controller: nothing beside the workers.
#[derive(Debug, Default)]
pub struct LifecycleLab;

impl Controller for LifecycleLab {
    /// The lab's workers' ends are the engine's own events.
    type Event = Infallible;

    fn set_up(_lab: &Lab) -> LifecycleLab {
        LifecycleLab
    }


    fn run_worker(_role: Role, args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
        run_tasks(args, region, slot)
    }
}
