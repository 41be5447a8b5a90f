//! proclab's subcommands that run without the terminal UI.

pub mod python;
pub mod race;
