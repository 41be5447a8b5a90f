"""Producers and consumers around one Queue.

Two producers put numbered items; two slower consumers get them until
each gets a sentinel (None), one per consumer, put after the producers
are done. The queue's depth is the puts not yet got: it climbs to its
maxsize while the producers are ahead (then put() waits), and comes back
to zero at the end.

    python3 producer_consumer.py [ITEMS]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys
import time

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 500  # per producer


def producer(q, first):
    for n in range(first, first + ITEMS):
        q.put(n)


def consumer(q, totals):
    got, total = 0, 0
    while True:
        item = q.get()
        if item is None:  # the sentinel: no more items
            break
        time.sleep(0.001)  # the work each item takes
        got += 1
        total += item
    totals.put((got, total))


def main():
    q = mp.Queue(maxsize=100)  # a bounded queue: put() waits when it is full
    totals = mp.Queue()
    producers = [mp.Process(target=producer, args=(q, i * ITEMS), name=f"producer-{i}") for i in range(2)]
    consumers = [mp.Process(target=consumer, args=(q, totals), name=f"consumer-{i}") for i in range(2)]
    for p in producers + consumers:
        p.start()
    for p in producers:
        p.join()
    for _ in consumers:
        q.put(None)
    results = [totals.get() for _ in consumers]
    for c in consumers:
        c.join()
    got = sum(g for g, _ in results)
    total = sum(t for _, t in results)
    print(f"consumed {got} items, sum {total} (expected {sum(range(2 * ITEMS))})")


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    main()
