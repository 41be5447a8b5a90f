"""What crosses a Queue or a Pipe is pickled: the receiver gets a copy,
what pickle cannot store (a module-level lambda) fails, where and when
depending on the way it is sent, and a large object costs time to send
and fills the pipe."""

import io
import multiprocessing as mp
import queue
import statistics
import sys
import threading
import time

from witness import HANG, alone, case, run, wait_for

# Module level, as in the example: pickle looks it up as
# __main__.<lambda> and raises PicklingError (a lambda made inside a
# function raises AttributeError, "Can't pickle local object").
square = lambda x: x * x  # noqa: E731


def change(q, back):
    items = q.get()
    # A Pipe pickles at send(); a Queue would pickle later, in its feeder
    # thread, and could send the list as changed below.
    back.send(items)  # as it came
    items.append("child's")
    back.send(items)  # changed


def name_of(e):
    return type(e).__name__


@case
def the_receiver_gets_a_copy():
    q = mp.Queue()
    back, theirs = mp.Pipe(duplex=False)
    p = mp.Process(target=change, args=(q, theirs))
    p.start()
    theirs.close()
    items = [1, 2, 3]
    q.put(items)
    as_it_came = back.recv() if back.poll(30) else None
    changed = back.recv() if back.poll(30) else None
    p.join()
    back.close()
    assert changed == [1, 2, 3, "child's"]
    return {"equal": as_it_came == items,
            "change_seen_by_sender": items != [1, 2, 3]}


@case
def a_pipe_send_of_a_lambda_raises_at_once():
    a, b = mp.Pipe()
    try:
        a.send(square)
        raised = None
    except Exception as e:
        raised = name_of(e)
    finally:
        a.close()
        b.close()
    return {"raised": raised}


@case
def a_queue_put_of_a_lambda_returns_and_the_item_never_arrives():
    """The feeder thread pickles the item after put() has returned; its
    failure goes to traceback.print_exc(), that is to sys.stderr as it
    is then, captured here."""
    q = mp.Queue()
    captured = io.StringIO()
    stderr, sys.stderr = sys.stderr, captured
    try:
        try:
            q.put(square)
            put_raised = False
        except Exception:
            put_raised = True
        try:
            q.get(timeout=HANG)
            arrived = True
        except queue.Empty:
            arrived = False
        reported = wait_for(lambda: "PicklingError" in captured.getvalue(), HANG)
    finally:
        sys.stderr = stderr
        q.close()
        q.join_thread()
    return {"put_raised": put_raised, "arrived": arrived,
            "feeder_reported": reported}


@case
def pool_map_of_a_lambda_raises_in_the_caller():
    with mp.Pool(2) as pool:
        try:
            pool.map(square, range(4))
            raised = None
        except Exception as e:
            raised = name_of(e)
    pool.join()
    return {"raised": raised}


@case
def a_lambda_target_starts_under_fork_not_spawn():
    """fork copies the parent, target and all; spawn pickles the target
    to send it to the new interpreter, before starting it."""
    p = mp.get_context("fork").Process(target=square, args=(3,))
    p.start()
    p.join()
    s = mp.get_context("spawn").Process(target=square, args=(3,))
    try:
        s.start()
        s.join()
        spawn_raised = None
    except Exception as e:
        spawn_raised = name_of(e)
    return {"fork_exitcode": p.exitcode, "spawn_raised": spawn_raised}


BIG = bytes(10 * 2**20)  # pickles to a little over 10 MiB


@case
def a_large_put_returns_with_no_reader_a_large_send_blocks():
    """Queue.put hands the object to the feeder thread and returns; the
    feeder is the one that blocks on the full pipe (64 KiB). Pipe.send
    writes itself, and blocks until someone reads."""
    q = mp.Queue()
    got = None
    try:
        done = threading.Event()
        putter = threading.Thread(
            target=lambda: (q.put(BIG), done.set()), daemon=True)
        putter.start()
        put_returned = done.wait(HANG)
        putter.join(HANG)
        got = q.get(timeout=30)  # unblocks the feeder
        assert len(got) == len(BIG)
    finally:
        if got is None:
            q.cancel_join_thread()  # a feeder still blocked is not waited for
        q.close()
        q.join_thread()

    a, b = mp.Pipe()
    try:
        sent = threading.Event()
        sender = threading.Thread(
            target=lambda: (a.send(BIG), sent.set()), daemon=True)
        sender.start()
        send_returned = sent.wait(HANG)
        got = b.recv()  # unblocks the sender
        sender.join(30)
        assert len(got) == len(BIG) and not sender.is_alive()
    finally:
        a.close()
        b.close()
    return {"put_returned": put_returned, "send_returned": send_returned}


def acknowledge(conn):
    while (items := conn.recv()) is not None:
        conn.send(len(items))


def send_and_receive(conn, items, rounds=7):
    """Median time to send ``items`` and have its length back."""
    took = []
    for _ in range(rounds):
        t = time.perf_counter()
        conn.send(items)
        assert conn.recv() == len(items)
        took.append(time.perf_counter() - t)
    return statistics.median(took)


@alone
def a_larger_object_costs_more_to_send():
    """The time goes with the size: pickling, the pipe, unpickling."""
    ours, theirs = mp.Pipe()
    p = mp.Process(target=acknowledge, args=(theirs,))
    p.start()
    try:
        theirs.close()
        n = 100_000
        small = send_and_receive(ours, list(range(n)))
        large = send_and_receive(ours, list(range(10 * n)))
        ours.send(None)
        p.join(30)
    finally:
        ours.close()
    return {"ten_times_larger_costs_more": large > 3 * small}


if __name__ == "__main__":
    run()
