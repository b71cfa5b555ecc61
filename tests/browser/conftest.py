"""Fixtures for the real-browser tests: one JupyterLab server and one Chromium per session.

The server serves a throw-away copy of the lessons and released quizzes in the
course's learner configuration (see ``jlab.py``).  Without Chromium, Playwright
or axe-core the tests are skipped with a reason that says how to install them,
except under CI (``CI=true``), where they fail instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from tests.support.course import IN_CI

from tests.support import jlab


def _missing_or_skip(problem: str) -> None:
    message = f"{problem}: {jlab.INSTALL_HINT}"
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium (the tests never download a browser of their own)."""
    path = jlab.CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _missing_or_skip(f"Chromium is not installed at {path}")
    if importlib.util.find_spec("playwright") is None:
        _missing_or_skip("Playwright for Python is missing (it is in requirements-test.txt)")
    return path


@pytest.fixture(scope="session")
def axe_source() -> Path:
    """axe-core's script, installed by ``make browser-deps`` (npm ci in tests/browser)."""
    if not jlab.AXE_JS.exists():
        message = (f"axe-core is not installed at {jlab.AXE_JS.relative_to(jlab.ROOT)}: run `make browser-deps` "
                   "(it runs `npm ci` in tests/browser)")
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return jlab.AXE_JS


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots and reports go (``test-artifacts/browser``, git-ignored)."""
    jlab.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return jlab.ARTIFACTS


@pytest.fixture(scope="session")
def browser(chromium_executable, playwright_session):
    """One Chromium for the session, from the session's shared Playwright driver."""
    chromium = playwright_session.chromium.launch(executable_path=chromium_executable, args=jlab.CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def lab_server(chromium_executable, tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a random port and token, in the learner configuration."""
    work = tmp_path_factory.mktemp("jupyter")
    server = jlab.JupyterServer(root=jlab.make_course_root(work / "course"), workdir=work / "state")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, lab_server, request, artifacts):
    """A fresh browser tab; page errors are collected in ``page.dn_errors``.

    Afterwards every kernel is shut down (2 cores: one lesson's kernel at a
    time), and the console log is saved next to the screenshots.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.dn_errors = []
    console = []
    tab.on("pageerror", lambda error: tab.dn_errors.append(str(error)))
    tab.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    yield tab
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    (artifacts / f"{name}.console.log").write_text("\n".join(console) + "\n", encoding="utf-8")
    context.close()
    status, body = lab_server.request("/api/sessions")
    if status == 200:
        for session in json.loads(body):
            lab_server.request(f"/api/sessions/{session['id']}", method="DELETE")
