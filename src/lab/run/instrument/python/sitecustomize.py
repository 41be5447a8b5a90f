"""proclab's start-up hook, put first on PYTHONPATH by `proclab run`.

It first runs the sitecustomize the program would have had without
proclab (the next one on sys.path), exactly as site.py would: an error in
it reaches site.py, which reports it as usual. Then it starts proclab's
instrumentation (the _proclab package beside this file), which never
raises, and takes this folder off sys.path again so that the program sees
the path it would have seen.
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))


def _others():
    return [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]


def _run_users_sitecustomize():
    from importlib.machinery import PathFinder
    from importlib.util import module_from_spec

    spec = PathFinder.find_spec("sitecustomize", _others())
    if spec is None or spec.loader is None:
        return
    module = module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


try:
    _run_users_sitecustomize()
finally:
    try:
        import _proclab

        _proclab.start()
    except Exception:
        pass
    sys.path[:] = _others()
