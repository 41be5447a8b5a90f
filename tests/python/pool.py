"""multiprocessing.Pool and ProcessPoolExecutor: chunk sizes, the order
results come back in, maxtasksperchild, and a worker killed mid-job."""

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from witness import HANG, case, kill_tree, run, wait_for

# A Pool's workers are daemons; their pool's own threads are not processes.
SIZES = [(10, 2), (100, 2), (400, 2), (2000, 2), (2000, 3), (7, 4)]


def whose(x):
    return os.getpid(), x


def work(x):
    """x ** 2, item 0 much slower than the rest."""
    time.sleep(0.3 if x == 0 else 0.01)
    return x ** 2


def dies_on_zero(x):
    """Item 0's worker dies mid-task, once every item has been submitted."""
    if x == 0:
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return x ** 2


def init():
    pass


def chunks_seen(results):
    """The chunks a job was cut into, from (pid, item) pairs, when each
    worker took exactly one task (maxtasksperchild=1)."""
    by_pid = {}
    for pid, x in results:
        by_pid.setdefault(pid, []).append(x)
    return sorted((min(xs), len(xs)) for xs in by_pid.values())


@case
def map_default_chunksize():
    out = {}
    for items, workers in SIZES:
        with mp.Pool(workers, maxtasksperchild=1) as pool:
            res = pool.map(whose, range(items))
        out[f"{items}x{workers}"] = [n for _, n in chunks_seen(res)]
    return {"chunks": out}


@case
def imap_default_chunksize():
    with mp.Pool(2, maxtasksperchild=1) as pool:
        imap = list(pool.imap(whose, range(10)))
        unordered = list(pool.imap_unordered(whose, range(10)))
    return {"imap": [n for _, n in chunks_seen(imap)],
            "imap_unordered": [n for _, n in chunks_seen(unordered)]}


@case
def result_order():
    """Item 0 is slow: map and imap still give it first; imap_unordered,
    apply_async's callbacks and as_completed give it last."""
    with mp.Pool(2) as pool:
        t = time.monotonic()
        mapped = pool.map(work, range(6), chunksize=1)
        it = pool.imap(work, range(6))
        first = next(it)
        imap_first_after = time.monotonic() - t
        imap = [first] + list(it)
        unordered = list(pool.imap_unordered(work, range(6)))
        called = []
        rs = [pool.apply_async(work, (x,), callback=called.append) for x in range(6)]
        for r in rs:
            r.get()
    with ProcessPoolExecutor(2) as ex:
        futures = {ex.submit(work, x): x for x in range(6)}
        completed = [futures[f] ** 2 for f in as_completed(futures)]
    return {
        "map": mapped,
        "imap": imap,
        "imap_waits_for_item_0": imap_first_after >= 0.3,
        "imap_unordered_item_0_last": unordered[-1] == 0,
        "apply_async_callback_item_0_last": called[-1] == 0,
        "as_completed_item_0_last": completed[-1] == 0,
        "same_results": sorted(unordered) == sorted(called) == sorted(completed) == mapped,
    }


@case
def pool_worker_killed():
    """A Pool replaces a killed worker but waits forever for its task."""
    pool = mp.Pool(2)
    try:
        before = {p.pid for p in pool._pool}
        r = pool.map_async(dies_on_zero, range(8), chunksize=1)
        try:
            r.get(timeout=HANG)
            got = "results"
        except mp.TimeoutError:
            got = "hang"
        after = {p.pid for p in pool._pool}
        return {"map": got, "worker_replaced": len(after - before) >= 1}
    finally:
        pool.terminate()
        pool.join()


@case
def executor_worker_killed():
    """A ProcessPoolExecutor breaks: pending futures raise BrokenProcessPool."""
    ex = ProcessPoolExecutor(2)
    try:
        futures = [ex.submit(dies_on_zero, x) for x in range(8)]
        raised = set()
        for f in futures:
            try:
                f.result(timeout=HANG * 2)
            except BrokenProcessPool:
                raised.add("BrokenProcessPool")
            except TimeoutError:
                raised.add("hang")
        try:
            ex.submit(work, 1)
            later = "accepted"
        except BrokenProcessPool:
            later = "BrokenProcessPool"
        return {"result": sorted(raised), "submit_after": later}
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


@case
def workers_daemon_or_not():
    with mp.Pool(2, initializer=init, maxtasksperchild=5) as pool:
        pool_daemons = [p.daemon for p in pool._pool]
    ex = ProcessPoolExecutor(2)
    try:
        ex.submit(work, 1).result()
        ex_daemons = [p.daemon for p in ex._processes.values()]
    finally:
        ex.shutdown(wait=True)
    return {"pool": sorted(set(pool_daemons)), "executor": sorted(set(ex_daemons))}


@case
def maxtasksperchild_retires():
    """A task is a chunk; after maxtasksperchild of them a worker returns
    (exitcode 0) and a fresh one takes its place."""
    pool = mp.Pool(2, maxtasksperchild=5)
    try:
        first = list(pool._pool)
        res = pool.map(whose, range(20), chunksize=1)
        wait_for(lambda: all(p.exitcode is not None for p in first), 5)
        retired = sorted({p.exitcode for p in first})
    finally:
        pool.close()
        pool.join()
    per_process = {}
    for pid, _ in res:
        per_process[pid] = per_process.get(pid, 0) + 1
    return {"most_tasks_per_process": max(per_process.values()),
            "four_processes_at_least": len(per_process) >= 4,
            "retired_exitcodes": retired}


def executor_program(max_tasks, tasks):
    """Run as a program of its own (its hang cannot be undone in-process):
    prints a line per result, then "done"."""
    with ProcessPoolExecutor(2, initializer=init, max_tasks_per_child=max_tasks) as ex:
        print(ex._mp_context.get_start_method(), flush=True)
        for f in [ex.submit(whose, x) for x in range(tasks)]:
            print(f.result()[0], flush=True)
    print("done", flush=True)


def executor_with_max_tasks(max_tasks, tasks):
    """A hang is no new result for a while (spawned workers start slowly
    on a busy machine, so a fixed time for the whole would not do)."""
    prog = subprocess.Popen([sys.executable, __file__, "--executor", str(max_tasks), str(tasks)],
                            stdout=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(prog.stdout), daemon=True)
    reader.start()
    seen, last = 0, time.monotonic()
    while prog.poll() is None:
        if len(lines) != seen:
            seen, last = len(lines), time.monotonic()
        elif time.monotonic() - last > HANG * 2:
            kill_tree(prog.pid)
            break
        time.sleep(0.02)
    prog.wait()
    reader.join(5)
    lines = [l.strip() for l in lines]
    results = [l for l in lines[1:] if l != "done"]
    return {
        "start_method": lines[0] if lines else None,
        "results": len(results),
        "processes": len(set(results)),
        "outcome": "returned" if "done" in lines else "hang",
    }


@case
def executor_max_tasks_per_child():
    """max_tasks_per_child=1 recycles a process per task; 5 (with 12
    tasks on 2 workers) deadlocks in CPython 3.11 to 3.14 once the first
    two workers retire (gh-115634)."""
    return {"1": executor_with_max_tasks(1, 4), "5": executor_with_max_tasks(5, 12)}


@case
def close_and_shutdown():
    pool = mp.Pool(2)
    workers = list(pool._pool)
    pool.map(work, range(4))
    pool.close()
    pool.join()
    ex = ProcessPoolExecutor(2)
    list(ex.map(work, range(4)))
    procs = list(ex._processes.values())
    ex.shutdown(wait=True)
    return {"pool_exitcodes": sorted({p.exitcode for p in workers}),
            "executor_exitcodes": sorted({p.exitcode for p in procs})}


def slow(x):
    time.sleep(1.0)
    return x ** 2


@case
def terminate_mid_job():
    """pool.terminate() in the middle of a job: SIGTERM to every worker at
    once, the work left undone, the results never ready."""
    pool = mp.Pool(2)
    workers = list(pool._pool)
    r = pool.map_async(slow, range(20), chunksize=1)
    time.sleep(0.3)
    pool.terminate()
    pool.join()
    try:
        r.get(timeout=HANG)
        got = "results"
    except mp.TimeoutError:
        got = "hang"
    try:
        pool.map(work, range(2))
        after = "accepted"
    except ValueError as e:
        after = str(e)
    return {"exitcodes": sorted({p.exitcode for p in workers}), "ready": r.ready(),
            "get": got, "after": after}


@case
def executor_workers_terminated():
    """An executor has no terminate(); its worker processes terminated as
    any children: it breaks, and every pending future raises."""
    ex = ProcessPoolExecutor(2)
    try:
        futures = [ex.submit(slow, x) for x in range(10)]
        wait_for(lambda: len(ex._processes) == 2, 5)
        time.sleep(0.3)
        procs = list(ex._processes.values())
        pending = [f for f in futures if not f.done()]
        for p in mp.active_children():
            p.terminate()
        raised = set()
        for f in pending:
            try:
                f.result(timeout=HANG * 2)
                raised.add("result")
            except BrokenProcessPool:
                raised.add("BrokenProcessPool")
            except TimeoutError:
                raised.add("hang")
        wait_for(lambda: all(p.exitcode is not None for p in procs), 5)
        return {"exitcodes": sorted({p.exitcode for p in procs}), "pending": sorted(raised),
                "has_terminate": hasattr(ex, "terminate")}
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--executor"]:
        executor_program(int(sys.argv[2]), int(sys.argv[3]))
    else:
        run()
