"""CPython's side of the queue benchmark: multiprocessing.Queue and
JoinableQueue from one producer process to one consumer process, Pipe one
way, and Pipe round trips.

Prints one JSON object. Run by benches/queue.rs in the same run as
proclab's figures. Each figure is measured twice: with a small tuple
(producer pid, sequence number, time sent), what proclab's items carry,
and with a bare int, CPython's cheapest message. Rates are messages per
second between the consumer's first and last message. One call measures
one figure once, so that benches/queue.rs can interleave CPython's runs
with proclab's and both see the same machine load.
"""

import json
import multiprocessing as mp
import os
import sys
import time


def message(kind, pid, i):
    return (pid, i, time.monotonic_ns()) if kind == "tuple" else i


def producer(q, n, kind):
    pid = os.getpid()
    for i in range(n):
        q.put(message(kind, pid, i))
    q.put(None)


def consumer(q, out, joinable):
    first = None
    count = 0
    while True:
        item = q.get()
        if joinable:
            q.task_done()
        if item is None:
            break
        if first is None:
            first = time.perf_counter()
        count += 1
        last = time.perf_counter()
    out.put((count, first, last))


def queue_rate(n, joinable, kind):
    ctx = mp.get_context("fork")
    q = ctx.JoinableQueue() if joinable else ctx.Queue()
    out = ctx.Queue()
    c = ctx.Process(target=consumer, args=(q, out, joinable))
    p = ctx.Process(target=producer, args=(q, n, kind))
    c.start()
    p.start()
    count, first, last = out.get()
    p.join()
    c.join()
    return (count - 1) / (last - first)


def sender(w, r, n, kind):
    r.close()
    pid = os.getpid()
    for i in range(n):
        w.send(message(kind, pid, i))
    w.close()


def receiver(r, w, out):
    w.close()
    first = None
    count = 0
    while True:
        try:
            r.recv()
        except EOFError:
            break
        if first is None:
            first = time.perf_counter()
        count += 1
        last = time.perf_counter()
    out.put((count, first, last))


def pipe_rate(n, kind):
    ctx = mp.get_context("fork")
    r, w = ctx.Pipe(duplex=False)
    out = ctx.Queue()
    c = ctx.Process(target=receiver, args=(r, w, out))
    p = ctx.Process(target=sender, args=(w, r, n, kind))
    c.start()
    p.start()
    r.close()
    w.close()
    count, first, last = out.get()
    p.join()
    c.join()
    return (count - 1) / (last - first)


def pinger(a, b, n, out, kind):
    b.close()
    pid = os.getpid()
    start = time.perf_counter()
    for i in range(n):
        a.send(message(kind, pid, i))
        a.recv()
    out.put(n / (time.perf_counter() - start))
    a.close()


def ponger(b, a):
    a.close()
    while True:
        try:
            b.send(b.recv())
        except EOFError:
            break


def round_trips(n, kind):
    ctx = mp.get_context("fork")
    a, b = ctx.Pipe()
    out = ctx.Queue()
    p = ctx.Process(target=pinger, args=(a, b, n, out, kind))
    q = ctx.Process(target=ponger, args=(b, a))
    q.start()
    p.start()
    a.close()
    b.close()
    rate = out.get()
    p.join()
    q.join()
    return rate


FIGURES = {
    "queue": lambda n, kind: queue_rate(n, False, kind),
    "joinable": lambda n, kind: queue_rate(n, True, kind),
    "pipe": pipe_rate,
    "round_trips": lambda n, kind: round_trips(max(1, n // 10), kind),
}


def main():
    """`version`, or `FIGURE KIND N`: prints one rate, messages per second."""
    if sys.argv[1] == "version":
        print(sys.version.split()[0])
        return
    figure, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(FIGURES[figure](n, kind))


if __name__ == "__main__":
    main()
