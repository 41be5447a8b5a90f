"""A fetch -> process -> save pipeline: three processes joined by two
Queues, each stage working on one page while the next stage works on the
one before. A None travels down the pipeline behind the last page and
stops each stage in turn.

    python3 pipeline.py [PAGES]         # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys
import time

PAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 8


def fetch(pages):
    for n in range(PAGES):
        time.sleep(0.01)  # the network
        pages.put((n, f"page {n} " + "word " * (n + 1)))
    pages.put(None)


def process(pages, counts):
    while (page := pages.get()) is not None:
        n, text = page
        counts.put((n, len(text.split())))
    counts.put(None)


def save(counts):
    while (count := counts.get()) is not None:
        n, words = count
        print(f"saved page {n}: {words} words")


def main():
    pages, counts = mp.Queue(), mp.Queue()
    stages = [
        mp.Process(target=fetch, args=(pages,), name="fetch"),
        mp.Process(target=process, args=(pages, counts), name="process"),
        mp.Process(target=save, args=(counts,), name="save"),
    ]
    for s in stages:
        s.start()
    for s in stages:
        s.join()
    print("pipeline done:", [s.exitcode for s in stages])


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    main()
