//! proclab's subcommands that run without the terminal UI: `proclab race`
//! ([`race`]), the GIL lab's race with CPython's beside it; `completions`
//! and `man` ([`docs`]).

pub mod docs;
pub mod race;
