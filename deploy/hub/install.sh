#!/usr/bin/env bash
# Install what the clinic hub (deploy/hub) needs: `make hub-deps` runs this.
#
# 1. JupyterHub's proxy, configurable-http-proxy, with `npm ci` into
#    deploy/hub/node/node_modules (pinned by package-lock.json, git-ignored).
#    Only the hub (root) runs it, so it may live in the checkout.
# 2. The hub's Python environment, in a folder every user can read
#    (default /opt/dncourse-hub/venv; set DNCOURSE_HUB_VENV to change it):
#    every learner's and grader's Jupyter server runs from it under their own
#    account, so it must not be built on an interpreter under /root (the
#    checkout's .venv is). It is built from Debian's /usr/bin/python3.11
#    (set DNCOURSE_HUB_PYTHON to change it) with the course's pins
#    (environment.yml, through tools/pins.py), deploy/hub/requirements.txt
#    (JupyterHub) and the course package itself, installed as a copy (not
#    editable: the checkout may be private). The packages are installed with
#    uv (requirements-build.txt, installed into the environment
#    with pip first), or with pip alone where uv cannot be had; both keep a
#    cache of what they downloaded (root's ~/.cache), so a rebuild is quicker.
#
# Up to date means nothing to do: the environment carries a stamp named after
# a hash of its requirements, and another after a hash of the course
# package's files (a changed package is reinstalled on its own, in seconds).
#
# Never fails: where something cannot be built (no npm, no Python 3.11, no
# network, not allowed to write the folder) it says what is missing and stops
# with status 0, and the hub test (tests/deploy/test_hub.py) says so again
# (and fails under CI).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${DNCOURSE_HUB_VENV:-/opt/dncourse-hub/venv}"
PY="${DNCOURSE_HUB_PYTHON:-/usr/bin/python3.11}"
PIP_QUIET=(--disable-pip-version-check --no-input -q)

say() { echo "hub-deps: $*"; }
give_up() { say "$*"; say "the hub test (tests/deploy/test_hub.py) will say what is missing."; exit 0; }

# --- 1. configurable-http-proxy ---------------------------------------------
CHP="$HERE/node/node_modules/.bin/configurable-http-proxy"
LOCK="$HERE/node/package-lock.json"
if [ ! -x "$CHP" ] || [ "$LOCK" -nt "$HERE/node/node_modules/.package-lock.json" ]; then
  if command -v npm >/dev/null; then
    (cd "$HERE/node" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
      || say "could not install configurable-http-proxy with npm ci in deploy/hub/node"
  else
    say "npm is missing (Debian: apt-get install npm; \`make browser-deps\` installs it as root)"
  fi
fi

# --- 2. the hub's Python environment ------------------------------------------
[ -x "$PY" ] || give_up "no Python at $PY (Debian: apt-get install python3.11 python3.11-venv)"
"$PY" -c 'import sys, venv, ensurepip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || give_up "$PY is not a Python 3.11 with venv and ensurepip (Debian: apt-get install python3.11-venv)"

# The requirements: the course's pins, then the hub's own.
reqs="$("$PY" "$ROOT/tools/pins.py" "$ROOT/environment.yml")" || give_up "could not read the pins in environment.yml"
reqs="$reqs
$(grep -Ev '^\s*(#|$)' "$HERE/requirements.txt")"
deps_key="$(printf '%s\n%s\n%s\n' "$reqs" "$(cat "$ROOT/requirements-build.txt")" "$("$PY" -V 2>&1)" \
  | sha256sum | cut -c1-16)"
# The course package: every file pip would install, by content.
pkg_key="$(cd "$ROOT" && find pyproject.toml dncourse -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"

if [ -f "$VENV/.deps-$deps_key" ] && [ -f "$VENV/.course-$pkg_key" ]; then
  exit 0   # up to date
fi

mkdir -p "$(dirname "$VENV")" 2>/dev/null && [ -w "$(dirname "$VENV")" ] \
  || give_up "cannot write $(dirname "$VENV") (run as root, or set DNCOURSE_HUB_VENV to a folder you can write)"

# install_packages ARGS...: pip-style install arguments, run with uv where the environment has it, else pip
install_packages() {
  if [ -x "$VENV/bin/uv" ]; then
    "$VENV/bin/uv" pip install --quiet --compile-bytecode --python "$VENV/bin/python" "$@"
  else
    "$VENV/bin/python" -m pip install "${PIP_QUIET[@]}" "$@"
  fi
}

if [ ! -f "$VENV/.deps-$deps_key" ]; then
  say "building the hub's Python environment in $VENV ..."
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || give_up "could not create a venv at $VENV"
  "$VENV/bin/python" -m pip install "${PIP_QUIET[@]}" -r "$ROOT/requirements-build.txt" \
    || say "could not install uv; installing with pip instead (slower)"
  printf '%s\n' "$reqs" > "$VENV/hub-requirements.txt"
  install_packages -r "$VENV/hub-requirements.txt" \
    || { rm -rf "$VENV"; give_up "could not install the hub's packages (see the message above)"; }
  touch "$VENV/.deps-$deps_key"
fi

say "installing the course package into $VENV ..."
rm -f "$VENV"/.course-*
build="$(mktemp -d)"
# Build from a copy, so that nothing is written into the checkout.
(cd "$ROOT" && tar cf - --exclude=__pycache__ --exclude="*.egg-info" pyproject.toml dncourse) | tar xf - -C "$build"
if [ -x "$VENV/bin/uv" ]; then again=--reinstall; else again=--force-reinstall; fi
install_packages --no-deps "$again" "$build" \
  || { rm -rf "$build"; give_up "could not install the course package into $VENV"; }
rm -rf "$build"
touch "$VENV/.course-$pkg_key"

# Every user runs this environment: make it readable (and its programs runnable) by all.
chmod -R a+rX "$(dirname "$VENV")"
say "the hub's environment is ready: $VENV"
