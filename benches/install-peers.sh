#!/usr/bin/env bash
# Installs the programs the benchmarks measure proclab beside: htop (the
# UI CPU figure). python3 is expected on the machine already.
set -euo pipefail
if command -v htop >/dev/null; then
  echo "htop is installed: $(htop --version | head -1)"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get install -y htop || { $SUDO apt-get update && $SUDO apt-get install -y htop; }
