#!/usr/bin/env bash
# Installs what the cluster lab runs: Debian's redis-server and Python's
# celery[redis] (pinned), each only when it is missing. Safe to run again.
# Run as root on Debian (or with sudo at hand).
set -euo pipefail

CELERY_VERSION="5.7.0"
PYTHON="${PYTHON:-python3}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if command -v redis-server >/dev/null; then
  echo "redis-server is installed: $(redis-server --version)"
else
  # The package lists may be missing on a fresh machine: update once on failure.
  $SUDO apt-get install -y redis-server \
    || { $SUDO apt-get update && $SUDO apt-get install -y redis-server; }
fi

if "$PYTHON" -c "import celery, kombu, redis" 2>/dev/null; then
  echo "celery is installed: $("$PYTHON" -c 'import celery; print(celery.__version__)')"
else
  # The redis extra brings the redis client kombu needs; plain `celery redis`
  # does not pin a client that this celery accepts.
  "$PYTHON" -m pip install "celery[redis]==${CELERY_VERSION}"
fi
