"""What crosses between processes is pickled.

A Queue or a Pipe sends a pickle of the object (pickle.dumps) and the
receiver builds a new object from it: it gets a copy, and what it
changes in it the sender never sees. (Queue.put pickles later, in the
queue's feeder thread: change an object just after putting it and the
change may go too.) A large object costs time on both sides: to pickle
it, to go through the pipe, to unpickle it.

What pickle cannot store fails: a function is pickled by its name, and
a lambda's name, <lambda>, names nothing. Pipe.send and Pool.map raise
PicklingError at once; Queue.put returns, the pickling fails later in
the feeder thread, which prints a traceback on stderr, and the item
never arrives. Process(target=square) needs no pickle under fork (the
child is a copy), but spawn must pickle the target: start() raises.

    python3 pickling.py [SENDS]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import pickle
import queue
import sys
import time

SENDS = int(sys.argv[1]) if len(sys.argv) > 1 else 1  # of the large list

# At module level on purpose: pickle looks it up as __main__.<lambda>
# and fails with PicklingError (a lambda made inside a function fails
# with AttributeError, "Can't pickle local object").
square = lambda x: x * x  # noqa: E731


def change(q, back):
    items = q.get()  # a new list, unpickled from what the parent sent
    items.append("child's")
    back.put(items)


def count(q, back):
    while (items := q.get()) is not None:
        back.put(len(items))


def a_copy():
    q, back = mp.Queue(), mp.Queue()
    p = mp.Process(target=change, args=(q, back))
    p.start()
    items = [1, 2, 3]
    q.put(items)
    theirs = back.get()
    p.join()
    print(f"the child changed its list to {theirs}", flush=True)
    print(f"the parent's list is still {items}", flush=True)


def a_large_object():
    big = list(range(1_000_000))
    mb = len(pickle.dumps(big)) / 1e6
    print(f"a list of 1,000,000 ints pickles to {mb:.1f} MB", flush=True)
    q, back = mp.Queue(), mp.Queue()
    p = mp.Process(target=count, args=(q, back))
    p.start()
    for n in range(1, SENDS + 1):
        started = time.perf_counter()
        q.put(big)
        back.get()  # its length, once the child has unpickled it
        ms = (time.perf_counter() - started) * 1000
        line = f"send {n}: to the child and its length back: {ms:.0f} ms"
        print(line, flush=True)
    q.put(None)
    p.join()


def a_lambda():
    a, b = mp.Pipe()
    try:
        a.send(square)
    except Exception as e:
        line = f"conn.send(square) on a Pipe raised {type(e).__name__}"
        print(line, flush=True)
    a.close()
    b.close()

    q = mp.Queue()
    q.put(square)  # returns: the feeder thread pickles it later, and fails
    try:
        q.get(timeout=0.5)
        got = "got an item"
    except queue.Empty:
        got = "raised queue.Empty: the item never arrived"
    line = "q.put(square) on a Queue returned (stderr: the feeder's traceback)"
    print(line, flush=True)
    print(f"q.get(timeout=0.5) {got}", flush=True)
    q.close()
    q.join_thread()

    with mp.Pool(2) as pool:
        try:
            pool.map(square, range(4))
        except Exception as e:
            line = f"pool.map(square, ...) raised {type(e).__name__}"
            print(line, flush=True)

    for method in ("fork", "spawn"):
        # An explicit context: the same lines whatever MP_START says.
        p = mp.get_context(method).Process(target=square, args=(3,))
        try:
            p.start()
        except Exception as e:
            line = f"{method}: Process(target=square) raised {type(e).__name__}"
        else:
            p.join()
            line = f"{method}: Process(target=square) ran, exitcode {p.exitcode}"
        print(line, flush=True)


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    a_copy()
    a_large_object()
    a_lambda()
