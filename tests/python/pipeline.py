"""fetch -> process -> save over a Pipe and a JoinableQueue: the sentinel
that shuts it down, and what a dead stage does to its neighbours."""

import multiprocessing as mp
import os
import sys
import time

from witness import BROKEN_PIPE, EOF_ERROR, case, end_of, held_by, outcome, run


def fetch(r, w, n, close=True):
    if close:
        r.close()
    try:
        for i in range(n):
            w.send(i)
            time.sleep(0.001)
        w.send(None)
    except BrokenPipeError:
        sys.exit(BROKEN_PIPE)
    if n >= 10**9:
        while True:
            time.sleep(0.01)


def process(r, w, q, close=True):
    if close:
        w.close()
    try:
        while True:
            item = r.recv()
            if item is None:
                break
            q.put(item * 2)
    except EOFError:
        q.put(None)
        sys.exit(EOF_ERROR)
    q.put(None)


def save(q, out, r=None, w=None):
    """Not an end of the pipe, yet under fork it inherits both: it closes
    them too, or neither neighbour would ever see the pipe close."""
    if r is not None:
        r.close()
        w.close()
    while True:
        item = q.get()
        q.task_done()
        if item is None:
            return
        out.put(item)


def stages(n, close=True):
    r, w = mp.Pipe(duplex=False)
    ends = {"r": end_of(r), "w": end_of(w)}
    q, out = mp.JoinableQueue(maxsize=8), mp.Queue()
    ps = [mp.Process(target=fetch, args=(r, w, n, close)),
          mp.Process(target=process, args=(r, w, q, close)),
          mp.Process(target=save, args=(q, out) + ((r, w) if close else ()))]
    for p in ps:
        p.start()
    if close:
        r.close()
        w.close()
    else:
        # A parent that closes nothing keeps both: main() holds r and w.
        ends["kept"] = (r, w)
    ends["q"] = q
    return ps, out, ends


def holders(end, ps, dead):
    """Who holds ``end`` once stage ``dead`` is gone: the parent and the
    stages still alive, by name."""
    names = {"parent": os.getpid()}
    names.update((n, p.pid) for n, p in zip(("fetch", "process", "save"), ps) if n != dead)
    return held_by(end, names)


@case
def sentinel_drains_the_line():
    ps, out, _ = stages(50)
    codes = [outcome(p, 5) for p in ps]
    got = [out.get(timeout=2) for _ in range(50)]
    return {"exitcodes": codes, "in_order": got == [2 * i for i in range(50)]}


@case
def fetch_killed_ends_closed():
    """process meets EOFError, passes a sentinel on; save returns."""
    ps, out, ends = stages(10**9)
    time.sleep(0.2)
    ps[0].kill()
    ps[0].join()
    held = holders(ends["w"], ps, "fetch")
    code = outcome(ps[1])
    return {"process": "EOFError" if code == EOF_ERROR else code, "save": outcome(ps[2]),
            "held_by": held}


@case
def fetch_killed_ends_open():
    """Nobody closes an end: process waits in recv() for ever, as the
    parent, process itself and save still hold w."""
    ps, out, ends = stages(10**9, close=False)
    time.sleep(0.2)
    ps[0].kill()
    ps[0].join()
    held = holders(ends["w"], ps, "fetch")
    return {"process": outcome(ps[1]), "held_by": held}


@case
def bystander_keeps_the_pipe_open():
    """Only the two ends close what they do not use, but save (forked
    after Pipe()) still holds both: process never sees EOF."""
    r, w = mp.Pipe(duplex=False)
    w_end = end_of(w)
    q, out = mp.JoinableQueue(maxsize=8), mp.Queue()
    ps = [mp.Process(target=fetch, args=(r, w, 10**9)),
          mp.Process(target=process, args=(r, w, q)),
          mp.Process(target=save, args=(q, out))]
    for p in ps:
        p.start()
    r.close()
    w.close()
    time.sleep(0.2)
    ps[0].kill()
    ps[0].join()
    held = holders(w_end, ps, "fetch")
    return {"process": outcome(ps[1]), "held_by": held}


@case
def process_killed_ends_closed():
    """fetch's send() meets BrokenPipeError once nobody can read."""
    ps, out, ends = stages(10**9)
    time.sleep(0.2)
    ps[1].kill()
    ps[1].join()
    held = holders(ends["r"], ps, "process")
    code = outcome(ps[0])
    return {"fetch": "BrokenPipeError" if code == BROKEN_PIPE else code, "held_by": held}


@case
def process_killed_parent_puts_the_sentinel():
    """process gone, save waits on the queue: the parent puts the sentinel
    in process's place, and save returns."""
    ps, out, ends = stages(10**9)
    time.sleep(0.2)
    ps[1].kill()
    ps[1].join()
    ends["q"].put(None)
    return {"save": outcome(ps[2])}


@case
def process_killed_ends_open():
    """Nobody closes an end: fetch fills the pipe and its send() then
    blocks for ever, as the parent, fetch itself and save still hold r."""
    ps, out, ends = stages(10**9, close=False)
    time.sleep(0.2)
    ps[1].kill()
    ps[1].join()
    held = holders(ends["r"], ps, "process")
    return {"fetch": outcome(ps[0]), "held_by": held}


if __name__ == "__main__":
    run()
