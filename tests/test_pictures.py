"""Figures are drawn once and their pictures kept (dncourse/pictures.py, figures.Plot, dncourse/predraw.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, lesson_paths
from dncourse import figures, pictures
from dncourse.evidence import EvidenceExplorer, evidence_rows, forest_alt_text, plot_forest, select
from dncourse.figures import Plot
from dncourse.timeline import plot_timeline, timeline_alt_text


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """A pictures folder of this test's own; the process forgets its pictures before and after."""
    monkeypatch.setenv("DNCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    pictures.forget()
    yield tmp_path / "cache" / pictures.FOLDER
    pictures.forget()


@pytest.fixture
def drawings(monkeypatch):
    """Every figure drawn to SVG while the test runs."""
    drawn = []
    real = figures.figure_svg
    monkeypatch.setattr(figures, "figure_svg", lambda fig: drawn.append(fig) or real(fig))
    return drawn


def test_a_plot_is_drawn_once_then_shown_from_its_kept_picture(kept, drawings):
    first = Plot(plot_timeline)
    data, metadata = first.output(alt=timeline_alt_text())
    assert len(drawings) == 1 and first.drawn
    assert list(kept.glob("*.svg")) == [kept / f"{first.key}.svg"]
    assert (kept / f"{first.key}.svg").read_text(encoding="utf-8") == data[figures.FIGURE_MIME]
    pictures.forget()                                   # as a new kernel would: only the file is left
    again = Plot(plot_timeline, None)                   # the default, given: the same figure
    assert again.key == first.key
    assert again.output(alt=timeline_alt_text()) == (data, metadata)
    assert len(drawings) == 1 and not again.drawn, "the kept picture was shown, nothing drawn"
    assert again.fig is not None and again.drawn       # looking inside draws it
    assert again.ax.get_title() == first.ax.get_title()


def test_a_lesson_opened_again_shows_the_same_pictures_without_matplotlib(tmp_path):
    code = ("import json, sys\n"
            "from dncourse.timeline import plot_timeline, timeline_alt_text\n"
            "from dncourse.evidence import plot_forest, forest_alt_text, select, evidence_rows\n"
            "from dncourse.figures import Plot\n"
            "rows = select(evidence_rows(), outcome='Pain (0-10)')\n"
            "out = [Plot(plot_timeline).output(timeline_alt_text()), Plot(plot_forest, rows).output(forest_alt_text(rows))]\n"
            "print(json.dumps([out, 'matplotlib' in sys.modules]))")
    env = dict(os.environ, DNCOURSE_CACHE_DIR=str(tmp_path))

    def run():
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout)

    first, drew = run()
    again, drew_again = run()
    assert drew and not drew_again
    assert again == first


def test_what_decides_the_key(kept):
    rows = select(evidence_rows(), outcome="Pain (0-10)")
    assert Plot(plot_forest, rows).key == Plot(plot_forest, rows, None).key == Plot(plot_forest, rows=rows).key
    assert Plot(plot_forest, rows).key != Plot(plot_forest, rows, "Another title").key
    assert Plot(plot_forest, rows).key != Plot(plot_forest, rows[:1]).key
    assert len(Plot(plot_forest, rows).key) == 64

    def plot_of_my_own():
        return plot_timeline()

    assert Plot(plot_of_my_own).key is None, "only the course's own figures are kept"
    assert Plot(plot_forest, {"not": object()}).key is None, "arguments that are not plain data: never kept"
    assert Plot(plot_forest, rows, "a", "too many").key is None


def test_a_change_to_the_course_data_code_or_matplotlibrc_changes_every_key(tmp_path, monkeypatch):
    package = tmp_path / "dncourse"
    shutil.copytree(ROOT / "dncourse", package, ignore=shutil.ignore_patterns("__pycache__"))
    assert pictures._current_identity(package) == pictures._current_identity()
    data = package / "data" / "timeline.csv"
    data.write_bytes(data.read_bytes().replace(b"Travell", b"Travel", 1))
    changed_data = pictures._current_identity(package)
    assert changed_data != pictures._current_identity()
    code = package / "figures.py"
    code.write_text(code.read_text(encoding="utf-8").replace('"font.size": 11', '"font.size": 12'), encoding="utf-8")
    assert pictures._current_identity(package) not in (changed_data, pictures._current_identity())
    monkeypatch.chdir(tmp_path)
    before = pictures._current_identity()
    (tmp_path / "matplotlibrc").write_text("font.size: 20\n", encoding="utf-8")
    assert pictures._current_identity() != before, "a matplotlibrc matplotlib would read changes the pictures"


def test_a_damaged_picture_is_drawn_again_and_replaced(kept, drawings):
    plot = Plot(plot_timeline)
    svg = plot.svg()
    path = kept / f"{plot.key}.svg"
    for damage in (svg[: len(svg) // 2], "", "not a picture"):
        path.write_text(damage, encoding="utf-8")
        pictures.forget()
        assert Plot(plot_timeline).svg() == svg
        assert path.read_text(encoding="utf-8") == svg
    assert len(drawings) == 4


def test_nowhere_to_keep_pictures_only_means_figures_are_drawn(tmp_path, monkeypatch, drawings):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x", encoding="utf-8")
    for setting in (str(blocked), ""):
        monkeypatch.setenv("DNCOURSE_CACHE_DIR", setting)
        pictures.forget()
        assert Plot(plot_timeline).svg().startswith("<?xml")
        pictures.forget()
        assert Plot(plot_timeline).svg().startswith("<?xml")
    assert len(drawings) == 4 and blocked.read_text(encoding="utf-8") == "x"
    assert pictures.folder() is None
    pictures.forget()


def test_the_folder_keeps_the_most_recently_used_pictures(kept, monkeypatch):
    monkeypatch.setattr(pictures, "KEEP", 3)
    for n in range(3):
        pictures.keep(f"key{n}", f"<?xml {n}</svg>")
    os.utime(kept / "key0.svg", ns=(1, 1))
    os.utime(kept / "key1.svg", ns=(2, 2))
    os.utime(kept / "key2.svg", ns=(3, 3))
    pictures.forget()
    assert pictures.kept("key0") == "<?xml 0</svg>"     # read: now the most recently used
    pictures.keep("key3", "<?xml 3</svg>")
    assert sorted(p.stem for p in kept.glob("*.svg")) == ["key0", "key2", "key3"]
    assert not list(kept.glob("*.tmp")), "no half-written files are left"


def test_any_kept_tells_a_machine_where_nothing_was_drawn_yet(kept, monkeypatch):
    assert not pictures.any_kept()
    kept.mkdir(parents=True)
    (kept / ".picture-half.tmp").write_text("", encoding="utf-8")
    assert not pictures.any_kept()
    pictures.keep("key", "<?xml </svg>")
    assert pictures.any_kept()
    monkeypatch.setenv("DNCOURSE_CACHE_DIR", "")
    assert not pictures.any_kept()


def test_the_process_keeps_a_few_pictures_in_memory(kept, monkeypatch):
    monkeypatch.setenv("DNCOURSE_CACHE_DIR", "")
    for n in range(pictures._IN_MEMORY + 5):
        pictures.keep(f"key{n}", f"<?xml {n}</svg>")
    assert len(pictures._memory) == pictures._IN_MEMORY
    assert pictures.kept("key0") is None and pictures.kept(f"key{pictures._IN_MEMORY + 4}") is not None


def test_a_widget_opens_on_the_lessons_picture_and_draws_only_what_is_new(kept, drawings, monkeypatch):
    import IPython.display

    from dncourse.evidence import show_forest

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: None)
    pain = select(evidence_rows(), outcome="Pain (0-10)")
    show_forest(pain)
    explorer = EvidenceExplorer()
    assert explorer.selected == pain and len(drawings) == 1, "the explorer reused the lesson's forest plot"
    assert explorer.plot is not None and not explorer.plot.drawn
    assert explorer.ax.get_title() == plot_forest(pain)[1].get_title()   # looking inside draws it
    explorer.set(outcome="Disability")
    assert len(drawings) == 2 and explorer.plot.drawn
    assert "Disability" in explorer.ax.get_title()
    explorer.set(outcome="Pain (0-10)")
    assert len(drawings) == 2, "back to an earlier choice: its picture is shown again"


def test_predraw_keeps_every_lessons_pictures_and_the_lessons_then_run_without_matplotlib(tmp_path):
    """The set-up step (make lab, postBuild) and what it is for, with real kernels."""
    import nbformat
    from nbclient import NotebookClient

    env = dict(os.environ, DNCOURSE_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", "dncourse.predraw"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    drawing = [p for p in lesson_paths() if not p.name.startswith("00-")]
    assert f"ran {len(drawing)} of {len(drawing)} lessons" in done.stdout
    keys = {p.stem for p in (tmp_path / "cache" / pictures.FOLDER).glob("*.svg")}
    assert len(keys) >= len(drawing)
    old = os.environ.get("DNCOURSE_CACHE_DIR")
    os.environ["DNCOURSE_CACHE_DIR"] = env["DNCOURSE_CACHE_DIR"]
    try:
        for path in drawing:
            nb = nbformat.read(path, as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell("import sys; print('matplotlib' in sys.modules)"))
            NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
            shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                     if o.get("output_type") == "display_data" and figures.FIGURE_MIME in o.get("data", {})]
            assert shown, f"{path.name} shows its figures"
            assert nb.cells[-1].outputs[0]["text"].strip() == "False", f"{path.name} imported matplotlib"
    finally:
        if old is None:
            del os.environ["DNCOURSE_CACHE_DIR"]
        else:
            os.environ["DNCOURSE_CACHE_DIR"] = old
    assert {p.stem for p in (tmp_path / "cache" / pictures.FOLDER).glob("*.svg")} == keys, "nothing drawn again"


def test_predraw_says_what_is_wrong(tmp_path):
    env = dict(os.environ, DNCOURSE_CACHE_DIR=str(tmp_path))
    missing = subprocess.run([sys.executable, "-m", "dncourse.predraw", "no-such-lesson.ipynb"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no such notebook: no-such-lesson.ipynb" in missing.stderr
    broken = tmp_path / "broken.ipynb"
    broken.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "1 / 0", "metadata": {}, "outputs": [],
                                              "execution_count": None}],
                                  "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}},
                                  "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    failed = subprocess.run([sys.executable, "-m", "dncourse.predraw", str(broken)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1
    assert "broken.ipynb: a cell failed: ZeroDivisionError" in failed.stderr
    assert "will draw its figures when opened" in failed.stderr
    off = subprocess.run([sys.executable, "-m", "dncourse.predraw"], cwd=ROOT, env=dict(env, DNCOURSE_CACHE_DIR=""),
                         capture_output=True, text=True, timeout=60)
    assert off.returncode == 0 and "no picture would be kept" in off.stdout
