"""Pipes, locks and shared memory: a Pipe made (with the inode of each
end, which /proc shows in every process holding it) and each end closed;
Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event and Barrier
made; Value and Array made, and their current values read by the sender
in the process that made them (without taking their lock: reading never
waits on the program).
"""

import os
import weakref

from . import hooks, where, wire
from .hooks import on_import

ARRAY_SHOWN = 32

# id -> [weakref to the Value/Array, is an array, last value sent]
_values = {}


def _ino(conn):
    handle = conn.__dict__.get("_handle")
    if handle is None:
        return None
    return os.fstat(handle).st_ino


def _pipe_made(result, args, kwargs):
    at, nested = where.site()
    if nested:
        return
    duplex = args[0] if args else kwargs.get("duplex", True)
    a, b = result
    wire.emit(
        {"k": "made", "what": "Pipe", "id": hooks.new_id(), "duplex": bool(duplex), "ends": [_ino(a), _ino(b)], "at": at}
    )


def _conn_closing(args, kwargs):
    conn = args[0]
    ino = _ino(conn)
    if ino is None:
        return
    at, nested = where.site()
    if nested:
        return
    d = conn.__dict__
    wire.emit({"k": "close", "ino": ino, "r": bool(d.get("_readable")), "w": bool(d.get("_writable")), "at": at})


@on_import("multiprocessing.connection")
def _patch_connection(m):
    hooks.wrap(m, "Pipe", after=_pipe_made)
    hooks.wrap(m._ConnectionBase, "close", before=_conn_closing)


def _sync_made(result, args, kwargs):
    obj = args[0]
    at, nested = where.site()
    if nested:
        return
    what = type(obj).__name__
    e = {"k": "made", "what": what, "id": hooks.new_id(), "at": at}
    first = args[1] if len(args) > 1 else None
    if what in ("Semaphore", "BoundedSemaphore"):
        value = first if first is not None else kwargs.get("value", 1)
        if isinstance(value, int):
            e["initial"] = int(value)
    elif what == "Barrier":
        parties = first if first is not None else kwargs.get("parties")
        if isinstance(parties, int):
            e["parties"] = int(parties)
    wire.emit(e)


@on_import("multiprocessing.synchronize")
def _patch_synchronize(m):
    for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier"):
        cls = getattr(m, name, None)
        if cls is not None:
            hooks.wrap(cls, "__init__", after=_sync_made)


def _plain(v):
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, (bool, int, float)):
        return v
    return None


def _raw(obj):
    # a synchronized wrapper keeps the ctypes object in _obj
    d = getattr(obj, "__dict__", None)
    return d.get("_obj", obj) if d is not None else obj


def _read(obj, is_array):
    """(value, length): the value, or an Array's first elements."""
    raw = _raw(obj)
    if is_array:
        part = raw[:ARRAY_SHOWN]
        if isinstance(part, bytes):
            return part.decode("latin-1"), len(raw)
        return [_plain(x) for x in part], len(raw)
    return _plain(raw.value), None


def _shared_made(what, is_array):
    def after(result, args, kwargs):
        at, nested = where.site()
        if nested:
            return
        vid = hooks.new_id()
        kind = args[0] if args else None
        e = {"k": "made", "what": what, "id": vid, "at": at}
        if isinstance(kind, str):
            e["typecode"] = kind
        elif isinstance(kind, type):
            e["typecode"] = kind.__name__
        value, length = _read(result, is_array)
        e["value"] = value
        if length is not None:
            e["len"] = length
        wire.emit(e)
        # Only a weak reference: the program frees its memory as usual.
        _values[vid] = [weakref.ref(result), is_array, value]

    return after


def sample_now():
    """After a join: what the children left in shared memory, now."""
    for e in sample():
        wire.emit(e)


def sample():
    out = []
    for vid, entry in list(_values.items()):
        obj = entry[0]()
        if obj is None:
            del _values[vid]
            continue
        try:
            value = _read(obj, entry[1])[0]
        except Exception:
            continue
        if value != entry[2]:
            entry[2] = value
            out.append({"k": "val", "id": vid, "value": value})
    return out


wire.samplers.append(sample)
# Only the process that made a Value reads it: the memory is the same.
wire.fork_resetters.append(_values.clear)


@on_import("multiprocessing.sharedctypes")
def _patch_sharedctypes(m):
    for name, is_array in (("Value", False), ("Array", True), ("RawValue", False), ("RawArray", True)):
        hooks.wrap(m, name, after=_shared_made(name, is_array))
