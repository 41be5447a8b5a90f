//! Labs that do not spoil each other: the workers of a lab that is not
//! shown are paused (SIGSTOP), so two CPU-bound workers left on the first
//! screen do not hold the cores while the counter races or the GIL lab
//! shows one core in use; going back to their lab resumes them (SIGCONT).
//! `B` (or `--keep-running`) keeps every lab running instead.
//!
//! The pauses are the engine's [`Hold::Away`]: a worker the user paused by
//! hand is never resumed by them, and one a race holds stays paused until
//! both let go.

use std::collections::BTreeMap;

use crate::lab::{Held, Hold, Lab, Status, WorkerId};

use super::claims::Lifecycle;
use super::labs::LabId;
use super::narrate::{Line, note};
use super::{Action, App};

/// A lab is shown: the other labs' live workers are held paused, its own
/// are let go; the log says which, lab by lab.
pub fn show(app: &mut App, lab: &mut Lab, shown: LabId) {
    if app.keep_running {
        return;
    }
    let mut paused: BTreeMap<usize, Vec<WorkerId>> = BTreeMap::new();
    let mut resumed: BTreeMap<usize, Vec<WorkerId>> = BTreeMap::new();
    for (id, owner) in live(app) {
        if owner == shown {
            if lab.release(id, Hold::Away).unwrap_or(false) {
                resumed.entry(index(owner)).or_default().push(id);
            }
        } else if lab.hold(id, Hold::Away).is_ok_and(|h| h == Held::Stopped) {
            paused.entry(index(owner)).or_default().push(id);
        }
    }
    for (i, ids) in paused {
        let line = paused_away(app, LabId::ALL[i], shown, &ids);
        app.say(line);
    }
    for (_, ids) in resumed {
        app.say(resumed_back(shown, &ids));
    }
}

/// Workers just started by a lab that is not shown (a race's next run, a
/// pool's fresh worker, what a lab starts as proclab opens) are held as
/// the others of their lab are.
pub fn hold_fresh(app: &mut App, lab: &mut Lab, fresh: &[WorkerId]) {
    if app.keep_running || fresh.is_empty() {
        return;
    }
    let mut paused: BTreeMap<usize, Vec<WorkerId>> = BTreeMap::new();
    for (id, owner) in live(app) {
        if fresh.contains(&id)
            && owner != app.lab
            && lab.hold(id, Hold::Away).is_ok_and(|h| h == Held::Stopped)
        {
            paused.entry(index(owner)).or_default().push(id);
        }
    }
    for (i, ids) in paused {
        let line = paused_away(app, LabId::ALL[i], app.lab, &ids);
        app.say(line);
    }
}

/// Keeps every lab running (every hold let go), or pauses the labs not
/// shown again.
pub fn set_keep_running(app: &mut App, lab: &mut Lab, keep: bool) {
    app.keep_running = keep;
    if !keep {
        app.say(note(
            None,
            "labs not shown pause again: their workers leave the cores to the lab shown".into(),
        ));
        show(app, lab, app.lab);
        return;
    }
    let mut resumed = Vec::new();
    for w in &app.workers {
        if lab.release(w.id, Hold::Away).unwrap_or(false) {
            resumed.push(w.id);
        }
    }
    let python = (!resumed.is_empty()).then(|| Lifecycle::Resume.fill(&[("p", "p")]));
    let what = if resumed.is_empty() {
        String::new()
    } else {
        format!(": workers {} resumed", list(&resumed))
    };
    app.say(note(
        python,
        format!("every lab keeps running, shown or not{what}"),
    ));
}

/// Every live worker whose lab is known, with its lab.
fn live(app: &App) -> Vec<(WorkerId, LabId)> {
    app.workers
        .iter()
        .filter(|w| matches!(w.status, Status::Alive { .. }))
        .filter_map(|w| app.lab_of(w).map(|lab| (w.id, lab)))
        .collect()
}

fn index(lab: LabId) -> usize {
    LabId::ALL.iter().position(|&l| l == lab).unwrap_or(0)
}

/// "1, 2 and 5".
fn list(ids: &[WorkerId]) -> String {
    let words: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => words.join(""),
    }
}

fn plural(ids: &[WorkerId]) -> &'static str {
    if ids.len() == 1 { "" } else { "s" }
}

/// The key that keeps every lab running, as the keymap has it.
fn keep_key(app: &App) -> String {
    app.keymap
        .keys_of(Action::ToggleBackground)
        .first()
        .map_or_else(String::new, |k| format!(" ({k} keeps them running)"))
}

fn paused_away(app: &App, owner: LabId, shown: LabId, ids: &[WorkerId]) -> Line {
    note(
        Lifecycle::Pause.fill(&[("p", "p")]),
        format!(
            "{}: worker{} {} paused while {} is shown{}",
            owner.title(),
            plural(ids),
            list(ids),
            shown.title(),
            keep_key(app)
        ),
    )
}

fn resumed_back(shown: LabId, ids: &[WorkerId]) -> Line {
    note(
        Lifecycle::Resume.fill(&[("p", "p")]),
        format!(
            "back in {}: worker{} {} resumed where they stopped",
            shown.title(),
            plural(ids),
            list(ids)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_as_a_list() {
        assert_eq!(list(&[3]), "3");
        assert_eq!(list(&[1, 2]), "1 and 2");
        assert_eq!(list(&[1, 2, 5]), "1, 2 and 5");
    }
}
