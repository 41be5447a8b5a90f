"""Processes: start, join, terminate and kill in the parent; in the child,
what it is (its Process name and target) and its exit code; the moment
the parent learns a child's exit code (a zombie is reaped); a Manager and
its server process.
"""

import os

from . import hooks, where, wire
from .hooks import on_import, report

POOL_WORKER = "multiprocessing.pool.worker"
MANAGER_SERVER = "._run_server"


def role_of(target):
    if target == POOL_WORKER:
        return "pool_worker"
    if target is not None and target.endswith(MANAGER_SERVER):
        return "manager"
    return "process"


def _method(p):
    m = getattr(type(p), "_start_method", None)
    if m is None:
        import sys

        ctx = sys.modules.get("multiprocessing.context")
        if ctx is not None:
            m = ctx._default_context.get_start_method(allow_none=True)
    return m


def _describe(p):
    target = where.callable_name(p.__dict__.get("_target"))
    return {
        "name": p.__dict__.get("_name"),
        "target": target,
        "daemon": bool(p.__dict__.get("_config", {}).get("daemon", False)),
        "role": role_of(target),
        "method": _method(p),
    }


def _pid(p):
    popen = p.__dict__.get("_popen")
    return getattr(popen, "pid", None)


def _returncode(p):
    popen = p.__dict__.get("_popen")
    return getattr(popen, "returncode", None)


def _started(p, described):
    e = {"k": "start", "pid": _pid(p), "at": where.at()}
    e.update(described)
    wire.emit(e)


def _start(orig):
    # start() drops the target once the child has it: describe it before.
    def start(self):
        try:
            described = _describe(self)
        except Exception:
            described = None
        try:
            orig(self)
        except BaseException as e:
            hooks.hide(e)
            raise
        if described is not None:
            report(_started, self, described)

    return start


def _joined(result, args, kwargs):
    p = args[0]
    timeout = args[1] if len(args) > 1 else kwargs.get("timeout")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
        timeout = None
    wire.emit(
        {"k": "join", "pid": _pid(p), "exitcode": _returncode(p), "timeout": timeout, "at": where.at()}
    )
    from . import shared

    shared.sample_now()


def _signalled(kind):
    def before(args, kwargs):
        p = args[0]
        wire.emit({"k": kind, "pid": _pid(p), "at": where.at()})

    return before


def _bootstrap(orig):
    def _bootstrap(self, *args, **kwargs):
        try:
            e = {"k": "proc", "ppid": os.getppid(), "ident": list(self._identity)}
            e.update(_describe(self))
            wire.emit(e)
            wire.flush(wire.TIMEOUT)
        except Exception:
            pass
        try:
            code = orig(self, *args, **kwargs)
        except BaseException as e:
            hooks.hide(e)
            raise
        try:
            wire.emit({"k": "exit", "code": code if isinstance(code, int) else None})
            wire.flush(wire.TIMEOUT)
        except Exception:
            pass
        return code

    return _bootstrap


@on_import("multiprocessing.process")
def _patch_process(m):
    bp = m.BaseProcess
    hooks.replace(bp, "start", _start)
    hooks.wrap(bp, "join", after=_joined)
    hooks.wrap(bp, "terminate", before=_signalled("terminate"))
    hooks.wrap(bp, "kill", before=_signalled("kill"))
    hooks.replace(bp, "_bootstrap", _bootstrap)


def _reaped(popen, code):
    user, api = where.frames()
    via = api.f_code.co_name if api is not None else None
    wire.emit({"k": "reaped", "pid": popen.pid, "exitcode": code, "via": via, "at": where.line_of(user)})


def _poll(orig):
    def poll(self, flag=os.WNOHANG):
        before = self.returncode
        try:
            code = orig(self, flag)
        except BaseException as e:
            hooks.hide(e)
            raise
        if before is None and code is not None:
            report(_reaped, self, code)
        return code

    return poll


@on_import("multiprocessing.popen_fork")
def _patch_popen_fork(m):
    hooks.replace(m.Popen, "poll", _poll)


@on_import("multiprocessing.popen_forkserver")
def _patch_popen_forkserver(m):
    hooks.replace(m.Popen, "poll", _poll)


def _manager_started(result, args, kwargs):
    mgr = args[0]
    at, nested = where.site()
    process = mgr.__dict__.get("_process")
    wire.emit(
        {
            "k": "made",
            "what": type(mgr).__name__,
            "id": hooks.new_id(),
            "server": getattr(process, "pid", None),
            "at": at,
        }
    )


def _proxy_made(what):
    def after(result, args, kwargs):
        at, nested = where.site()
        if not nested:
            wire.emit({"k": "made", "what": what, "id": hooks.new_id(), "at": at})

    return after


@on_import("multiprocessing.managers")
def _patch_managers(m):
    hooks.wrap(m.BaseManager, "start", after=_manager_started)
    # A manager's list() and dict(): the shared objects the course uses.
    for name in ("list", "dict"):
        hooks.wrap(m.SyncManager, name, after=_proxy_made(f"Manager.{name}"))
