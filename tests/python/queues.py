"""Queue and JoinableQueue between processes: sentinels, a full queue,
q.join(), task_done(), and an item lost with a killed consumer."""

import multiprocessing as mp
import queue
import sys
import time

from witness import HANG, RETURNED, case, outcome, run, wait_for, wait_state


def joiner(q):
    q.join()
    sys.exit(RETURNED)


def putter(q, item):
    q.put(item)
    sys.exit(RETURNED)


def takes_one_and_stalls(q, got):
    q.get()
    got.set()
    while True:
        time.sleep(0.01)


def consumer(q, seen):
    """item = q.get(); ...; q.task_done(), until the sentinel."""
    while True:
        item = q.get()
        if item is None:
            if hasattr(q, "task_done"):
                q.task_done()
            return
        seen.put(item)
        if hasattr(q, "task_done"):
            q.task_done()


def producer(q, stop):
    i = 0
    while not stop.is_set():
        q.put(i)
        i += 1
        time.sleep(0.01)


def drain(seen):
    out = []
    while True:
        try:
            out.append(seen.get(timeout=0.2))
        except queue.Empty:
            return out


@case
def joinable_lost_item():
    """A consumer killed after get() and before task_done(): q.join()
    waits forever, though every other item is done."""
    q, got, seen = mp.JoinableQueue(), mp.Event(), mp.Queue()
    for i in range(3):
        q.put(i)
    stall = mp.Process(target=takes_one_and_stalls, args=(q, got))
    stall.start()
    got.wait(5)
    stall.kill()
    stall.join()
    q.put(None)
    c = mp.Process(target=consumer, args=(q, seen))
    c.start()
    c.join()
    j = mp.Process(target=joiner, args=(q,))
    j.start()
    return {
        "others_done": len(drain(seen)),
        "consumer_exit": c.exitcode,
        "join": "hang" if outcome(j) == "hang" else "returned",
    }


@case
def queue_lost_item():
    """A plain Queue: the item a killed consumer took is gone."""
    q, got, seen = mp.Queue(), mp.Event(), mp.Queue()
    for i in range(3):
        q.put(i)
    stall = mp.Process(target=takes_one_and_stalls, args=(q, got))
    stall.start()
    got.wait(5)
    stall.kill()
    stall.join()
    q.put(None)
    c = mp.Process(target=consumer, args=(q, seen))
    c.start()
    c.join()
    left = drain(seen)
    return {"put": 3, "got_after": len(left), "lost": 3 - len(left)}


@case
def join_returns_when_done():
    """q.join() returns at once with nothing unfinished, and once every
    item put has had its task_done()."""
    q, seen = mp.JoinableQueue(), mp.Queue()
    j = mp.Process(target=joiner, args=(q,))
    j.start()
    at_once = outcome(j) == RETURNED
    for i in range(5):
        q.put(i)
    j = mp.Process(target=joiner, args=(q,))
    j.start()
    j.join(0.3)
    waits = j.is_alive()
    c = mp.Process(target=consumer, args=(q, seen))
    c.start()
    q.put(None)
    returned = outcome(j) == RETURNED
    c.join()
    return {"empty_returns_at_once": at_once, "blocks_while_unfinished": waits,
            "returns_when_all_done": returned}


@case
def task_done_too_many():
    q = mp.JoinableQueue()
    q.put(1)
    q.get()
    q.task_done()
    try:
        q.task_done()
        raised = None
    except ValueError as e:
        raised = f"ValueError: {e}"
    return {"raises": raised}


@case
def full_queue_blocks_put():
    q = mp.JoinableQueue(maxsize=2)
    q.put(1)
    q.put(2)
    try:
        q.put(3, timeout=0.2)
        full = None
    except queue.Full:
        full = "queue.Full"
    p = mp.Process(target=putter, args=(q, None))
    p.start()
    p.join(0.3)
    blocked = p.is_alive()
    q.get()
    went_in = outcome(p) == RETURNED
    return {"put_timeout_raises": full, "put_blocks": blocked,
            "sentinel_goes_in_when_room": went_in}


@case
def empty_queue_blocks_get():
    q = mp.Queue()
    try:
        q.get(timeout=0.2)
        got = "an item"
    except queue.Empty:
        got = "queue.Empty"
    return {"get_timeout_raises": got}


@case
def sentinel_shutdown():
    """Stop the producer, join it, then a None per consumer: each consumer
    finishes what is ahead of its sentinel and returns; nothing is lost."""
    q, seen, stop = mp.JoinableQueue(maxsize=8), mp.Queue(), mp.Event()
    prod = mp.Process(target=producer, args=(q, stop))
    cons = [mp.Process(target=consumer, args=(q, seen)) for _ in range(2)]
    prod.start()
    for c in cons:
        c.start()
    time.sleep(0.2)
    stop.set()
    prod.join()
    for _ in cons:
        q.put(None)
    for c in cons:
        c.join()
    items = drain(seen)
    j = mp.Process(target=joiner, args=(q,))
    j.start()
    return {
        "producer_exit": prod.exitcode,
        "consumer_exits": [c.exitcode for c in cons],
        "every_item_once": sorted(items) == list(range(len(items))) and len(items) > 0,
        "join": "returned" if outcome(j) == RETURNED else "hang",
    }


def paced(q, rate, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        q.put(1)
        time.sleep(1 / rate)


@case
def paced_producer():
    """time.sleep(1/20) between puts: at most 20 items a second."""
    q = mp.Queue()
    p = mp.Process(target=paced, args=(q, 20, 0.5))
    p.start()
    p.join()
    n = len(drain(q))
    return {"at_most_the_rate": 0 < n <= 11}


def works(q, rate, seconds, done):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        q.get()
        time.sleep(1 / rate)  # the work on each item
        done.put(1)


@case
def paced_consumer():
    """time.sleep(1/20) of work on each item: at most 20 items a second,
    however many wait."""
    q, done = mp.Queue(), mp.Queue()
    for i in range(100):
        q.put(i)
    c = mp.Process(target=works, args=(q, 20, 0.5, done))
    c.start()
    c.join()
    n = len(drain(done))
    return {"at_most_the_rate": 0 < n <= 11}


if __name__ == "__main__":
    run()
