# Dry Needling: Benefits and Safety - set-up and everyday commands.
#
#   make lab     set everything up and open the course in JupyterLab
#   make test    set everything up and run every test
#   make grade-demo  a demo cohort through grading, item analysis and records
#   make learner-edition  the course without answers, for learners and public hosting
#                (make learner-edition SELF_MARKING=1: with 'Mark my quiz' for self-study; carries the keys)
#   make bench   benchmarks against Jupyter's own floor (build/bench/results.md and ratios.png;
#                make bench BENCH_ARGS='--size tiny' for a quick check)
#   make release regenerate release/ from source/ with nbgrader
#                (make release QUIZ=s02-benefits-and-evidence: only that quiz)
#
# Everything is installed into .venv in this folder, from the pins in
# environment.yml; nothing outside the folder is changed, except that on a
# Debian machine without Python's venv module it is installed with apt-get.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader runs `alembic` and `jupyter` as subprocesses: the venv's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)
COURSE := $(VENV)/.course-installed
TESTS := $(VENV)/.tests-installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PIP := $(BIN)/python -m pip install --disable-pip-version-check --no-input -q
# The packages are installed with uv (pinned in requirements-build.txt), which installs the same
# pinned packages from PyPI several times faster than pip; where uv cannot be installed, pip does it.
# --compile-bytecode writes the .pyc files at install time, as pip does: grading kernels run in a
# read-only sandbox, where Python could not write them and would compile every module on each start.
UV := $(BIN)/uv
INSTALL = $(if $(wildcard $(UV)),$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python,$(PIP))

.PHONY: lab test release grade-demo learner-edition venv system-deps browser-deps bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "the course needs Python 3.11, found " + sys.version' \
	  || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "Installing Debian's venv support for Python (python3.11-venv)..."; \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3.11-venv && $(PYTHON) -m venv $(VENV); }

$(UV): requirements-build.txt | $(BIN)/python
	@$(PIP) -r requirements-build.txt || echo "Could not install uv; pip installs the packages instead (slower)."

$(COURSE): $(BIN)/python environment.yml pyproject.toml tools/pins.py | $(UV)
	$(BIN)/python tools/pins.py environment.yml > $(VENV)/course-requirements.txt
	$(INSTALL) -r $(VENV)/course-requirements.txt
	$(INSTALL) -e .
	@touch $@

# Debian packages listed in debian-packages.txt, installed with apt-get when missing
# (as root, or with sudo). Where that is impossible the tests say what is missing.
system-deps:
	@missing=$$(grep -v '^#' debian-packages.txt | while read -r pkg; do \
	  [ -z "$$pkg" ] || dpkg -s "$$pkg" >/dev/null 2>&1 || echo "$$pkg"; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing \
	    || echo "Could not install $$missing; the tests that need them will say so."; fi

# The browser tests (tests/browser) drive Debian's Chromium with Playwright and
# scan pages with axe-core. Chromium is installed with apt-get when missing (as
# root, or with sudo); axe-core with `npm ci` into tests/browser/node_modules
# (git-ignored). Where that is impossible the browser tests say what is missing
# (and fail under CI).
AXE := tests/browser/node_modules/axe-core/axe.min.js
browser-deps: $(AXE)
	@[ -x /usr/bin/chromium ] || { \
	  echo "Installing Debian's Chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    || echo "Could not install chromium; the browser tests will say so."; }

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installing Debian's npm for axe-core..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; } || true
	@cd tests/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
	  || echo "Could not install axe-core; the browser tests will say so."
	@[ ! -f $@ ] || touch $@

# The clinic hub (deploy/hub, docs/deploy.md): its Python environment in a folder every
# account can read (DNCOURSE_HUB_VENV, default /opt/dncourse-hub/venv; built from Debian's
# python3.11 with the pins of environment.yml, JupyterHub and the course package) and
# configurable-http-proxy (npm ci into deploy/hub/node/node_modules, git-ignored).
# Nothing to do when up to date; where it cannot be built, tests/deploy/test_hub.py says
# what is missing (and fails under CI).
export DNCOURSE_HUB_VENV ?= /opt/dncourse-hub/venv
.PHONY: hub-deps
hub-deps:
	@bash deploy/hub/install.sh

$(TESTS): $(COURSE) requirements-test.txt
	$(INSTALL) -r requirements-test.txt
	@touch $@

venv: $(COURSE)

# The learner's view: JupyterLab serves the learner's own folder (LEARNER_FOLDER, my-course/ by
# default), which holds copies of the lessons (notebooks/) and the student quizzes (release/), never
# source/; missing files are copied in, files already there are never overwritten.
# jupyter/learner holds the course's learner configuration (the same files Binder's postBuild
# installs). Instructors run `jupyter lab` in the course folder.
LEARNER_FOLDER ?= my-course
lab: $(COURSE)
	$(BIN)/python -m dncourse.learner_folder $(LEARNER_FOLDER)
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter/learner $(BIN)/jupyter lab $(ROOT_FLAG) \
	  --LabServerApp.app_settings_dir=$(CURDIR)/jupyter/learner/lab-settings \
	  --ServerApp.root_dir=$(abspath $(LEARNER_FOLDER)) --LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb

# The clinic hub's test (tests/deploy) spends most of its minute waiting for servers to start, so
# `make test` runs it beside the rest, in a pytest of its own, and prints its report after theirs;
# either failing fails the command. With PYTEST_ARGS, pytest runs just what they name.
test: $(TESTS) system-deps browser-deps hub-deps
ifeq ($(strip $(PYTEST_ARGS)),)
	@mkdir -p build; \
	$(BIN)/python -m pytest tests/deploy -p no:cacheprovider > build/hub-test.log 2>&1 & hub=$$!; \
	$(BIN)/python -m pytest --ignore=tests/deploy; main=$$?; \
	wait $$hub; hub_rc=$$?; \
	echo "=== tests/deploy/test_hub.py, run beside the tests above (exit $$hub_rc) ==="; \
	cat build/hub-test.log; \
	[ $$main -eq 0 ] && [ $$hub_rc -eq 0 ]
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

# Benchmarks (bench/): lessons headless and in the browser, grading, imports, each beside its
# floor; reports only, never fails on slowness. `python -m bench.stress` runs every lesson
# headless ten times on a busy machine and reports the slowest run.
bench: $(TESTS) system-deps browser-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

release: $(COURSE)
	$(BIN)/python -m dncourse.instructor.release $(QUIZ)

grade-demo: $(COURSE) system-deps
	$(BIN)/dncourse --course build/demo-course grade-demo --learners 12

# SELF_MARKING=1: every quiz ends with 'Mark my quiz' (carries the keys: never where grades count).
learner-edition: $(COURSE)
	$(BIN)/python -m dncourse.instructor.learner_edition $(if $(filter 1 yes true,$(SELF_MARKING)),--self-marking,) build/learner-edition

clean:
	rm -rf $(VENV) .pytest_cache
