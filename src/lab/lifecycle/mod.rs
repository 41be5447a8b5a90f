//! The lifecycle lab's engine part. The lab drives the engine's plain
//! workers (`Role::Tasks`) through [`Lab`] itself (start, pause, resume,
//! terminate, kill, join), so its controller holds nothing and reports
//! nothing of its own.

use std::convert::Infallible;

use super::Lab;
use super::controller::Controller;

/// The lifecycle lab's controller: nothing beside the workers.
#[derive(Debug, Default)]
pub struct LifecycleLab;

impl Controller for LifecycleLab {
    /// The lab's workers' ends are the engine's own events.
    type Event = Infallible;

    fn set_up(_lab: &Lab) -> LifecycleLab {
        LifecycleLab
    }


}
