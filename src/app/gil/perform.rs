//! Carrying out the GIL lab's effects on the engine, taking in its events,
//! and reading the engine at every tick: the interpreter's hand-over ring
//! into the timeline, each worker's phase into its lane, the I/O thread's
//! count into the convoy figures.

use crate::app::{App, LabId};
use crate::lab::clock;
use crate::lab::gil::area::{ThreadKind, ThreadState};
use crate::lab::gil::race::RaceEvent;
use crate::lab::gil::{Added, GilEvent, GilLab, InterpSnapshot, Mode};
use crate::lab::slot::Phase;
use crate::lab::{Lab, Status, WorkerId, Workload};

use super::convoy::ConvoyKey;
use super::race::{RaceView, RowState};
use super::timeline::{Lane, LaneKey, LaneState};
use super::{GilEffect, View, narrate};

/// Sets the engine's GIL lab up as the app's state says, and starts
/// `workers` workers in its mode.
pub fn startup(app: &mut App, lab: &mut Lab, gil: &mut GilLab, workers: u32) {
    gil.set_mode(app.gil.mode);
    gil.set_interval(lab, app.gil.interval_us);
    for _ in 0..workers {
        perform(app, lab, gil, GilEffect::Add);
    }
    if app.gil.convoy {
        perform(app, lab, gil, GilEffect::SetConvoy(true));
    }
}

fn select(app: &mut App, added: &Added) {
    app.selected = Some(match *added {
        Added::Process { id, .. } => id,
        Added::Thread { interp, .. } => interp,
    });
}

/// Carries out one effect and logs what happened.
pub fn perform(app: &mut App, lab: &mut Lab, gil: &mut GilLab, effect: GilEffect) {
    match effect {
        GilEffect::Add => match gil.add(lab, app.gil.workload, app.gil.task_ms) {
            Ok(added) => {
                for line in narrate::added(&added, app.gil.mode, app.gil.workload) {
                    app.say(line);
                }
                select(app, &added);
            }
            Err(e) => app.say(narrate::error(&e)),
        },
        GilEffect::SwitchMode(mode) => {
            match gil.switch_mode(lab, mode, app.gil.task_ms) {
                Ok(switch) => {
                    app.say(narrate::mode_set(
                        mode,
                        switch.stopped.len(),
                        switch.started.len(),
                    ));
                    for (added, workload) in &switch.started {
                        for line in narrate::added(added, mode, *workload) {
                            app.say(line);
                        }
                        select(app, added);
                    }
                    if let Some(Added::Thread { pid, thread, .. }) = switch.convoy {
                        app.say(narrate::convoy_on(pid, thread));
                    }
                }
                Err(e) => app.say(narrate::error(&e)),
            }
            app.gil.mode = gil.mode();
        }
        GilEffect::SetInterval(us) => gil.set_interval(lab, us),
        GilEffect::SetConvoy(on) => match gil.set_convoy(lab, on) {
            Ok(Some(added)) => {
                app.gil.convoy = true;
                if let Added::Thread {
                    pid,
                    thread,
                    new_interpreter,
                    ..
                } = added
                {
                    if new_interpreter {
                        let lines = narrate::added(&added, app.gil.mode, Workload::Io);
                        app.say(lines[0].clone());
                    }
                    app.say(narrate::convoy_on(pid, thread));
                }
            }
            Ok(None) => {
                app.gil.convoy = false;
                app.say(narrate::convoy_off());
            }
            Err(e) => app.say(narrate::error(&e)),
        },
        GilEffect::StartRace => {
            let cores = app.machine.cores;
            let plan = app.gil.race_plan(cores);
            match gil.start_race(plan.clone()) {
                Ok(()) => {
                    app.say(narrate::race_started(&plan, cores));
                    app.gil.race = Some(RaceView::new(&plan, cores));
                    app.gil.view = View::Race;
                }
                Err(e) => app.say(narrate::error(&e)),
            }
        }
        GilEffect::CancelRace => {
            if let Some(event) = gil.cancel_race(lab) {
                on_event(app, event);
            }
        }
    }
}

/// Takes in what the GIL lab reported.
pub fn on_event(app: &mut App, event: GilEvent) {
    let GilEvent::Race(event) = event;
    let now = app.now;
    if let Some(race) = app.gil.race.as_mut() {
        race.apply(&event, now);
    }
    if let RaceEvent::Finished { .. } = event {
        app.gil.races_done += 1;
    }
    match &event {
        RaceEvent::Paused(ids) => app.say(narrate::paused_for_race(ids)),
        RaceEvent::RunStarted { .. } => {}
        RaceEvent::RunFinished { result, .. } => {
            let speedup = app
                .gil
                .race
                .as_ref()
                .and_then(|r| r.speedup(result.mode, result.workers));
            app.say(narrate::run_finished(result, speedup));
        }
        RaceEvent::Finished { resumed, .. } => {
            let best: Vec<(Mode, f64)> = app.gil.race.as_ref().map_or(Vec::new(), |r| {
                r.modes()
                    .into_iter()
                    .filter_map(|m| {
                        let best = (1..=r.max_workers())
                            .filter_map(|w| r.speedup(m, w))
                            .fold(None, |acc: Option<f64>, s| {
                                Some(acc.map_or(s, |a| a.max(s)))
                            });
                        best.map(|b| (m, b))
                    })
                    .collect()
            });
            app.say(narrate::race_done(&best, resumed.len()));
            let noisy = app.gil.race.as_ref().map(RaceView::noisy_runs);
            if let Some(runs) = noisy.filter(|r| !r.is_empty()) {
                app.say(narrate::race_noisy(&runs));
            }
            let unknown = app.gil.race.as_ref().map(RaceView::unknown_cpu_runs);
            if let Some(runs) = unknown.filter(|r| !r.is_empty()) {
                app.say(narrate::race_unknown_cpu(&runs));
            }
            let over = app.gil.race.as_ref().map(RaceView::over_ideal_runs);
            if let Some(runs) = over.filter(|r| !r.is_empty()) {
                app.say(narrate::race_over_ideal(&runs));
            }
        }
        RaceEvent::Failed {
            reason, resumed, ..
        } => app.say(narrate::race_stopped(
            &format!("stopped: {reason}"),
            resumed.len(),
        )),
        RaceEvent::Cancelled { killed, resumed } => app.say(narrate::race_stopped(
            &format!("cancelled: {killed} worker(s) killed and joined"),
            resumed.len(),
        )),
    }
}

/// Reads the engine's GIL lab into the app; returns whether the lab's
/// panel needs drawing again.
pub fn refresh(app: &mut App, lab: &Lab, gil: &GilLab) -> bool {
    let snap = gil.snapshot(lab);
    let now = clock::now_ns();
    app.gil.now_ns = now;
    let was = app.gil.interp_paused_since;
    app.gil.interp_paused_since = snap.interactive.as_ref().and_then(|interp| {
        let paused = app
            .workers
            .iter()
            .any(|w| w.id == interp.id && w.status == Status::Alive { paused: true });
        let since = was.filter(|&(id, _)| id == interp.id);
        paused.then(|| since.unwrap_or((interp.id, now)))
    });
    if let (Some((id, from)), None) = (was, app.gil.interp_paused_since) {
        let pauses = &mut app.gil.interp_pauses;
        pauses.push((id, from, now));
        pauses.retain(|&(_, _, to)| to + super::timeline::HISTORY_NS > now);
    }
    let shown = snap.race.clone().or_else(|| snap.interactive.clone());
    match &shown {
        Some(interp) => follow_interpreter(app, lab, gil, interp, snap.race.is_none(), now),
        None => {
            for lane in &mut app.gil.threads.lanes {
                lane.set(now, LaneState::Done);
            }
            app.gil.paused_lanes = None;
        }
    }
    app.gil.threads.trim(now);

    let race_processes: Option<Vec<WorkerId>> = app.gil.race.as_ref().and_then(|r| {
        let row = r.running()?;
        match (&row.state, row.mode) {
            (RowState::Running { ids, .. }, Mode::Processes) => Some(ids.clone()),
            _ => None,
        }
    });
    let racing = app.gil.racing();
    let ids = match race_processes {
        Some(ids) => ids,
        None if racing => Vec::new(),
        None => snap.processes.clone(),
    };
    follow_processes(app, &ids, now);

    if !racing {
        let (key, ops) = convoy_reading(app, &snap, shown.as_ref());
        app.gil.convoy_meter.observe(now, key, ops);
    }
    let busy = shown.as_ref().is_some_and(|i| i.alive) || !ids.is_empty() || racing;
    app.gil.snapshot = Some(snap);
    app.lab == LabId::Gil && busy
}

fn follow_interpreter(
    app: &mut App,
    lab: &Lab,
    gil: &GilLab,
    interp: &InterpSnapshot,
    interactive: bool,
    now: u64,
) {
    let g = &mut app.gil;
    let fresh = g.threads.source != Some((interp.area, interp.generation));
    if fresh {
        g.threads
            .reset(interp.area, interp.generation, interp.first_seq);
        g.paused_lanes = None;
    }
    // A stopped process writes nothing: its lanes say so while it is
    // paused. Resumed: the states it stopped in come back, and what it
    // wrote since follows them.
    let paused = app
        .workers
        .iter()
        .any(|w| w.id == interp.id && w.status == Status::Alive { paused: true });
    let saved = g.paused_lanes.take();
    if let (false, Some(saved)) = (paused, &saved) {
        for (lane, &state) in g.threads.lanes.iter_mut().zip(saved) {
            if lane.state() == Some(LaneState::Stopped) {
                lane.set(now, state);
            }
        }
    }
    let read = gil.read_ring(lab, interp.area, g.threads.next_seq);
    g.threads.apply(&read.records);
    if fresh {
        // Read again from its ring (a race showed its own interpreter
        // meanwhile): the ring knows nothing of the pauses.
        for &(_, from, to) in g.interp_pauses.iter().filter(|p| p.0 == interp.id) {
            g.threads.stop_between(from, to);
        }
    }
    g.threads.next_seq = read.next;
    g.threads.lost += read.lost;
    for t in &interp.threads {
        let lane = g.threads.lane(t.number);
        if t.kind == ThreadKind::Convoy {
            lane.label = "I/O".into();
        }
    }
    // Pausing: after the records written just before the stop are in,
    // stopped from when the pause was first seen (long before now, if a
    // race showed its own interpreter meanwhile).
    if paused {
        let since = g
            .interp_paused_since
            .filter(|&(id, _)| id == interp.id)
            .map_or(now, |(_, t)| t);
        g.paused_lanes = Some(saved.unwrap_or_else(|| {
            let states = g
                .threads
                .lanes
                .iter()
                .map(|l| l.state().unwrap_or(LaneState::Done))
                .collect();
            for lane in &mut g.threads.lanes {
                if lane.state() != Some(LaneState::Done) {
                    lane.set(since, LaneState::Stopped);
                }
            }
            states
        }));
    }
    if !interp.alive {
        for lane in &mut g.threads.lanes {
            lane.set(now, LaneState::Done);
        }
    }
    if interactive {
        // A paused interpreter that ends (terminated: SIGTERM, SIGCONT)
        // does not run again: say nothing.
        let alive = app
            .workers
            .iter()
            .any(|w| w.id == interp.id && w.status.is_alive());
        if alive && paused_before(app, interp.id).is_some_and(|before| before != paused) {
            let live = interp
                .threads
                .iter()
                .filter(|t| t.state != ThreadState::Done)
                .count();
            app.say(narrate::interpreter_paused(interp.pid, live, paused));
        }
        app.gil.interp_was_paused = Some((interp.id, paused));
    }
}

/// Whether the interpreter was paused at the previous refresh.
fn paused_before(app: &App, id: WorkerId) -> Option<bool> {
    app.gil
        .interp_was_paused
        .filter(|&(i, _)| i == id)
        .map(|(_, p)| p)
}

fn follow_processes(app: &mut App, ids: &[WorkerId], now: u64) {
    let g = &mut app.gil;
    g.processes
        .retain(|l| matches!(l.key, LaneKey::Process(id) if ids.contains(&id)));
    for &id in ids {
        let Some(w) = app.workers.iter().find(|w| w.id == id) else {
            continue;
        };
        let state = match (w.status, w.phase) {
            (Status::Alive { paused: true }, _) => LaneState::Stopped,
            (Status::Alive { .. }, Phase::Cpu) => LaneState::Running,
            (Status::Alive { .. }, Phase::Io) => LaneState::Io,
            (Status::Alive { .. }, Phase::Starting) => continue,
            _ => LaneState::Done,
        };
        let lane = match g
            .processes
            .iter()
            .position(|l| l.key == LaneKey::Process(id))
        {
            Some(i) => &mut g.processes[i],
            None => {
                g.processes
                    .push(Lane::new(LaneKey::Process(id), format!("p{id}")));
                g.processes.last_mut().expect("just pushed")
            }
        };
        lane.set(now, state);
        lane.trim(now.saturating_sub(super::timeline::HISTORY_NS));
    }
}

/// The I/O thread's count and what runs beside it, if it runs.
fn convoy_reading(
    app: &App,
    snap: &crate::lab::gil::GilSnapshot,
    shown: Option<&InterpSnapshot>,
) -> (Option<ConvoyKey>, u64) {
    let Some(interp) = shown.filter(|i| i.alive && snap.interactive.is_some()) else {
        return (None, 0);
    };
    let Some(io) = interp
        .threads
        .iter()
        .find(|t| t.kind == ThreadKind::Convoy && !t.stopping && t.state != ThreadState::Done)
    else {
        return (None, 0);
    };
    let paused = app
        .workers
        .iter()
        .any(|w| w.id == interp.id && w.status == Status::Alive { paused: true });
    if paused {
        return (None, 0);
    }
    let cpu_workers = match snap.mode {
        Mode::Processes => snap
            .processes
            .iter()
            .filter(|&&id| {
                app.workers.iter().any(|w| {
                    w.id == id
                        && w.status == Status::Alive { paused: false }
                        && w.workload == Workload::Cpu
                })
            })
            .count(),
        _ => interp
            .threads
            .iter()
            .filter(|t| t.kind == ThreadKind::Cpu && t.state != ThreadState::Done)
            .count(),
    };
    (
        Some(ConvoyKey {
            mode: snap.mode,
            cpu_workers,
        }),
        io.ops,
    )
}
