"""Pool.map and Pool.imap_unordered.

map cuts the items into chunks (chunksize, when not given:
len(items) / (4 * processes), rounded up) and returns the results in the
order of the items, once all are done. imap_unordered hands out one item
at a time (chunksize 1) and yields each result as soon as it is ready,
in the order they finish.

    python3 pool_map.py                 # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import time


def square(n):
    return n * n


def slow_square(n):
    time.sleep(0.02 * (n % 4))  # some tasks take longer than others
    return n * n


def main():
    with mp.Pool(processes=2) as pool:
        print("map:", pool.map(square, range(20)))
        for result in pool.imap_unordered(slow_square, range(8)):
            print("imap_unordered gave", result)


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    main()
