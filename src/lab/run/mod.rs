//! Watching a real program: a Python program proclab starts (`proclab run`)
//! or one it attaches to (`proclab attach`). Its processes are found in
//! `/proc` rather than owned by [`crate::lab::Lab`]; what it prints is
//! captured line by line ([`output`]).

pub mod instrument;
pub mod output;
