#!/usr/bin/env bash
# Territory Desktop: one command to install and launch, one to test.
#   ./run.sh           install (first time) and open the bundled sample plan
#   ./run.sh test      install (first time) and run the test suite, offline
#   ./run.sh setup     install only
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv

pick_python() {
  # PySide6 6.12.0 on Python 3.11 aborts long sessions; we pin 6.11.3 and prefer Python 3.12+.
  for c in python3.12 python3.13 "$HOME/.pyenv/versions/3.12.1/bin/python3.12" \
           /root/.pyenv/versions/3.12.1/bin/python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 || [ -x "$c" ]; then
      if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        echo "$c"; return
      fi
    fi
  done
  echo "error: Python 3.11 or newer is required" >&2; exit 1
}

setup() {
  local stamp="$VENV/.installed-$(sha1sum pyproject.toml resources/web/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)"
  if [ ! -x "$VENV/bin/python" ]; then
    "$(pick_python)" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
    # Compile the routing kernels now (numba caches them on disk), not on the first matrix.
    "$VENV/bin/python" -c "from territory_desktop.routing.cch import warm_up; warm_up()"
    rm -f "$VENV"/.installed-*; touch "$stamp"
  fi
  "$VENV/bin/python" scripts/install_web_assets.py
}

qt_env() {
  # QtWebEngine refuses to run as root without this (a launcher setting, not app code).
  if [ "$(id -u)" = "0" ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
}

case "${1:-run}" in
  setup) setup ;;
  run)
    setup; qt_env
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = "Linux" ]; then
      echo "note: no display found; running headless (QT_QPA_PLATFORM=offscreen)" >&2
      export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    fi
    shift || true
    exec "$VENV/bin/python" main.py --sample "$@" ;;
  test)
    setup; shift || true
    # Tests must pass with no network: run them in a network namespace when we can make one.
    if unshare -n true 2>/dev/null; then
      exec unshare -n "$VENV/bin/python" -m pytest "$@"
    fi
    echo "note: cannot create a network namespace; running tests with the network present" >&2
    exec "$VENV/bin/python" -m pytest "$@" ;;
  *) echo "usage: ./run.sh [run|test|setup] [args...]" >&2; exit 2 ;;
esac
