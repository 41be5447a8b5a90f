//! The interpreter: a worker process (`proclab worker --role interp`) whose
//! threads run CPU- or I/O-bound tasks under the simulated GIL, as the
//! threads of one Python program would.
//!
//! Its main thread plays Python's main thread sitting in `join()`: it starts
//! a thread for every entry proclab requests in the area, reports to the
//! process's slot, acts on proclab's requests (raise, `sys.exit`) and, in a
//! race, returns once every thread is done. Everything it needs comes from
//! its area of the shared region, found by its slot number.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::lab::clock;
use crate::lab::shm::{Region, SectionId};
use crate::lab::slot::{PROGRESS_SCALE, Phase, Slot};
use crate::lab::work::{self, spin};
use crate::lab::worker::between_slices;

use super::area::{FOREVER, GilSection, InterpArea, MAX_THREADS, ThreadEntry, ThreadKind};
use super::lock::GilThread;

/// Exit status of an interpreter that found no area for its slot.
pub const NO_AREA: i32 = 4;
/// How long an interpreter waits for proclab to name its area.
const FIND_AREA: Duration = Duration::from_secs(5);
/// How often the main thread looks for requests and reports.
const MAIN_TICK: Duration = Duration::from_millis(5);

/// How often an I/O-bound task reports progress from its sleep.
const IO_STEP: Duration = Duration::from_millis(10);
/// The convoy thread's blocking call: as short as a `recv` that finds data.
pub const CONVOY_OP: Duration = Duration::from_micros(100);

/// The interpreter's whole life; returns its exit status.
pub fn run(slot_index: usize, region: &Region, slot: &Slot) -> i32 {
    // Threads outlive any borrow of `region`, so the interpreter keeps a
    // mapping of its own for its whole life (the same pages, no copy).
    let region: &'static Region = match region.dup_fd().map(Region::open) {
        Ok(Ok(r)) => Box::leak(Box::new(r)),
        _ => {
            eprintln!("proclab interpreter: cannot map the shared region again");
            return NO_AREA;
        }
    };
    let Some(area) = find_area(region, slot_index, slot) else {
        eprintln!("proclab interpreter: no area names slot {slot_index}");
        return NO_AREA;
    };
    let per_ms = region.iters_per_ms().max(1);
    let mut started = 0usize;
    let mut handles = Vec::new();
    loop {
        let requested = (area.requested.load(Ordering::Acquire) as usize).min(MAX_THREADS);
        while started < requested {
            let me = started as u16 + 1;
            let handle = std::thread::Builder::new()
                .name(format!("T{me}"))
                .spawn(move || thread_main(area, me, per_ms))
                .expect("the interpreter cannot start a thread");
            handles.push(handle);
            started += 1;
            area.started.store(started as u32, Ordering::Release);
        }
        let progress = report(area, slot, started);
        if let ControlFlow::Break(()) = between_slices(slot, progress) {
            break;
        }
        let finished = area.finished.load(Ordering::Acquire) as usize;
        if area.exit_when_done.load(Ordering::Relaxed) != 0 && started > 0 && finished == started {
            break;
        }
        std::thread::sleep(MAIN_TICK);
    }
    for h in handles {
        let _ = h.join();
    }
    report(area, slot, started);
    slot.set_phase(Phase::Finished);
    slot.beat();
    0
}

/// Waits for proclab to write this slot into an area, beating meanwhile.
fn find_area(
    region: &'static Region,
    slot_index: usize,
    slot: &Slot,
) -> Option<&'static InterpArea> {
    let section: &'static GilSection = region.section(SectionId::Gil);
    let start = Instant::now();
    loop {
        if let Some(area) = section.area_of_slot(slot_index) {
            return Some(area);
        }
        if start.elapsed() > FIND_AREA {
            return None;
        }
        slot.beat();
        // proclab names the area right after the spawn: a short wait.
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Writes the process's figures into its slot: live threads (the role's
/// count), tasks done by all, mean progress, CPU- or I/O-bound.
fn report(area: &InterpArea, slot: &Slot, started: usize) -> f64 {
    let mut live = 0u64;
    let mut tasks = 0u64;
    let mut progress = 0u64;
    let mut cpu = false;
    for t in &area.threads[..started] {
        tasks += t.tasks_done.load(Ordering::Relaxed);
        if t.ended_ns.load(Ordering::Relaxed) == 0 {
            live += 1;
            progress += u64::from(t.progress.load(Ordering::Relaxed));
            cpu |= t.kind() != Some(ThreadKind::Io);
        }
    }
    slot.aux.store(live, Ordering::Relaxed);
    slot.tasks_done.store(tasks, Ordering::Relaxed);
    slot.set_phase(match (live, cpu) {
        (0, _) => Phase::Starting,
        (_, true) => Phase::Cpu,
        (_, false) => Phase::Io,
    });
    if live == 0 {
        0.0
    } else {
        progress as f64 / live as f64 / f64::from(PROGRESS_SCALE)
    }
}

/// One thread: its tasks, under the GIL.
fn thread_main(area: &'static InterpArea, me: u16, per_ms: u64) {
    // A thread that panicked would leave the GIL held and every other
    // thread waiting: end the process instead, as a crash would.
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let entry = &area.threads[usize::from(me) - 1];
        entry.tid.store(
            rustix::thread::gettid().as_raw_nonzero().get() as u32,
            Ordering::Relaxed,
        );
        entry.started_ns.store(clock::now_ns(), Ordering::Relaxed);
        let mut gil = GilThread::new(area, me);
        gil.attach();
        run_tasks(&mut gil, entry, per_ms);
        gil.detach();
        let now = clock::now_ns();
        entry.ended_ns.store(now, Ordering::Relaxed);
        let finished = area.finished.fetch_add(1, Ordering::AcqRel) + 1;
        if finished == area.requested.load(Ordering::Acquire) {
            area.done_ns.store(now, Ordering::Release);
        }
    }));
    if ran.is_err() {
        std::process::exit(1);
    }
}

fn run_tasks(gil: &mut GilThread<'_>, entry: &ThreadEntry, per_ms: u64) {
    let quota = entry.quota.load(Ordering::Relaxed);
    let task_ms = entry.task_ms.load(Ordering::Relaxed);
    let kind = entry.kind().unwrap_or(ThreadKind::Cpu);
    if kind == ThreadKind::Convoy {
        // Until proclab changes the quota (a stop request).
        while entry.quota.load(Ordering::Relaxed) == FOREVER {
            gil.blocking(|| std::thread::sleep(CONVOY_OP));
            // A few bytecodes to handle what the call returned.
            std::hint::black_box(spin((per_ms / 1000).max(1)));
            entry.ops.fetch_add(1, Ordering::Relaxed);
            gil.eval_breaker();
        }
        return;
    }
    let mut done = 0u64;
    while quota == FOREVER || done < quota {
        match kind {
            ThreadKind::Io => gil.blocking(|| io_task(entry, task_ms)),
            _ => cpu_task(gil, entry, per_ms, task_ms),
        }
        done += 1;
        entry.tasks_done.store(done, Ordering::Relaxed);
    }
}

/// The counting loop, looking at the drop request every few dozen turns
/// ([`work::CHECK_TURNS`]) as CPython's eval breaker is looked at on every
/// loop back edge. That promptness matters: the holder drops the GIL while
/// the thread that asked for it is still awake, so that thread usually
/// wins it over threads asleep in `take_gil` (an I/O thread beside two
/// CPU-bound threads then waits two intervals or more, not one, as in
/// CPython).
///
/// A task is `task_ms` of this thread's CPU time spent in the loop (see
/// [`work::cpu_task`]): time waiting for the GIL is not counted, so a task
/// is the same length in every mode.
fn cpu_task(gil: &mut GilThread<'_>, entry: &ThreadEntry, per_ms: u64, task_ms: u64) {
    let length = Duration::from_millis(task_ms.max(1));
    let asked = gil.drop_request();
    let mut used = Duration::ZERO;
    entry.progress.store(0, Ordering::Relaxed);
    while used < length {
        let start = work::thread_cpu_time();
        work::spin_until(work::turns_for(length - used, per_ms), asked);
        used += work::thread_cpu_time().saturating_sub(start);
        gil.eval_breaker();
        let p = (used.as_secs_f64() / length.as_secs_f64()).min(1.0);
        entry
            .progress
            .store((p * f64::from(PROGRESS_SCALE)) as u32, Ordering::Relaxed);
    }
    entry.progress.store(PROGRESS_SCALE, Ordering::Relaxed);
}

/// `time.sleep(task)`, reporting progress as it goes.
fn io_task(entry: &ThreadEntry, task_ms: u64) {
    let total = Duration::from_millis(task_ms);
    let start = Instant::now();
    entry.progress.store(0, Ordering::Relaxed);
    loop {
        let elapsed = start.elapsed();
        if elapsed >= total {
            break;
        }
        std::thread::sleep(IO_STEP.min(total - elapsed));
        let p = (start.elapsed().as_secs_f64() / total.as_secs_f64()).min(1.0);
        entry
            .progress
            .store((p * f64::from(PROGRESS_SCALE)) as u32, Ordering::Relaxed);
    }
}
