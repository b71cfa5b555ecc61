"""A learner's kernel imports the lessons' heavy libraries while the learner reads.

Opening a lesson takes JupyterLab a few seconds; the kernel is ready long
before the page is, and then sits idle.  Loaded as an IPython extension in a
kernel that Jupyter Server started for a notebook, this module uses that time
in two steps:

1. At once, in a background thread: ipywidgets, which every lesson's
   widgets need, and jsonschema only while some data file has not yet passed
   its schema on this machine (then it checks every table, so later lessons
   need no jsonschema at all).  The first cell waits until this is done, so
   code never runs while a library is half imported.
2. For a lesson with figures, once the kernel has had nothing to do for
   :data:`IDLE_SECONDS` after a cell: matplotlib, NumPy and Pillow.  The
   figures a lesson opens with are pictures kept from an earlier drawing
   (:mod:`dncourse.pictures`), so the lesson comes alive without
   matplotlib; it is imported while the learner reads, so that the first
   change to a widget's chart does not wait for it.  A cell that starts
   while this runs waits for it to finish.  (A widget's own callback does
   not start a cell; Python's import locks make it wait for a module that
   is half imported.)  On a machine where no picture is kept yet (no lesson
   has run there, or keeping is turned off) the lesson will draw its
   figures, so these libraries are imported at once, in step 1.

After that nothing of this module is left running.  Only lessons are warmed:
notebooks whose code uses the course package beyond the quizzes' answer
checker (see :func:`modules_for`).  A quiz, any other notebook, grading
kernels, the tests' kernels and plain ``ipython`` (no Jupyter Server
``JPY_SESSION_NAME``) are left alone.  Nothing happens on import; the learner
configuration (``jupyter/learner/ipython_kernel_config.json``) loads the
extension.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
from pathlib import Path

__all__ = ["FIGURE_MODULES", "IDLE_SECONDS", "MODULES", "load_ipython_extension", "modules_for", "start", "wait"]

# What every lesson needs at once (its widgets), and what a lesson that draws figures needs
# once a learner changes a chart.
MODULES = ("ipywidgets",)
FIGURE_MODULES = ("numpy", "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg",
                  "matplotlib.backends.backend_svg", "PIL.Image")
# How long the kernel has had nothing to do before the figure libraries are imported.
IDLE_SECONDS = 2.0

# The course modules a notebook's code imports.
_COURSE_IMPORT = re.compile(r"\b(?:from|import)\s+dncourse\.(\w+)")

_thread: threading.Thread | None = None
_shell = None
_when_idle: tuple[str, ...] = ()
_timer: threading.Timer | None = None
_idle_done = False


def _import_all(modules) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the cell that needs it will show the error itself
            pass


def _warm(modules) -> None:
    """Step 1: check the data if needed, then import ``modules``."""
    from .fastimport import defer_iri_grammar

    defer_iri_grammar()   # as the course's data loader does, before jsonschema is imported
    try:
        _check_data()
    except Exception:     # the cell that loads the data will show the error itself
        pass
    _import_all(modules)


def _check_data() -> None:
    """Import jsonschema only if some data file has not passed its schema here yet, and then check them all.

    Once every table has passed on this machine (see :mod:`dncourse.validated`),
    later lessons load the course's data without jsonschema at all.
    """
    from . import loader

    if loader.unchecked_tables():
        importlib.import_module("jsonschema")
        loader.check_all()


def start(shell=None, modules=MODULES, when_idle=()) -> threading.Thread:
    """Import ``modules`` in a background thread now, and ``when_idle`` once the kernel is idle.

    ``shell``'s next cell waits for ``modules``; ``when_idle`` needs a ``shell``
    (its cells tell when the kernel is busy).
    """
    global _thread, _shell, _when_idle
    if _thread is None:
        _thread = threading.Thread(target=_warm, args=(tuple(modules),), name="dncourse-preload", daemon=True)
        _thread.start()
        if shell is not None:
            _shell = shell
            _when_idle = tuple(when_idle)
            shell.events.register("pre_run_cell", wait)
    return _thread


def wait(*_info) -> None:
    """Block until step 1 is done (the first cell calls this before it runs); then watch for idle time."""
    if _thread is not None:
        _thread.join()
    if _shell is not None:
        _shell.events.unregister("pre_run_cell", wait)
        if _when_idle:
            _shell.events.register("pre_run_cell", _hold)
            _shell.events.register("post_run_cell", _arm)


def _import_when_idle() -> None:
    global _idle_done
    _import_all(_when_idle)
    _idle_done = True


def _arm(*_result) -> None:
    """After a cell: import the figure libraries if no other cell starts within :data:`IDLE_SECONDS`."""
    global _timer
    if _idle_done:
        return _stop_watching()
    _timer = threading.Timer(IDLE_SECONDS, _import_when_idle)
    _timer.name = "dncourse-preload-idle"
    _timer.daemon = True
    _timer.start()


def _hold(*_info) -> None:
    """Before a cell: call off the idle import, or wait for it if it has begun."""
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer.join()
        _timer = None
    if _idle_done:
        _stop_watching()


def _stop_watching() -> None:
    global _shell
    if _shell is not None:
        _shell.events.unregister("pre_run_cell", _hold)
        _shell.events.unregister("post_run_cell", _arm)
        _shell = None


def modules_for(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What to import for the notebook at ``path``: ``(at once, when idle)``; nothing for a quiz or another notebook.

    A lesson is a notebook whose code imports course modules other than the
    quizzes' answer checker; if any of them draws figures (its source uses
    matplotlib or the course's figure helpers), matplotlib and its kin too,
    when the kernel is idle.
    """
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                         for c in nb.get("cells", []) if c.get("cell_type") == "code")
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return (), ()
    package = Path(__file__).resolve().parent
    used = {name for name in _COURSE_IMPORT.findall(code) if name != "answers"}
    if not used:
        return (), ()
    draws = False
    for name in used:
        try:
            source = (package / f"{name}.py").read_text(encoding="utf-8")
        except OSError:
            continue
        draws = draws or "matplotlib" in source or "from .figures import" in source
    return MODULES, (FIGURE_MODULES if draws else ())


def load_ipython_extension(ipython) -> None:
    """IPython extension hook: start the imports in a kernel Jupyter Server opened for a lesson.

    Jupyter Server names the notebook in ``JPY_SESSION_NAME`` and starts the
    kernel in the notebook's folder.
    """
    session = os.environ.get("JPY_SESSION_NAME")
    if not session or type(ipython).__name__ != "ZMQInteractiveShell":
        return
    now, when_idle = modules_for(Path.cwd() / Path(session).name)
    if when_idle:
        from .pictures import any_kept

        if not any_kept():   # nothing drawn on this machine yet: the lesson will draw, so import at once
            now, when_idle = now + when_idle, ()
    if now:
        start(ipython, now, when_idle)
