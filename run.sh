#!/usr/bin/env bash
# Territory Desktop: one command to install and launch, one to test.
#   ./run.sh           install (first time) and open the bundled sample plan
#   ./run.sh test      install (first time) and run the test suite, offline
#   ./run.sh setup     install only
#   ./run.sh doctor    say which Python would be used and which system libraries Qt lacks
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv

# Python 3.12 is preferred; 3.11 and 3.13 work too (PySide6 is pinned to 6.11.3, which is safe on
# all three: 6.12.0 on 3.11 aborts long sessions). Found on PATH, or named by $PYTHON.
SUPPORTED="3.12 3.13 3.11"

python_version() {  # "3.12" for a working interpreter, nothing otherwise
  "$1" -c 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

pick_python() {
  local v c
  if [ -n "${PYTHON:-}" ]; then
    case " $SUPPORTED " in *" $(python_version "$PYTHON") "*) echo "$PYTHON"; return ;; esac
    echo "error: PYTHON=$PYTHON is not Python ${SUPPORTED// / or } with venv" >&2; exit 1
  fi
  for v in $SUPPORTED; do
    # on PATH, or installed by pyenv (whose python3.X shims only answer for the active version)
    for c in "python$v" \
        $(command -v pyenv >/dev/null 2>&1 && pyenv versions --bare 2>/dev/null \
          | grep -E "^$v\.[0-9]+$" | sort -t. -k3 -n -r \
          | sed "s|^|$(pyenv root)/versions/|; s|\$|/bin/python$v|"); do
      [ "$(python_version "$c")" = "$v" ] && { echo "$c"; return; }
    done
  done
  for c in python3 python; do
    case " $SUPPORTED " in *" $(python_version "$c") "*) echo "$c"; return ;; esac
  done
  echo "error: Territory Desktop needs Python 3.12 (or 3.11 / 3.13) with venv; none found on PATH." >&2
  echo "       Install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv) or run" >&2
  echo "       PYTHON=/path/to/python3.12 ./run.sh" >&2
  exit 1
}

setup() {
  local stamp="$VENV/.installed-$(sha1sum pyproject.toml resources/web/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)"
  if [ ! -x "$VENV/bin/python" ]; then
    local python
    python=$(pick_python)
    echo "Creating $VENV with $python ($("$python" --version 2>&1))" >&2
    "$python" -m venv "$VENV"
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

qt_libs() {
  # A fresh Linux desktop may lack libraries Qt loads at start (xcb plugin, WebEngine): install
  # them where we may (root with apt-get), else say exactly what to install.
  [ "$(uname)" = "Linux" ] || return 0
  "$VENV/bin/python" scripts/check_qt_libs.py >/dev/null 2>&1 && return 0
  local packages
  packages=$("$VENV/bin/python" scripts/check_qt_libs.py --packages 2>/dev/null || true)
  if [ -n "$packages" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing the system libraries Qt needs: $packages" >&2
    # shellcheck disable=SC2086  # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages \
      >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends $packages >/dev/null; } || true
  fi
  "$VENV/bin/python" scripts/check_qt_libs.py && return 0
  exit 1
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
    qt_libs
    shift || true
    exec "$VENV/bin/python" main.py --sample "$@" ;;
  test)
    setup; shift || true
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}  # what tests/qt/conftest.py uses
    qt_libs
    # Tests must pass with no network: run them in a network namespace when we can make one.
    if unshare -n true 2>/dev/null; then
      exec unshare -n "$VENV/bin/python" -m pytest "$@"
    fi
    echo "note: cannot create a network namespace; running tests with the network present" >&2
    exec "$VENV/bin/python" -m pytest "$@" ;;
  doctor)
    python=$(pick_python)
    echo "Python: $python ($("$python" --version 2>&1))"
    if [ -x "$VENV/bin/python" ]; then
      "$VENV/bin/python" scripts/check_qt_libs.py && echo "Qt system libraries: all present"
    else
      echo "Qt system libraries: not checked until ./run.sh setup has installed PySide6"
    fi ;;
  *) echo "usage: ./run.sh [run|test|setup|doctor] [args...]" >&2; exit 2 ;;
esac
