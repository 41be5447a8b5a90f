"""Ties every process forked by a Celery node to the process that forked it.

Python imports `sitecustomize` at start-up from PYTHONPATH. proclab puts
this folder there for its nodes, so a node's prefork pool processes get a
parent-death signal: killing the node (even with SIGKILL) kills them too,
instead of leaving them to finish their task as orphans.
"""

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_forker = [0]


def _before_fork():
    _forker[0] = os.getpid()


def _after_fork_in_child():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # The parent may have died before the signal was set: then it never comes.
    if os.getppid() != _forker[0]:
        os._exit(1)


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
