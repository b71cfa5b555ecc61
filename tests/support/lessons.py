"""A lesson's code cells run in this process, to look at its figures and widgets without a browser."""

from __future__ import annotations

import ast
import contextlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from tests.support.course import ROOT, cell_text, lesson_paths, read_nb

LESSONS = lesson_paths()


def lesson_id(path: Path) -> str:
    """A lesson named by its path in the course, for test ids."""
    return str(path.relative_to(ROOT))


class LessonRun:
    """What a lesson's code cells show: per cell, the widgets, images and figures."""

    def __init__(self, path: Path):
        self.path = path
        self.cells = read_nb(path)["cells"]
        self.widgets: dict[int, list] = {}          # cell index -> root widgets displayed
        self.images: dict[int, list[dict]] = {}     # cell index -> image outputs' metadata
        self.figures: dict[int, list] = {}          # cell index -> matplotlib figures shown
        self.left_open: dict[int, int] = {}         # cell index -> figures left open in pyplot
        self.links: list = []                       # ipywidgets links made while running


@contextlib.contextmanager
def _capturing(run: LessonRun):
    """While active, what the lesson displays, draws and links is recorded in ``run`` (by cell)."""
    import IPython.core.display_functions as display_functions
    import IPython.display
    import ipywidgets

    import dncourse.ui.figures as figures

    current = {"cell": None}
    real_display, real_output, real_link, real_dlink, real_jslink = (
        IPython.display.display, figures.figure_output, ipywidgets.link, ipywidgets.dlink, ipywidgets.jslink)
    real_plot_output = figures.Plot.output

    def display(*objs, raw=False, metadata=None, **_kw):
        cell = current["cell"]
        for obj in objs:
            if raw and isinstance(obj, dict):
                if any(k.startswith("image/") for k in obj):
                    run.images.setdefault(cell, []).append((metadata or {}).get(figures.FIGURE_MIME, {}))
            elif isinstance(obj, ipywidgets.Widget):
                run.widgets.setdefault(cell, []).append(obj)
            elif hasattr(obj, "_ipython_display_"):
                obj._ipython_display_()
            elif type(obj).__name__ == "Figure":
                run.images.setdefault(cell, []).append({})  # a figure shown without alt text

    def figure_output(fig, *args, **kwargs):   # every figure shown with show_figure
        run.figures.setdefault(current["cell"], []).append(fig)
        return real_output(fig, *args, **kwargs)

    def plot_output(plot, *args, **kwargs):    # every course plot shown (drawn when shown)
        run.figures.setdefault(current["cell"], []).append(plot.fig)
        return real_plot_output(plot, *args, **kwargs)

    def recording(real):
        def make(*args, **kwargs):
            made = real(*args, **kwargs)
            run.links.append(made)
            return made
        return make

    IPython.display.display = display_functions.display = display
    figures.figure_output = figure_output
    figures.Plot.output = plot_output
    ipywidgets.link, ipywidgets.dlink, ipywidgets.jslink = (recording(real_link), recording(real_dlink),
                                                            recording(real_jslink))
    try:
        yield current
    finally:
        IPython.display.display = display_functions.display = real_display
        figures.figure_output = real_output
        figures.Plot.output = real_plot_output
        ipywidgets.link, ipywidgets.dlink, ipywidgets.jslink = real_link, real_dlink, real_jslink


@lru_cache(maxsize=None)
def run_lesson(path: Path) -> LessonRun:
    """Run the lesson's code cells in this process (Agg backend, a scratch folder)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")   # figures other tests left open are not the lesson's
    run = LessonRun(path)
    namespace: dict = {"__name__": "__lesson__"}
    cwd = os.getcwd()
    scratch = Path(tempfile.mkdtemp(prefix=f"a11y-{path.stem}-"))
    os.chdir(scratch)
    try:
        with _capturing(run) as current, contextlib.redirect_stdout(open(os.devnull, "w")):
            for index, cell in enumerate(run.cells):
                if cell["cell_type"] != "code" or not cell_text(cell).strip():
                    continue
                current["cell"] = index
                tree = ast.parse(cell_text(cell))
                last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                exec(compile(tree, f"{path.name} cell {index}", "exec"), namespace)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), f"{path.name} cell {index}", "eval"), namespace)
                    if value is not None and not cell_text(cell).rstrip().endswith(";"):
                        import IPython.display
                        IPython.display.display(value)
                if plt.get_fignums():
                    run.left_open[index] = len(plt.get_fignums())
                    plt.close("all")
    finally:
        os.chdir(cwd)
    return run


def walk(widget, parent=None):
    """``(widget, parent)`` for ``widget`` and every widget inside it, depth first."""
    import ipywidgets

    yield widget, parent
    for child in getattr(widget, "children", ()) or ():
        if isinstance(child, ipywidgets.Widget):
            yield from walk(child, widget)
