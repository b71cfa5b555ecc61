"""A learner's kernel imports the lessons' heavy libraries while the learner reads.

Opening a lesson takes JupyterLab a few seconds; the kernel is ready long
before the page is, and then sits idle.  Loaded as an IPython extension in a
kernel that Jupyter Server started for a notebook, this module imports
ipywidgets (and, for a lesson with figures, matplotlib, NumPy and Pillow) in
a background thread during that idle time, and jsonschema only while some data
file has not yet passed its schema on this machine (then it checks every
table, so later lessons need no jsonschema at all), so the lesson's
first figure or widget does not wait for them.  The first cell the learner
runs waits until the imports are done, so code never runs while a library is
half imported; after that nothing of this module is left running.

Only lessons are warmed: notebooks whose code uses the course package beyond
the quizzes' answer checker (see :func:`modules_for`).  A quiz, any other
notebook, grading kernels, the tests' kernels and plain ``ipython`` (no
Jupyter Server ``JPY_SESSION_NAME``) are left alone.  Nothing happens on import; the learner configuration
(``jupyter/learner/ipython_kernel_config.json``) loads the extension.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
from pathlib import Path

__all__ = ["FIGURE_MODULES", "MODULES", "load_ipython_extension", "modules_for", "start", "wait"]

# What every lesson loads (widgets, the data loader's schemas), and what a lesson that draws
# figures loads too.
MODULES = ("ipywidgets", "jsonschema")
FIGURE_MODULES = ("numpy", "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg",
                  "matplotlib.backends.backend_svg", "PIL.Image")

# The course modules a notebook's code imports.
_COURSE_IMPORT = re.compile(r"\b(?:from|import)\s+dncourse\.(\w+)")

_thread: threading.Thread | None = None
_shell = None


def _import_all(modules) -> None:
    from .fastimport import defer_iri_grammar

    defer_iri_grammar()   # as the course's data loader does, before jsonschema is imported
    for name in modules:
        try:
            if name == "jsonschema":
                _check_data()
            else:
                importlib.import_module(name)
        except Exception:  # the cell that needs it will show the error itself
            pass


def _check_data() -> None:
    """Import jsonschema only if some data file has not passed its schema here yet, and then check them all.

    Once every table has passed on this machine (see :mod:`dncourse.validated`),
    later lessons load the course's data without jsonschema at all.
    """
    from . import loader

    if loader.unchecked_tables():
        importlib.import_module("jsonschema")
        loader.check_all()


def start(shell=None, modules=MODULES) -> threading.Thread:
    """Import ``modules`` in a background thread; ``shell``'s next cell waits for them."""
    global _thread, _shell
    if _thread is None:
        _thread = threading.Thread(target=_import_all, args=(tuple(modules),), name="dncourse-preload",
                                   daemon=True)
        _thread.start()
        if shell is not None:
            _shell = shell
            shell.events.register("pre_run_cell", wait)
    return _thread


def wait(*_info) -> None:
    """Block until the background imports are done (the first cell calls this before it runs)."""
    global _shell
    if _thread is not None:
        _thread.join()
    if _shell is not None:
        _shell.events.unregister("pre_run_cell", wait)
        _shell = None


def modules_for(path: Path) -> tuple[str, ...]:
    """What to import ahead for the notebook at ``path``: nothing for a quiz or another notebook.

    A lesson is a notebook whose code imports course modules other than the
    quizzes' answer checker; if any of them draws figures (its source uses
    matplotlib or the course's figure helpers), matplotlib and its kin too.
    """
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                         for c in nb.get("cells", []) if c.get("cell_type") == "code")
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return ()
    package = Path(__file__).resolve().parent
    used = {name for name in _COURSE_IMPORT.findall(code) if name != "answers"}
    if not used:
        return ()
    draws = False
    for name in used:
        try:
            source = (package / f"{name}.py").read_text(encoding="utf-8")
        except OSError:
            continue
        draws = draws or "matplotlib" in source or "from .figures import" in source
    return FIGURE_MODULES + MODULES if draws else MODULES


def load_ipython_extension(ipython) -> None:
    """IPython extension hook: start the imports in a kernel Jupyter Server opened for a lesson.

    Jupyter Server names the notebook in ``JPY_SESSION_NAME`` and starts the
    kernel in the notebook's folder.
    """
    session = os.environ.get("JPY_SESSION_NAME")
    if not session or type(ipython).__name__ != "ZMQInteractiveShell":
        return
    modules = modules_for(Path.cwd() / Path(session).name)
    if modules:
        start(ipython, modules)
