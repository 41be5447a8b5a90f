"""The wire to proclab: one SOCK_SEQPACKET connection per process.

Events are JSON objects, one per line; a batch of lines is one message.
Rare events (a process started, a Queue made) wait in a buffer; busy
figures (a Queue's puts and gets) are counters read by samplers. A sender
thread sends both every INTERVAL seconds, so a hot loop pays for an
increment, never for a message. Nothing here raises into the program:
when proclab goes away the connection is marked dead and the module falls
silent.

Fork: the child gets a new buffer, new locks and its own connection
(os.register_at_fork), and never waits on a lock of a thread that did not
follow it. Python 3.12 and later warn at os.fork() when the process has
other threads (a DeprecationWarning, counted from /proc/self/stat). 3.12
counts them after the before-fork hooks, so there the sender thread is
stopped before a fork and started again after it in the parent; 3.13
counts them before the hooks, so a program run with warnings shown (-W
default, -X dev), or calling os.fork() itself in __main__, sees the
warning while the sender thread runs.
"""

import _socket
import _thread
import fcntl
import os
import sys
import time
from collections import deque

from _json import encode_basestring_ascii as _estr

VERSION = 1
# The sender's tick; it doubles (up to IDLE_BACKOFF times) while nothing
# changes, since every wake-up of a thread takes the GIL from the
# program for a moment.
INTERVAL = 0.1
IDLE_BACKOFF = 8
TIMEOUT = 0.5
MAX_PENDING = 50000
MAX_MESSAGE = 60000
# Where the connection's fd is moved, so that the program's own fds get
# the numbers they would get without proclab.
HIGH_FDS = (1000, 500, 200)
STOP_THREAD_AT_FORK = (3, 12) <= sys.version_info < (3, 13)


class _State(object):
    def __init__(self):
        self.sock = None
        self.dead = False
        self.pid = os.getpid()
        self.events = deque()
        self.dropped = 0
        self.lock = _thread.allocate_lock()
        self.start_lock = _thread.allocate_lock()
        self.running = False
        self.gen = 0
        self.wake = None
        self.done = None
        self.resume_after_fork = False
        self.forking = False
        self.idle = False
        # set by a sampler that needs the next tick soon (a thread seen in
        # a blocking call once, to be confirmed waiting on the next)
        self.keep_ticking = False
        self.tid = None


st = _State()
# Called at each flush; each returns a list of events (busy figures).
samplers = []
# Called in a child after fork, to start its own counters.
fork_resetters = []


def now():
    return time.time()


def emit(event):
    """Queues one event for the next batch; starts the sender if needed."""
    if st.dead or st.sock is None:
        return
    if "t" not in event:
        event["t"] = time.time()
    ev = st.events
    if len(ev) >= MAX_PENDING:
        st.dropped += 1
    else:
        ev.append(event)
    if not st.running:
        ensure_sender()
    elif st.idle:
        # The sender sleeps long while idle: wake it for this event.
        st.idle = False
        try:
            st.wake.release()
        except Exception:
            pass


def encode(o):
    t = type(o)
    if t is str:
        return _estr(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return str(o)
    if t is float:
        if o == o and o not in (float("inf"), float("-inf")):
            return repr(o)
        return _estr(repr(o))
    if t is dict:
        return "{" + ",".join(_estr(str(k)) + ":" + encode(v) for k, v in o.items()) + "}"
    if t is list or t is tuple:
        return "[" + ",".join(encode(v) for v in o) + "]"
    if t is bytes:
        return _estr(o.decode("latin-1"))
    if isinstance(o, int):
        return str(int(o))
    return _estr(t.__name__)


def _send(lines, fds=None):
    """Sends lines in messages of at most MAX_MESSAGE bytes. True if sent."""
    sock = st.sock
    if sock is None or st.dead:
        return False
    chunk, size, ok = [], 0, True
    batches = []
    for line in lines:
        n = len(line) + 1
        if n > MAX_MESSAGE:
            st.dropped += 1
            continue
        if size + n > MAX_MESSAGE:
            batches.append(chunk)
            chunk, size = [], 0
        chunk.append(line)
        size += n
    if chunk:
        batches.append(chunk)
    for i, batch in enumerate(batches):
        data = "\n".join(batch).encode("utf-8", "replace")
        anc = []
        if fds and i == 0:
            raw = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
            anc = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, raw)]
        try:
            sock.sendmsg([data], anc, _socket.MSG_NOSIGNAL)
        except _socket.timeout:
            st.dropped += len(batch)
            ok = False
        except OSError:
            _die()
            return False
    return ok


def _die():
    st.dead = True
    sock, st.sock = st.sock, None
    st.events = deque()
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


def flush(wait=-1):
    """Sends what is pending. `wait`: seconds to wait for the lock, -1
    forever. Returns the number of events sent."""
    lock = st.lock
    if not lock.acquire(True, wait):
        return 0
    try:
        lines = []
        ev = st.events
        while ev:
            try:
                lines.append(encode(ev.popleft()))
            except IndexError:
                break
            except Exception:
                st.dropped += 1
        for sampler in samplers:
            try:
                for e in sampler():
                    lines.append(encode(e))
            except Exception:
                pass
        if st.dropped:
            lines.append(encode({"k": "dropped", "n": st.dropped, "t": time.time()}))
            st.dropped = 0
        if lines:
            _send(lines)
        return len(lines)
    finally:
        lock.release()


def ensure_sender():
    if st.running or st.dead or st.sock is None or st.forking:
        return
    if not st.start_lock.acquire(False):
        return
    try:
        if st.running:
            return
        st.gen += 1
        wake = _thread.allocate_lock()
        wake.acquire()
        done = _thread.allocate_lock()
        done.acquire()
        st.wake, st.done = wake, done
        st.running = True
        try:
            _thread.start_new_thread(_loop, (st.gen, wake, done))
        except Exception:
            st.running = False
    finally:
        st.start_lock.release()


def _loop(gen, wake, done):
    try:
        st.tid = _thread.get_native_id()
        _name_thread(st.tid)
        st.events.append({"k": "thread", "tid": st.tid, "t": time.time()})
        interval = INTERVAL
        while st.gen == gen and not st.dead:
            st.idle = interval > INTERVAL
            wake.acquire(True, interval)
            if st.gen != gen:
                break
            st.keep_ticking = False
            if flush() or st.keep_ticking:
                interval = INTERVAL
            else:
                interval = min(interval * 2, INTERVAL * IDLE_BACKOFF)
    except BaseException:
        pass
    finally:
        done.release()


def _name_thread(tid):
    """Names the thread `proclab` in /proc, so it is told from the program's."""
    try:
        fd = os.open("/proc/self/task/%d/comm" % tid, os.O_WRONLY)
        try:
            os.write(fd, b"proclab")
        finally:
            os.close(fd)
    except OSError:
        pass


def _threads():
    try:
        fd = os.open("/proc/self/stat", os.O_RDONLY)
        try:
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
        return int(data.rsplit(b")", 1)[1].split()[17])
    except (OSError, ValueError, IndexError):
        return 0


def _before_fork():
    if not (STOP_THREAD_AT_FORK and st.running):
        return
    st.forking = True
    before = _threads()
    st.gen += 1
    st.running = False
    st.resume_after_fork = True
    try:
        st.wake.release()
    except Exception:
        pass
    st.done.acquire(True, 0.2)
    # The thread's lock is released before the thread is gone from /proc.
    deadline = time.monotonic() + 0.02
    while before and _threads() >= before and time.monotonic() < deadline:
        time.sleep(0.0001)


def _after_fork_parent():
    st.forking = False
    if st.resume_after_fork:
        st.resume_after_fork = False
        ensure_sender()


def _after_fork_child():
    old = st.sock
    st.sock = None
    st.events = deque()
    st.dropped = 0
    st.lock = _thread.allocate_lock()
    st.start_lock = _thread.allocate_lock()
    st.running = False
    st.resume_after_fork = False
    st.forking = False
    st.gen += 1
    st.tid = None
    st.pid = os.getpid()
    if old is not None:
        try:
            old.close()
        except OSError:
            pass
    for reset in fork_resetters:
        try:
            reset()
        except Exception:
            pass
    st.dead = False
    connect("fork")


def _socket_high(sock):
    for base in HIGH_FDS:
        try:
            fd = fcntl.fcntl(sock.fileno(), fcntl.F_DUPFD_CLOEXEC, base)
        except OSError:
            continue
        high = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET, 0, fd)
        sock.close()
        return high
    return sock


def _cmdline():
    try:
        fd = os.open("/proc/self/cmdline", os.O_RDONLY)
        try:
            data = b""
            while True:
                part = os.read(fd, 65536)
                if not part:
                    break
                data += part
        finally:
            os.close(fd)
        return [a.decode("utf-8", "replace")[:300] for a in data.split(b"\0")[:-1]][:40]
    except OSError:
        return []


def role_from(argv):
    """What a Python process started by multiprocessing is, from its command."""
    code = ""
    if "-c" in argv:
        i = argv.index("-c")
        code = argv[i + 1] if i + 1 < len(argv) else ""
    if "multiprocessing.spawn import spawn_main" in code:
        return "spawn"
    if "multiprocessing.resource_tracker import main" in code:
        return "resource_tracker"
    if "multiprocessing.forkserver import main" in code:
        return "forkserver"
    if "multiprocessing.semaphore_tracker import main" in code:
        return "resource_tracker"
    return "python"


def connect(role):
    """Connects, says hello and, when asked, hands proclab this process's
    output. Returns True when connected."""
    path = os.environ.get("PROCLAB_EVENTS")
    if not path:
        st.dead = True
        return False
    sock = None
    try:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        sock = _socket_high(sock)
        sock.settimeout(TIMEOUT)
        sock.connect(path)
    except OSError:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        st.dead = True
        return False
    st.sock = sock
    st.dead = False
    argv = _cmdline()
    if role is None:
        role = role_from(argv)
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    hello = {
        "k": "hello",
        "v": VERSION,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "role": role,
        "py": "%d.%d.%d" % sys.version_info[:3],
        "ft": "t" in getattr(sys, "abiflags", ""),
        "gil": bool(is_gil_enabled()) if is_gil_enabled is not None else True,
        "exe": sys.executable,
        "argv": argv,
        "t": time.time(),
    }
    if not _send([encode(hello)]):
        return False
    if os.environ.get("PROCLAB_SPLIT_OUTPUT") == "1":
        _split_output()
    return True


def _fifo(fd):
    try:
        s = os.fstat(fd)
    except OSError:
        return None
    if s.st_mode & 0o170000 != 0o010000:
        return None
    return (s.st_dev, s.st_ino)


def _split_output():
    """Gives this process pipes of its own for fds 1 and 2, whose read ends
    go to proclab, so that each line is known to be this process's. Done
    only for fds that are pipes already and only once proclab holds the
    read ends, so nothing written can be lost or wait on a reader that
    never comes. stdout and stderr on one pipe are left as they are."""
    out, err = _fifo(1), _fifo(2)
    if out is not None and out == err:
        return
    streams = [(fd, name) for fd, name, ident in ((1, "stdout", out), (2, "stderr", err)) if ident]
    if not streams:
        return
    pipes = []
    try:
        for _ in streams:
            pipes.append(os.pipe())
    except OSError:
        for r, w in pipes:
            os.close(r)
            os.close(w)
        return
    line = encode({"k": "out", "streams": [name for _, name in streams], "t": time.time()})
    sent = _send([line], [r for r, _ in pipes])
    for (fd, _), (r, w) in zip(streams, pipes):
        try:
            if sent:
                os.dup2(w, fd)
        except OSError:
            pass
        os.close(w)
        os.close(r)


def _at_exit():
    """Last of the exit handlers (registered first): sends what is left and
    closes the connection, which would otherwise be reported unclosed
    (ResourceWarning) when the interpreter is torn down."""
    flush(TIMEOUT)
    st.gen += 1
    _die()


def start():
    """Connects the main process (or one exec'd by multiprocessing)."""
    if not connect(None):
        return False
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_parent,
        after_in_child=_after_fork_child,
    )
    import atexit

    atexit.register(_at_exit)
    return True
