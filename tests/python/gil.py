"""Threads under CPython's GIL: CPU-bound threads share one core, sleeping
threads overlap, an I/O thread beside a CPU thread waits for the GIL (the
convoy effect), and a signal stops every thread of the process."""

import multiprocessing as mp
import os
import signal
import sys
import threading
import time

from witness import alone, case, run, state, wait_for, wait_state


def clean_order(seconds=0.3):
    """The course's CPU-bound task: count, for about ``seconds``."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        for _ in range(1000):
            n += 1


def spin(turns):
    n = 0
    for _ in range(turns):
        n += 1


def cpu_now():
    t = os.times()
    return t.user + t.system


@case
def switch_interval():
    default = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    now = sys.getswitchinterval()
    sys.setswitchinterval(default)
    return {"default": default, "set": now}


@alone
def cpu_threads_share_one_core():
    """t1 = Thread(target=clean_order); t2 = ...; both start(): together
    they get about one core (CPU time / wall time near 1, never 2)."""
    turns = 3_000_000
    ts = [threading.Thread(target=spin, args=(turns,)) for _ in range(2)]
    wall, cpu = time.monotonic(), cpu_now()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall, cpu = time.monotonic() - wall, cpu_now() - cpu
    return {"at_most_one_core": cpu / wall < 1.15}


@case
def sleeping_threads_overlap():
    """def task(_): time.sleep(0.4): four in threads take one sleep's time."""
    ts = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(4)]
    wall = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return {"overlap": time.monotonic() - wall < 0.35}


def io_loop(stop, calls):
    while not stop.is_set():
        time.sleep(0.0001)
        calls[0] += 1


def io_rate(with_cpu_thread):
    stop, calls = threading.Event(), [0]
    threads = [threading.Thread(target=io_loop, args=(stop, calls))]
    if with_cpu_thread:
        threads.append(threading.Thread(target=clean_order, args=(0.4,)))
    for t in threads:
        t.start()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    return calls[0] / 0.3


@alone
def convoy_effect():
    """t = Thread(target=io_loop) (time.sleep(0.0001) in a loop) beside a
    CPU-bound thread: each return from the sleep waits for the GIL."""
    alone = io_rate(False)
    beside = io_rate(True)
    return {"collapses": beside < alone / 3}


def ticker(count, stop, cpu=None):
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    while not stop.value:
        count.value += 1


def simultaneous(count, seconds=0.4, window_ns=40_000, enough=20):
    """Short windows in which this code ran without a break (under
    ``window_ns``) and saw ``count`` move: the ticker ran at that very
    moment, on another core. Stops at ``enough`` of them."""
    seen = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and seen < enough:
        t0 = time.perf_counter_ns()
        before = count.value
        for _ in range(50):
            pass
        after = count.value
        if time.perf_counter_ns() - t0 < window_ns and after != before:
            seen += 1
    return seen


class Box:
    def __init__(self):
        self.value = 0


@alone
def same_time_processes_not_threads():
    """A ticker and a watcher: as two processes (a GIL each) the watcher
    sees the ticker move while it runs itself; as two threads of one
    interpreter, never: one holds the GIL at a time. Robust to a busy
    machine: it needs only moments when both processes are on a core."""
    # Each on a core of its own, so the scheduler cannot put both on one
    # core while the other is busy with someone else's work.
    cpus = sorted(os.sched_getaffinity(0))
    mine = set(cpus)
    count, stop = mp.RawValue("q", 0), mp.RawValue("i", 0)
    p = mp.Process(target=ticker, args=(count, stop, cpus[0]))
    p.start()
    os.sched_setaffinity(0, {cpus[-1]})
    wait_for(lambda: count.value > 0)
    processes = simultaneous(count)
    os.sched_setaffinity(0, mine)
    stop.value = 1
    p.join()
    count, stop = Box(), Box()
    t = threading.Thread(target=ticker, args=(count, stop))
    t.start()
    threads = simultaneous(count)
    stop.value = 1
    t.join()
    return {"processes_at_once": processes > 0, "threads_at_once": threads > 0}


def two_cpu_threads():
    ts = [threading.Thread(target=clean_order, args=(30,)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


@case
def sigstop_stops_every_thread():
    """os.kill(pid, SIGSTOP) stops the whole interpreter: a thread cannot
    be signalled alone."""
    p = mp.Process(target=two_cpu_threads)
    p.start()
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGSTOP)
    wait_state(p.pid, "T")
    time.sleep(0.1)
    tasks = os.listdir(f"/proc/{p.pid}/task")
    states = sorted({state(f"{p.pid}/task/{t}") for t in tasks})
    p.kill()
    p.join()
    return {"threads": len(tasks), "states": states,
            "thread_kill_api": hasattr(threading.Thread, "kill")}


if __name__ == "__main__":
    run()
