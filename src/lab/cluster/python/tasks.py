"""The tasks of proclab's cluster lab: what every Celery node imports.

A node runs it as `celery -A tasks worker ...` with this folder on
PYTHONPATH. proclab sends these tasks from Rust as the same messages
`count_primes.delay(n)` would send from Python.
"""

import os
import time

from celery import Celery

app = Celery("tasks", broker=os.environ.get("PROCLAB_BROKER", "redis://127.0.0.1:6379/0"))

# How long a message taken by a node may stay unacknowledged before the
# broker's side (a sweep run by every live node) puts it back on the queue.
# Redis has no acknowledgements of its own: kombu keeps delivered messages
# in the `unacked` hash. The default is an hour; the lab keeps it short so
# that a task held by a killed node comes back while you watch. It must
# stay longer than any task here takes, or a task still running on a live
# node would be given to a second one.
VISIBILITY_TIMEOUT = float(os.environ.get("PROCLAB_VISIBILITY_TIMEOUT", "10"))

app.conf.update(
    # One message per pool process at a time: the queue's depth shows the
    # backlog, and a killed node holds few tasks.
    worker_prefetch_multiplier=1,
    broker_transport_options={
        "visibility_timeout": VISIBILITY_TIMEOUT,
        # Sweep for messages past their visibility timeout every second
        # (kombu's default: every 10 s, scanning on one sweep in 10).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
    # redis-server may still be starting when a node starts.
    broker_connection_retry_on_startup=True,
)


def _count_primes(n):
    """Primes up to n by trial division: pure CPU, holding the GIL."""
    count = 0
    for k in range(2, n + 1):
        d = 2
        while d * d <= k:
            if k % d == 0:
                break
            d += 1
        else:
            count += 1
    return count


@app.task
def count_primes(n):
    return _count_primes(n)


# acks_late is an option of the task, not of the message: a node looks up
# the task by name and acknowledges after it returns instead of before it
# starts. So the lab's "acks_late on" sends this task instead.
@app.task(acks_late=True)
def count_primes_late(n):
    return _count_primes(n)


@app.task
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(acks_late=True)
def sleep_late(seconds):
    time.sleep(seconds)
    return seconds


@app.task
def noop():
    """Does nothing: a batch of these measures what the broker costs."""
    return None
