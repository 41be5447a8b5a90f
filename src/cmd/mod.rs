//! proclab's subcommands that run without the terminal UI: `proclab race`
//! ([`race`]), the GIL lab's race with CPython's beside it; `completions`
//! and `man` ([`docs`]); `proclab doctor` ([`doctor`]), what the cluster
//! lab needs and how to install it.

pub mod docs;
pub mod doctor;
pub mod race;
