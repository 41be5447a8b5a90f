"""CPython's side of the GIL race: the same job as proclab's, run by real
threads (under CPython's real GIL) and real multiprocessing processes.

proclab runs this file (embedded in its binary) with `python3 -c`, one
configuration per call, interleaved with its own runs so both see the same
machine load. Every call prints one line of `key value` pairs.

    calibrate TASK_MS                           -> version V iters N
    run MODE WORKERS TASKS ITERS WORKLOAD TASK_MS  -> wall S cpu S
    convoy MODE CPU_WORKERS SECONDS             -> ops_per_s X

MODE is threads or processes; WORKLOAD is cpu or io. A CPU-bound task is
`for _ in range(ITERS): pass`, ITERS calibrated so one task alone takes
TASK_MS; an I/O-bound task is time.sleep(TASK_MS / 1000).
"""

import multiprocessing as mp
import resource
import sys
import threading
import time


def clean_order(iters):
    for _ in range(iters):
        pass


def work(quota, iters, io, task_s):
    for _ in range(quota):
        if io:
            time.sleep(task_s)
        else:
            clean_order(iters)


def share(tasks, workers, i):
    return tasks // workers + (1 if i < tasks % workers else 0)


def calibrate(task_ms):
    # The fastest of short runs: a run that was preempted is slow, never fast.
    n = 200_000
    best = float("inf")
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        clean_order(n)
        best = min(best, time.perf_counter() - t)
    iters = int(n * (task_ms / 1000.0) / best)
    print(f"version {sys.version.split()[0]} iters {iters}")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(mode, workers, tasks, iters, workload, task_ms):
    io = workload == "io"
    args = [(share(tasks, workers, i), iters, io, task_ms / 1000.0) for i in range(workers)]
    if mode == "threads":
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        ts = [threading.Thread(target=work, args=a) for a in args]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    else:
        ctx = mp.get_context("fork")
        cpu0 = children_cpu()
        t0 = time.perf_counter()
        ps = [ctx.Process(target=work, args=a) for a in args]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        wall = time.perf_counter() - t0
        cpu = children_cpu() - cpu0
        if any(p.exitcode != 0 for p in ps):
            sys.exit("a worker process failed")
    print(f"wall {wall:.6f} cpu {cpu:.6f}")


def spin_until(stop):
    while not stop.is_set():
        clean_order(10_000)


def convoy(mode, cpu_workers, seconds):
    """Short blocking calls in the main thread beside CPU-bound workers."""
    if mode == "threads":
        stop = threading.Event()
        spinners = [threading.Thread(target=spin_until, args=(stop,)) for _ in range(cpu_workers)]
    else:
        stop = mp.get_context("fork").Event()
        spinners = [
            mp.get_context("fork").Process(target=spin_until, args=(stop,))
            for _ in range(cpu_workers)
        ]
    for s in spinners:
        s.start()
    time.sleep(0.5)
    ops = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        time.sleep(0.0001)
        ops += 1
    rate = ops / (time.perf_counter() - t0)
    stop.set()
    for s in spinners:
        s.join()
    print(f"ops_per_s {rate:.1f}")


def main(argv):
    what = argv[0]
    if what == "calibrate":
        calibrate(int(argv[1]))
    elif what == "run":
        mode, workers, tasks, iters, workload, task_ms = argv[1:7]
        run(mode, int(workers), int(tasks), int(iters), workload, int(task_ms))
    elif what == "convoy":
        convoy(argv[1], int(argv[2]), float(argv[3]))
    else:
        sys.exit(f"unknown command {what!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
