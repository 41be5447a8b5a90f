"""Who waits on what: at each tick the sender looks at every other thread's
stack (sys._current_frames(), as a sampling profiler does) for a blocking
multiprocessing call made by the program: Queue.get or put, a
JoinableQueue's join, a Connection's recv or poll, a Process's join, a
Pool's map or a result's get, an Event's or Condition's wait, a lock's
acquire (`with lock:` or `lock.acquire()`). A thread is reported waiting
when it is in the same call at the same line on two ticks in a row and
used almost no CPU in between (so a busy loop calling get() is not a
wait); a thread that may be waiting keeps the sender's tick short until
that is known. Nothing of the program runs: only its
frames are read.
"""

import sys
import time

from . import where, wire

# function name in a multiprocessing module -> what the program called
_CALLS = {
    ("queues", "get"): "Queue.get",
    ("queues", "put"): "Queue.put",
    ("queues", "join"): "JoinableQueue.join",
    ("connection", "recv"): "Connection.recv",
    ("connection", "recv_bytes"): "Connection.recv_bytes",
    ("connection", "poll"): "Connection.poll",
    ("process", "join"): "Process.join",
    ("pool", "map"): "Pool.map",
    ("pool", "starmap"): "Pool.starmap",
    ("pool", "apply"): "Pool.apply",
    ("pool", "join"): "Pool.join",
    ("pool", "get"): "AsyncResult.get",
    ("pool", "wait"): "AsyncResult.wait",
    ("pool", "next"): "IMapIterator.next",
    ("synchronize", "wait"): "wait",
    # `with lock:` (Lock, RLock, Semaphore...): __enter__ is Python code
    ("synchronize", "__enter__"): "acquire",
}
# a thread is waiting if it used less than this share of a tick's time
IDLE_SHARE = 0.2

# ident -> (call, at, cpu seconds, time) seen at the last tick
_seen = {}
_sent = [repr([])]


def _module(code):
    name = code.co_filename.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".py") else name


def _call_of(api):
    """What the program called, and the object it waits on, if known."""
    code = api.f_code
    call = _CALLS.get((_module(code), code.co_name))
    if call is None:
        return None, None
    if call in ("wait", "acquire"):
        owner = api.f_locals.get("self")
        call = type(owner).__name__ + "." + call if owner is not None else call
        return call, None
    obj = None
    owner = api.f_locals.get("self")
    d = getattr(owner, "__dict__", None) if owner is not None else None
    if d is not None:
        if call.startswith(("Queue", "JoinableQueue")):
            obj = d.get("_proclab_q")
        elif call == "Process.join":
            pid = getattr(d.get("_popen"), "pid", None)
            obj = str(pid) if pid is not None else None
    return call, obj


# `lock.acquire()` calls the C method itself: a thread blocked in it is
# in the program's own frame, stopped at the CALL, and the instructions
# before it name the object.
_LOADS = ("LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF")
_instructions = {}


def _instrs(code):
    found = _instructions.get(code)
    if found is None:
        import dis

        found = list(dis.get_instructions(code))
        _instructions[code] = found
    return found


def _named(frame, ins):
    """The object an instruction loads by name, if it is one."""
    if ins.opname not in _LOADS or not isinstance(ins.argval, str):
        return None
    for scope in (frame.f_locals, frame.f_globals):
        if ins.argval in scope:
            return scope[ins.argval]
    return None


def _acquire_called(frame):
    """``Lock.acquire`` (or an RLock's, a Semaphore's...) if ``frame`` is
    stopped in a call of a multiprocessing lock's acquire; None otherwise."""
    sync = sys.modules.get("multiprocessing.synchronize")
    if sync is None:
        return None
    try:
        instrs = _instrs(frame.f_code)
    except Exception:
        return None
    at = next((i for i, ins in enumerate(instrs) if ins.offset == frame.f_lasti), None)
    if at is None or instrs[at].opname != "CALL":
        return None
    for j in range(at - 1, max(at - 8, 0), -1):
        ins = instrs[j]
        if ins.opname in ("LOAD_METHOD", "LOAD_ATTR") and ins.argval == "acquire":
            obj = _named(frame, instrs[j - 1])
            if isinstance(obj, sync.SemLock):
                return type(obj).__name__ + ".acquire"
            return None
    return None


def _cpu(ident):
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (OSError, AttributeError, OverflowError):
        return None


def _native(ident):
    threading = sys.modules.get("threading")
    t = threading._active.get(ident) if threading is not None else None
    return getattr(t, "native_id", None)


def sample():
    now = time.monotonic()
    me = wire.st.tid
    waits = []
    frames = sys._current_frames()
    seen = {}
    top = f = api = user = None
    for ident, top in frames.items():
        native = _native(ident)
        if native is not None and native == me:
            continue
        f, api, user = top, None, None
        while f is not None:
            k = where.kind(f.f_code)
            if k == where.USER:
                user = f
                break
            if k == where.MP:
                api = f
            f = f.f_back
        call = obj = at = None
        if api is not None and user is not None:
            call, obj = _call_of(api)
            at = where.line_of(user)
        elif user is not None and user is top:
            call = _acquire_called(user)
            at = where.line_of(user) if call else None
        cpu = _cpu(ident)
        seen[ident] = (call, at, cpu, now)
        last = _seen.get(ident)
        if call is None or last is None or cpu is None or last[2] is None:
            continue
        if cpu - last[2] >= IDLE_SHARE * (now - last[3]):
            continue  # busy, not waiting
        if last[:2] == (call, at):
            waits.append({"tid": native, "call": call, "obj": obj, "at": at})
        else:
            # Idle and in a blocking call: confirm on the next tick, soon.
            wire.st.keep_ticking = True
    frames = f = api = user = top = None
    _seen.clear()
    _seen.update(seen)
    key = repr(waits)
    if key == _sent[0]:
        return []
    _sent[0] = key
    return [{"k": "waits", "w": waits, "t": time.time()}]


def _after_fork():
    _seen.clear()
    _sent[0] = repr([])


wire.samplers.append(sample)
wire.fork_resetters.append(_after_fork)
