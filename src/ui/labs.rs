//! The labs on the drawing side: the [`LabPanel`] trait every lab's state
//! implements in its `ui` folder, and the dispatch from the layout and the
//! drawing to each lab, generated from the registry
//! ([`crate::registry`]).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::view::WorkerRow;
use crate::app::{App, AppLab, LabId};

use super::theme::Theme;

/// Where a lab's panel goes on a wide terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Beside the cores and the worker table.
    Beside,
    /// Across the width, below them.
    Below,
    /// Across the width in the worker table's place, at every size: a
    /// view with its own list of processes instead of the workers.
    Instead,
}

/// What gives way when a lesson leaves the worker table too few rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yields {
    /// The cores panel.
    Cores,
    /// The worker table (the lab's own panel shows each worker).
    Table,
}

/// One lab's panel, implemented by the lab's state.
pub trait LabPanel: AppLab {
    /// Where the panel goes on a wide terminal.
    const PLACE: Place;
    /// What gives way to a lesson on a short terminal.
    const YIELDS: Yields = Yields::Cores;

    /// Rows the panel wants in the stacked layout, out of a body of `body`
    /// rows.
    fn height(body: u16) -> u16;

    /// Draws the panel; `selected` is the worker table's selected row.
    fn render(app: &App, selected: Option<&WorkerRow>, area: Rect, theme: &Theme, buf: &mut Buffer);
}

macro_rules! panels {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $($rest:tt)*) ),* $(,)?) => {
        /// Height the lab's panel wants in the stacked layout.
        pub fn height(lab: LabId, body: u16) -> u16 {
            match lab {
                $( LabId::$Lab => <crate::app::$m::$State as LabPanel>::height(body), )*
            }
        }

        /// Where the lab's panel goes on a wide terminal.
        pub fn place(lab: LabId) -> Place {
            match lab {
                $( LabId::$Lab => <crate::app::$m::$State as LabPanel>::PLACE, )*
            }
        }

        /// What gives way to a lesson in the lab.
        pub fn yields(lab: LabId) -> Yields {
            match lab {
                $( LabId::$Lab => <crate::app::$m::$State as LabPanel>::YIELDS, )*
            }
        }

        /// Draws the panel of the lab shown.
        pub fn render(app: &App, selected: Option<&WorkerRow>, area: Rect, theme: &Theme, buf: &mut Buffer) {
            match app.lab {
                $( LabId::$Lab => <crate::app::$m::$State as LabPanel>::render(app, selected, area, theme, buf), )*
            }
        }
    };
}

crate::registry::for_each_lab!(panels);
