//! What proclab opens with: a plain struct, filled from the command line
//! (or a lesson's or scenario's arguments) and read by each lab's
//! [`AppLab::open`](super::labs::AppLab).

use crate::lab::StartOptions;

use super::labs::{AppLab, LabId};

macro_rules! startup {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $($rest:tt)*) ),* $(,)?) => {
        /// The start-up settings: the lab to open, what its first workers
        /// run, and each lab's own.
        #[derive(Debug, Clone, Default)]
        pub struct Startup {
            /// The lab proclab opens on.
            pub lab: LabId,
            /// `--workers` as given: the lab opened decides what none means.
            pub workers: Option<u32>,
            /// What new plain workers run.
            pub start: StartOptions,
            /// Labs not shown keep running (`--keep-running`), instead of
            /// pausing until shown.
            pub keep_running: bool,
            $(
                #[doc = concat!("The ", stringify!($m), " lab's own settings.")]
                pub $m: <super::$m::$State as AppLab>::Opening,
            )*
        }
    };
}

crate::registry::for_each_lab!(startup);
