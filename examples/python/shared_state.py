"""Shared state two ways: an Array, and a Manager's list and dict.

An Array lives in shared memory: a child's write lands in the very
memory the parent reads. A Manager starts a server process that holds
the real list and dict; every process gets proxies, and each access
through a proxy is a message to the server and its reply. A change
through a proxy (append, d[key] = ...) reaches everyone, but d["k"]
returns a copy of the list the server holds: appending to that copy
changes nothing there; assigning d["k"] anew does. Then N reads and
writes on each, to compare their speed.

    python3 shared_state.py [N]  # MP_START=spawn to spawn instead
"""

import multiprocessing as mp
import os
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000  # the speed loop's size


def writes(arr):
    for i in range(len(arr)):
        arr[i] = i * i


def appends_and_sets(lst, d):
    lst.append("from the child")
    d["child"] = True


def changes_nested(d):
    d["appended"].append(1)  # appends to a copy, which is then dropped
    d["reassigned"] = d["reassigned"] + [1]  # sends the new list back


def run(target, *args):
    p = mp.Process(target=target, args=args)
    p.start()
    p.join()


def read_write(seq, n):
    """n times seq[j] = seq[j] + 1 (a read and a write); seconds taken."""
    size = len(seq)
    start = time.perf_counter()
    for i in range(n):
        j = i % size
        seq[j] = seq[j] + 1
    return time.perf_counter() - start


def main():
    arr = mp.Array("i", 5)
    run(writes, arr)
    print(f"Array after the child's writes: {list(arr)}", flush=True)
    with mp.Manager() as m:
        server = m._process  # the server process (a private attribute)
        print(f"the manager is a separate process: {server.pid != os.getpid()}",
              flush=True)
        lst, d = m.list(), m.dict()
        run(appends_and_sets, lst, d)
        print(f"Manager list after the child: {list(lst)}", flush=True)
        print(f"Manager dict after the child: {dict(d)}", flush=True)
        d["appended"], d["reassigned"] = [], []
        run(changes_nested, d)
        print(f'd["appended"].append(1) in the child: {d["appended"]}',
              flush=True)
        print(f'd["reassigned"] = d["reassigned"] + [1]: {d["reassigned"]}',
              flush=True)
        on_list = read_write(m.list([0] * 10), N)
    on_array = read_write(mp.Array("i", 10), N)
    ops = 2 * N  # a read and a write each time
    print(f"{ops} reads and writes on the Array: {ops / on_array:,.0f}/s",
          flush=True)
    print(f"{ops} reads and writes on the list: {ops / on_list:,.0f}/s",
          flush=True)
    print(f"the Array is {on_list / on_array:.0f} times faster", flush=True)


if __name__ == "__main__":
    if os.environ.get("MP_START"):
        mp.set_start_method(os.environ["MP_START"])
    main()
