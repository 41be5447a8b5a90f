"""Shared state two ways: an Array in shared memory, and a Manager's list
and dict, proxies to a server process."""

import multiprocessing as mp
import os
import time

from witness import alone, case, run

N = 2_000
RUNS = 3


def ppid_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return int(stat[stat.rindex(")") + 2:].split()[1])


@case
def a_manager_is_a_server_process():
    """mp.Manager() starts a server process, a child of the one that made
    it (m._process: private, but its only handle)."""
    with mp.Manager() as m:
        pid = m._process.pid
        return {"server_is_another_process": pid != os.getpid(),
                "server_is_a_child": ppid_of(pid) == os.getpid()
                and pid in [p.pid for p in mp.active_children()]}


def appends_and_sets(lst, d):
    lst.append("from the child")
    d["child"] = 1


@case
def a_proxy_change_reaches_every_process():
    with mp.Manager() as m:
        lst, d = m.list(), m.dict()
        p = mp.Process(target=appends_and_sets, args=(lst, d))
        p.start()
        p.join()
        return {"list_append_seen": list(lst) == ["from the child"],
                "dict_set_seen": dict(d) == {"child": 1}}


def changes_nested(d):
    d["appended"].append(1)                # changes a copy, then drops it
    d["reassigned"] = d["reassigned"] + [1]  # sends the new list back


@case
def a_change_inside_a_nested_list_is_lost():
    """d['k'] returns a copy of the list the server holds: appending to it
    changes nothing there; assigning d['k'] anew does."""
    with mp.Manager() as m:
        d = m.dict()
        d["appended"], d["reassigned"] = [], []
        p = mp.Process(target=changes_nested, args=(d,))
        p.start()
        p.join()
        return {"nested_change_seen": d["appended"] == [1],
                "reassigned_seen": d["reassigned"] == [1]}


def read_write(seq, n):
    """n times seq[j] = seq[j] + 1 (a read and a write); seconds taken."""
    size = len(seq)
    t = time.perf_counter()
    for i in range(n):
        j = i % size
        seq[j] = seq[j] + 1
    return time.perf_counter() - t


@alone
def a_manager_proxy_is_slower_than_an_array():
    """The same reads and writes on an Array (with its lock) and on a
    Manager's list: the best of three runs each. About 30 to 45 times
    faster on an idle machine, more on a busy one."""
    arr = mp.Array("i", 10)
    with mp.Manager() as m:
        lst = m.list([0] * 10)
        on_array = min(read_write(arr, N) for _ in range(RUNS))
        on_list = min(read_write(lst, N) for _ in range(RUNS))
        same = list(lst) == list(arr)
    ratio = on_list / on_array
    return {"array_at_least_10x_faster": same and ratio >= 10,
            "ratio": round(ratio)}


def writes(arr):
    arr[0] = 42


@case
def an_array_write_is_seen_by_the_parent():
    arr = mp.Array("i", 4)
    p = mp.Process(target=writes, args=(arr,))
    p.start()
    p.join()
    return {"seen": arr[0] == 42}


if __name__ == "__main__":
    run()
