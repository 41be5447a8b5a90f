//! Performing effects on the engine, and taking in what the engine reports.
//!
//! This is the only place the UI side calls the engine. It needs no
//! terminal, so the headless runner and tests use it as the TUI does.

use crate::lab::engine::Engine;
use crate::lab::{JoinOutcome, Lab, LabEvent, Status};

use super::{App, Effect, narrate, target_name};

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, engine: &mut Engine, effect: Effect) {
    if effect == Effect::BeginExit {
        begin_exit(app, engine);
    } else if !super::labs::perform(app, engine, effect) {
        // A worker started by the dashboard's keys is the shown lab's,
        // unless a lab opening asked for it.
        let acting = engine.lab.acting();
        if acting.is_none() {
            engine.lab.set_acting(Some(app.lab.name()));
        }
        worker(app, &mut engine.lab, effect);
        engine.lab.set_acting(acting);
    }
    follow(app, engine);
}

/// Takes the engine's workers in, learning whose each new one is; one of
/// a lab not shown is paused as the rest of its lab is.
fn follow(app: &mut App, engine: &mut Engine) -> bool {
    let changed = app.on_workers(engine.lab.snapshot());
    let fresh = app.note_owners(&engine.lab);
    if !fresh.is_empty() {
        super::away::hold_fresh(app, &mut engine.lab, &fresh);
        app.on_workers(engine.lab.snapshot());
    }
    changed
}

/// Carries out an effect on the workers themselves (start, signal, join),
/// and logs what happened; a lab's own effects are left to [`perform`].
pub fn worker(app: &mut App, lab: &mut Lab, effect: Effect) {
    match effect {
        Effect::Start(options) => match lab.start_with(options) {
            Ok(id) => {
                let pid = lab.pid(id).unwrap_or(0);
                app.say(narrate::started(
                    id,
                    pid,
                    options.daemon,
                    target_name(options.workload),
                ));
                app.selected = Some(id);
            }
            Err(e) => app.say(narrate::error(&e)),
        },
        Effect::Pause(id) => match lab.pause(id) {
            Ok(()) => app.say(narrate::paused(id)),
            Err(e) => app.say(narrate::error(&e)),
        },
        Effect::Resume(id) => {
            let pending = lab.snapshot().iter().any(|w| w.id == id && w.sigterm_sent);
            match lab.resume(id) {
                Ok(()) => app.say(narrate::resumed(id, pending)),
                Err(e) => app.say(narrate::error(&e)),
            }
        }
        Effect::Terminate(id) => match lab.terminate(id) {
            Ok(t) => app.say(narrate::terminated(id, t.pending)),
            Err(e) => app.say(narrate::error(&e)),
        },
        Effect::Kill(id) => {
            let stopped = lab.is_stopped(id).unwrap_or(false);
            match lab.kill(id) {
                Ok(()) => app.say(narrate::killed(id, stopped)),
                Err(e) => app.say(narrate::error(&e)),
            }
        }
        Effect::Join(id) => {
            let paused = lab
                .status(id)
                .is_ok_and(|s| s == Status::Alive { paused: true });
            let already = lab.status(id).ok().and_then(|s| match s {
                Status::Joined(c) => Some(c),
                _ => None,
            });
            match (already, lab.join_nowait(id)) {
                (_, Err(e)) => app.say(narrate::error(&e)),
                (Some(code), Ok(_)) => app.say(narrate::joined(id, code)),
                (None, Ok(JoinOutcome::Joined(code))) => {
                    report_exit_if_new(app, id, code);
                    app.say(narrate::joined(id, code));
                }
                (None, Ok(JoinOutcome::Pending)) => app.say(narrate::join_pending(id, paused)),
            }
        }
        Effect::JoinAll => {
            let joined = lab.join_all_exited();
            if joined.is_empty() {
                app.say(narrate::nothing_to_join());
            }
            for (id, result) in joined {
                match result {
                    Ok(code) => app.say(narrate::joined(id, code)),
                    Err(e) => app.say(narrate::error(&e)),
                }
            }
        }
        Effect::Request(id, control) => {
            let paused = lab
                .status(id)
                .is_ok_and(|s| s == Status::Alive { paused: true });
            match lab.request(id, control) {
                Ok(()) => app.say(match control {
                    crate::lab::slot::Control::Exit(code) => {
                        narrate::exit_requested(id, code, paused)
                    }
                    _ => narrate::raise_requested(id, paused),
                }),
                Err(e) => app.say(narrate::error(&e)),
            }
        }
        Effect::Show(shown) => super::away::show(app, lab, shown),
        Effect::KeepRunning(keep) => super::away::set_keep_running(app, lab, keep),
        Effect::ClearJoined => {
            let joined = app.counts().joined;
            lab.forget_joined(0);
            app.say(narrate::cleared_joined(joined));
        }
        Effect::SetAutoJoin(on) => {
            lab.set_auto_join(on);
            if on {
                for (id, result) in lab.join_all_exited() {
                    if let Ok(code) = result {
                        app.say(narrate::joined(id, code));
                    }
                }
            }
        }
        // The loop itself acts on these: it owns the terminal; a lab's
        // own effects go to the lab.
        _ => {}
    }
}

/// The first `q`: Python's exit begins (each lab's exit handlers, SIGTERM
/// to the daemons); proclab leaves at once unless a Python parent would now
/// wait for some worker, in which case it waits too, until they end or a
/// second `q`.
fn begin_exit(app: &mut App, engine: &mut Engine) {
    let begun = engine.begin_exit();
    for line in narrate::exit_begun(begun.daemons.len(), &begun.waited) {
        app.say(line);
    }
    if begun.waited.is_empty() {
        app.quitting = true;
    } else {
        app.exit_wait = Some(begun.waited);
    }
}

/// After a first `q`, once every worker a Python parent waited for has
/// ended, the parent exits: so does proclab.
fn follow_exit(app: &mut App, engine: &Engine) {
    let Some(waited) = &app.exit_wait else {
        return;
    };
    let ended = |id: &u32| engine.lab.status(*id).map_or(true, |s| !s.is_alive());
    if !app.quitting && waited.iter().all(ended) {
        app.say(narrate::exit_waited());
        app.quitting = true;
    }
}

/// A worker that ended and was joined before `poll` saw it end still gets
/// its "ended" line, so the log tells the whole story.
fn report_exit_if_new(app: &mut App, id: u32, code: i32) {
    let seen = app
        .workers
        .iter()
        .any(|w| w.id == id && matches!(w.status, Status::Exited(_)));
    if !seen {
        app.say(narrate::exited(id, code));
    }
}

/// Takes in what happened since the last look: ended and reaped workers,
/// and each lab's events and figures. Returns whether anything shown
/// changed.
pub fn tick(app: &mut App, engine: &mut Engine) -> bool {
    let events = engine.poll();
    let had_events = !events.is_empty();
    for event in events {
        match super::labs::on_event(app, event) {
            Some(LabEvent::Exited { id, exitcode, .. }) => app.say(narrate::exited(id, exitcode)),
            Some(LabEvent::Joined { id, exitcode, .. }) => app.say(narrate::joined(id, exitcode)),
            None => {}
        }
    }
    follow_exit(app, engine);
    engine.lab.forget_joined(JOINED_KEPT);
    let changed = follow(app, engine) || had_events;
    // Every lab's figures are read each tick, shown or not, so its rates
    // are right the moment it is shown.
    super::labs::refresh(app, engine) || changed
}

/// How many joined workers the table keeps showing.
pub const JOINED_KEPT: usize = 200;
