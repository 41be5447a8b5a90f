//! Scripted demos and lessons: conditions, scenario files, lesson files,
//! and the driver that plays steps against a running lab.

pub mod condition;
pub mod driver;
pub mod lesson;
pub mod limits;
pub mod scenario;
