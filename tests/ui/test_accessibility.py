"""Static accessibility lint of the lessons, quizzes, figures and widgets (no browser needed).

* Links say where they go: no "here", "click here", "this link"..., no bare URLs.
* Figures: every figure a lesson shows (in a cell, or drawn by a widget) goes
  through ``dncourse.ui.figures`` (a ``Plot`` or ``show_figure``) with alt text, no cell leaves a pyplot figure open
  (the inline backend would show it without alt text), and the cell after a
  figure is markdown that opens with a one-sentence description.
* Colour: figures use the colour-blind-safe palette of ``dncourse.ui.figures``,
  legend entries never differ by colour alone, and nothing in the package
  changes matplotlib's style on import (the style is applied by the plot
  functions the notebooks call).
* Acronyms are spelled out on their first use in each notebook.
* Widgets: each lesson's widgets are built from ``dncourse`` (by running the
  lesson's code cells here) and their trees walked: every control has a
  visible label, and every slider has a labelled number box beside it that is
  linked to it.

Problems already reported to the owners of a lesson or widget are listed in
``KNOWN_ISSUES`` with the reason; anything new fails, and so does a listed
problem that is gone (remove it from the list then).
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

from tests.support.course import ROOT, cell_text, read_nb, source_quiz_paths
from tests.support.lessons import LESSONS, LessonRun, lesson_id, run_lesson, walk

QUIZ_NOTEBOOKS = source_quiz_paths() + [p for p in (ROOT / "source" / "header.ipynb",
                                                     ROOT / "source" / "footer.ipynb") if p.exists()]


# ---------------------------------------------------------------------------
# Known problems, reported to their owners (notebook name, check, what) -> why
# ---------------------------------------------------------------------------

KNOWN_ISSUES: dict[tuple[str, str, str], str] = {}


def _check(notebook: Path, check: str, problems: dict[str, str]) -> None:
    """Fail on problems not in KNOWN_ISSUES, and on known ones that are gone."""
    known = {what for (name, kind, what) in KNOWN_ISSUES if name == notebook.name and kind == check}
    new = {what: why for what, why in problems.items() if what not in known}
    fixed = sorted(known - set(problems))
    messages = [f"{what}: {why}" for what, why in new.items()]
    messages += [f"{what}: fixed, remove it from KNOWN_ISSUES in tests/test_accessibility.py" for what in fixed]
    assert messages == []


# ---------------------------------------------------------------------------
# Markdown: links and acronyms
# ---------------------------------------------------------------------------

VAGUE_LINK_TEXT = {"here", "click here", "clicking here", "this", "this link", "link", "more", "read more",
                   "click", "this page", "page", "see here", "go here", "follow this link", "url", "website"}
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
HTML_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.I | re.S)
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)


def _markdown_cells(path: Path) -> list[tuple[int, str]]:
    return [(i, cell_text(c)) for i, c in enumerate(read_nb(path)["cells"]) if c["cell_type"] == "markdown"]


def _without_code(text: str) -> str:
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def link_problems(path: Path) -> dict[str, str]:
    problems = {}
    for index, text in _markdown_cells(path):
        text = _without_code(text)
        for bang, label, target in LINK.findall(text):
            shown = re.sub(r"[*_`.:!,]+", "", label).strip().lower()
            kind = "image" if bang else "link"
            if bang and not shown:
                problems[f"cell {index} image {target}"] = "a markdown image without alt text"
            elif not bang and shown in VAGUE_LINK_TEXT:
                problems[f"cell {index} link '{label}'"] = "link text must say where the link goes"
            elif URL.match(label.strip()) or not shown:
                problems[f"cell {index} {kind} '{label}'"] = "link text must be words, not a bare address"
        for label in HTML_LINK.findall(text):
            shown = re.sub(r"<[^>]+>|[*_.:!,]+", "", label).strip().lower()
            if shown in VAGUE_LINK_TEXT or URL.match(shown) or not shown:
                problems[f"cell {index} link '{label}'"] = "link text must say where the link goes"
        rest = HTML_LINK.sub("", LINK.sub("", text))
        for url in URL.findall(rest):
            problems[f"cell {index} {url}"] = "a bare URL: give it link text that says where it goes"
    return problems


@pytest.mark.parametrize("path", LESSONS + QUIZ_NOTEBOOKS, ids=lesson_id)
def test_links_say_where_they_go(path):
    _check(path, "link", link_problems(path))


def test_the_link_lint_catches_vague_and_bare_links(tmp_path):
    import json

    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source":
                     "See [here](a.ipynb), [click here](b.ipynb), <https://x.org>, www.example.org and "
                     "[Section 2: benefits](02.ipynb); `https://in-code.org` is fine."}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    found = link_problems(path)
    assert len(found) == 4, found
    assert not any("Section 2" in k or "in-code" in k for k in found)


# Acronyms: the first use in each notebook must come with its expansion nearby
# (the same paragraph, within WINDOW characters): "Expansion (ACR)", "ACR
# (expansion)", "Expansion, ACR" or "ACR is the expansion".  A heading may use an
# acronym that the paragraph under it spells out.  Learners never see the
# solutions and mark schemes of a quiz, so those are not read.
ACRONYMS_KNOWN_TO_ALL = {"UK", "US", "USA", "EU", "OK", "TV"}
ACRONYM = re.compile(r"(?<![\w/.-])([A-Z][A-Z&]{1,7})s?(?![\w-])")
WINDOW = 200
HIDDEN_FROM_LEARNERS = re.compile(r"(=== BEGIN SOLUTION ===.*?=== END SOLUTION ===|"
                                  r"#+ BEGIN MARK SCHEME.*?#+ END MARK SCHEME)", re.S)


def _spells(acronym: str, words: list[str]) -> bool:
    """Do ``words`` spell ``acronym`` by their initials (hyphenated words count once per part)?"""
    letters = [c for c in acronym.upper() if c.isalpha()]
    parts = [p for w in words for p in re.split(r"[-/]", w) if p]
    initials = [p[0].upper() for p in parts]
    if not initials or initials[0] != letters[0] or initials[-1] != letters[-1]:
        return False
    it = iter(initials)
    return all(any(letter == c for c in it) for letter in letters)


def _expanded(acronym: str, paragraph: str, at: int) -> bool:
    """Is ``acronym`` (found at ``at``) spelled out near by?"""
    window = paragraph[max(0, at - WINDOW):at] + " ~ " + paragraph[at + len(acronym):at + len(acronym) + WINDOW]
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*|~", window)]
    for start in range(len(words)):
        for length in range(1, len(acronym) + 7):
            run = words[start:start + length]
            if "~" in run or len(run) < length:
                break
            if run != [acronym] and not ACRONYM.fullmatch(run[0]) and _spells(acronym, run):
                return True
    return False


def _blocks(text: str) -> list[str]:
    """Paragraphs, with a heading joined to the paragraph under it."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text):
        if blocks and re.fullmatch(r"#{1,6} [^\n]*", blocks[-1].strip()):
            blocks[-1] += "\n" + paragraph
        else:
            blocks.append(paragraph)
    return blocks


def acronym_problems(path: Path) -> dict[str, str]:
    seen, problems = set(), {}
    for index, text in _markdown_cells(path):
        text = HIDDEN_FROM_LEARNERS.sub("", text)
        text = LINK.sub(lambda m: m.group(2), _without_code(text))
        text = URL.sub("", text)
        for paragraph in _blocks(text):
            for match in ACRONYM.finditer(paragraph):
                acronym = match.group(1)
                if acronym in seen or acronym in ACRONYMS_KNOWN_TO_ALL:
                    continue
                seen.add(acronym)
                if not _expanded(acronym, paragraph, match.start(1)):
                    excerpt = paragraph[max(0, match.start() - 60):match.end() + 40].replace("\n", " ")
                    problems[acronym] = f"first used in cell {index} without being spelled out: ...{excerpt}..."
    return problems


@pytest.mark.parametrize("path", LESSONS + QUIZ_NOTEBOOKS, ids=lesson_id)
def test_acronyms_are_spelled_out_on_first_use(path):
    _check(path, "acronym", acronym_problems(path))


@pytest.mark.parametrize("text, ok", [
    ("The World Health Organization (WHO) guideline", True),
    ('and "95% CI" is the 95% confidence interval.', True),
    ("3. **Post-exposure prophylaxis (PEP):** referral", True),
    ("guidance from APTA (American Physical Therapy Association)", True),
    ("American Physical Therapy Association, APTA 2013", True),
    ("post-exposure prophylaxis (PEP) if needed", True),
    ("Council of Colleges of Acupuncture and Oriental Medicine (CCAOM)", True),
    ("a standardised mean difference (SMD) of 1.69", True),
    ("referral for PEP if needed", False),
    ("an SMD between -0.69 and -0.85", False),
    ("the WHO guideline (WHO 1999)", False),
])
def test_the_acronym_lint(text, ok):
    match = ACRONYM.search(text)
    assert _expanded(match.group(1), text, match.start(1)) is ok


# ---------------------------------------------------------------------------
# Running a lesson's code cells here, to see its figures and widgets
# ---------------------------------------------------------------------------

def _cell_key(cell) -> str:
    """A cell named by its last line (what it shows), for messages and KNOWN_ISSUES."""
    return cell_text(cell).strip().splitlines()[-1].strip()


ABBREVIATIONS = re.compile(r"\b(?:et al|e\.g|i\.e|vs|approx|Dr|Fig|No|cf|etc)\.$", re.I)


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences (decimals, 'et al.' and 'e.g.' do not end one)."""
    text = re.sub(r"\s+", " ", re.sub(r"[*_]", "", paragraph)).strip()
    parts, start = [], 0
    for match in re.finditer(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])", text):
        if ABBREVIATIONS.search(text[start:match.end()]):
            continue
        parts.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_figures_have_alt_text_and_a_one_sentence_description(path):
    run = run_lesson(path)
    problems = {}
    for index, images in run.images.items():
        where = _cell_key(run.cells[index])
        for meta in images:
            alt = " ".join(str(meta.get("alt", "")).split())
            if len(alt) < 20:
                problems[f"{where} (alt)"] = f"cell {index} shows a figure without real alt text: {alt!r}"
        following = run.cells[index + 1] if index + 1 < len(run.cells) else None
        if following is None or following["cell_type"] != "markdown":
            problems[where] = f"cell {index} shows a figure but the next cell is not markdown describing it"
            continue
        first = re.split(r"\n\s*\n", cell_text(following).strip())[0]
        if len(sentences(first)) != 1:
            problems[where] = (f"cell {index + 1}, after the figure, must open with a one-sentence description; "
                               f"it opens with {len(sentences(first))} sentences")
    for index, count in run.left_open.items():
        problems[f"{_cell_key(run.cells[index])} (open)"] = (
            f"cell {index} leaves {count} pyplot figure(s) open: the inline backend would show them without alt text")
    _check(path, "takeaway", problems)


def test_there_are_figures_to_check():
    assert any(run_lesson(p).images for p in LESSONS)


@pytest.mark.parametrize("paragraph, count", [
    ("**What the figure shows:** fainting was 8.5 times as common (0.94 ÷ 0.11), so treat lying down.", 1),
    ("Brady et al. 2014 saw 19.18% of treatments with mild events, e.g. bruising.", 1),
    ("One sentence. Another one.", 2),
])
def test_sentence_splitting(paragraph, count):
    assert len(sentences(paragraph)) == count


# ---------------------------------------------------------------------------
# Colour
# ---------------------------------------------------------------------------

def _rgb(colour):
    from matplotlib.colors import to_rgba

    r, g, b, a = to_rgba(colour)
    return (r, g, b), a


def _achromatic(rgb) -> bool:
    return max(rgb) - min(rgb) < 0.06


def _drawn_colours(fig):
    """(artist, rgb) for every visible coloured mark: lines, markers, patches, collections."""
    import numpy as np

    out = []
    for ax in fig.axes:
        for line in ax.lines:
            if not line.get_visible():
                continue
            if line.get_linestyle() not in ("None", "", " ") and line.get_linewidth() > 0:
                out.append((line, line.get_color()))
            if line.get_marker() not in ("None", None, "", " "):
                out += [(line, line.get_markerfacecolor()), (line, line.get_markeredgecolor())]
        for patch in ax.patches:
            if patch.get_visible() and patch.get_fill():
                out.append((patch, patch.get_facecolor()))
        for collection in ax.collections:
            for colour in np.asarray(collection.get_facecolors()).reshape(-1, 4)[:50]:
                out.append((collection, tuple(colour)))
    result = []
    for artist, colour in out:
        if isinstance(colour, str) and colour.lower() in ("none", "auto"):
            continue
        rgb, alpha = _rgb(colour)
        if alpha > 0:
            result.append((artist, rgb))
    return result


def colour_problems(fig) -> list[str]:
    from matplotlib.colors import to_rgba

    import dncourse.ui.figures as figures

    palette = [to_rgba(c)[:3] for c in figures.PALETTE]
    problems = []
    for _artist, rgb in _drawn_colours(fig):
        if not _achromatic(rgb) and min(max(abs(a - b) for a, b in zip(rgb, p)) for p in palette) > 0.02:
            problems.append(f"colour {tuple(round(c, 2) for c in rgb)} is not in the colour-blind-safe palette")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        entries = []
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if handle is None:
                continue
            look = (getattr(handle, "get_marker", lambda: None)(), getattr(handle, "get_linestyle", lambda: None)(),
                    getattr(handle, "get_hatch", lambda: None)(),
                    getattr(handle, "get_fill", lambda: None)(),
                    round(float(getattr(handle, "get_linewidth", lambda: 0)() or 0), 1))
            colours = {tuple(round(c, 2) for c in _rgb(c)[0]) for c in
                       [getattr(handle, "get_color", lambda: "k")() if hasattr(handle, "get_color") else "k",
                        getattr(handle, "get_facecolor", lambda: "k")()]
                       if not isinstance(c, str) or c not in ("none",)} if hasattr(handle, "get_facecolor") or hasattr(handle, "get_color") else set()
            entries.append((text.get_text(), look, frozenset(colours)))
        for i, (text_a, look_a, colours_a) in enumerate(entries):
            for text_b, look_b, colours_b in entries[i + 1:]:
                if look_a == look_b and colours_a != colours_b:
                    problems.append(f"legend entries '{text_a}' and '{text_b}' differ only by colour")
    return sorted(set(problems))


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_figures_use_the_safe_palette_and_never_colour_alone(path):
    problems = {}
    for index, figs in run_lesson(path).figures.items():
        for fig in figs:
            for problem in colour_problems(fig):
                problems[f"{_cell_key(run_lesson(path).cells[index])}: {problem}"] = f"cell {index}"
    _check(path, "colour", problems)


def test_the_colour_lint_catches_colour_only_legends_and_off_palette_colours():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#0072B2", label="treated")
    ax.plot([0, 1], [1, 0], color="#E69F00", label="control")
    ax.bar([2], [1], color="red")
    ax.legend()
    found = colour_problems(fig)
    assert any("differ only by colour" in p for p in found) and any("not in the colour-blind" in p for p in found)
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#0072B2", marker="o", label="treated")
    ax.plot([0, 1], [1, 0], color="#E69F00", linestyle="--", label="control")
    ax.legend()
    assert colour_problems(fig) == []


def test_importing_the_package_changes_no_matplotlib_style():
    """The colour-blind-safe style is applied inside the plot functions, never on import."""
    code = """
import importlib, pkgutil, matplotlib
matplotlib.use("Agg")
before = dict(matplotlib.rcParams)
import dncourse
names = [m.name for m in pkgutil.walk_packages(dncourse.__path__, "dncourse.")]
for name in names:
    importlib.import_module(name)
changed = sorted(k for k, v in matplotlib.rcParams.items() if before.get(k) != v)
assert not changed, changed
print(len(names))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.split()[-1]) >= 5


def test_plot_functions_apply_the_course_style():
    """A figure drawn by the package uses the course palette even when matplotlib's defaults differ."""
    import matplotlib

    matplotlib.use("Agg")
    from dncourse.ui.figures import PALETTE

    with matplotlib.rc_context({"axes.prop_cycle": matplotlib.cycler(color=["#ff0000", "#00ff00"])}):
        drawn = [fig for p in LESSONS for figs in run_lesson(p).figures.values() for fig in figs]
        assert drawn
        from matplotlib.colors import to_rgba
        palette = {tuple(round(c, 3) for c in to_rgba(x)[:3]) for x in PALETTE}
        coloured = {tuple(round(c, 3) for c in rgb) for fig in drawn for _, rgb in _drawn_colours(fig)
                    if not _achromatic(rgb)}
        assert coloured and coloured <= palette


def test_figure_words_keep_their_spacing_in_svg():
    """Figures are SVG with real text, where a run of ordinary spaces shows as one space.

    A label that lines words up with spaces would read as one run-on phrase;
    the course uses no-break spaces for such gaps.
    """
    from matplotlib.text import Text

    drawn = [fig for p in LESSONS for figs in run_lesson(p).figures.values() for fig in figs]
    assert drawn
    texts = [t.get_text() for fig in drawn for t in fig.findobj(Text) if t.get_text()]
    assert texts and any("\u00a0" in t for t in texts)   # the forest plots' "favours" line
    assert not [t for t in texts if "  " in t or "\t" in t]


_SVG_WIDTH = re.compile(r'<svg[^>]*\swidth="([0-9.]+)pt"')
_SVG_FONT = re.compile(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([0-9.]+)px")


def svg_readability(svg: str) -> tuple[float, float | None]:
    """The width of an SVG figure in points and its smallest font size in points (None: no text).

    matplotlib writes text with ``svg.fonttype`` "none" as real text whose size
    is in the SVG's user unit, which is the point; see ``dncourse.ui.figures``.
    """
    width = float(_SVG_WIDTH.search(svg).group(1))
    sizes = [float(size) for size in _SVG_FONT.findall(svg)]
    return width, (min(sizes) if sizes else None)


def readability_problems(fig) -> list[str]:
    """Why ``fig`` would be hard to read at 100% zoom: too wide (so shown shrunk), or text too small."""
    from dncourse.ui.figures import MAX_WIDTH_PT, MIN_TEXT_PT, figure_svg

    width, smallest = svg_readability(figure_svg(fig))
    problems = []
    if width > MAX_WIDTH_PT + 0.5:
        problems.append(f"{width:.0f} pt wide, more than {MAX_WIDTH_PT} pt: JupyterLab would shrink it and its text; "
                        "wrap long labels instead")
    if smallest is not None and smallest < MIN_TEXT_PT:
        problems.append(f"text of {smallest:g} pt, smaller than {MIN_TEXT_PT} pt")
    return problems


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_figure_text_is_readable_at_full_size(path):
    """No text under 9 pt, and no figure so wide that the output area would shrink it (issue 19, part 3)."""
    run = run_lesson(path)
    problems = {}
    for index, figs in run.figures.items():
        for number, fig in enumerate(figs):
            title = fig.axes[0].get_title() if fig.axes else ""
            for problem in readability_problems(fig):
                problems[f"{_cell_key(run.cells[index])} figure {number} ({title[:40]}): {problem}"] = f"cell {index}"
    _check(path, "readability", problems)


def test_the_readability_lint_catches_small_text_and_wide_figures():
    import matplotlib.pyplot as plt

    from dncourse.ui.figures import course_style

    with course_style():
        small, ax = plt.subplots(figsize=(5, 3))
        ax.set_title("Readable title")
        ax.text(0.5, 0.5, "tiny", fontsize=6)
        wide, ax = plt.subplots(figsize=(12, 3))
        ax.set_title("A wide figure")
        fine, ax = plt.subplots(figsize=(5, 3))
        ax.set_title("Fine")
    try:
        assert [p for p in readability_problems(small) if "smaller than 9 pt" in p]
        assert [p for p in readability_problems(wide) if "pt wide" in p]
        assert readability_problems(fine) == []
    finally:
        for fig in (small, wide, fine):
            plt.close(fig)


def test_forest_plot_row_labels_wrap_instead_of_shrinking():
    from dncourse.sections.s02_benefits_and_evidence.evidence import plot_forest, select
    from dncourse.ui.figures import MIN_TEXT_PT, Plot

    plot = Plot(plot_forest, select(outcome="Pain"))
    labels = [t for t in plot.ax.get_yticklabels() if t.get_text()]
    assert labels and all(t.get_fontsize() >= MIN_TEXT_PT for t in labels)
    assert max(len(line) for t in labels for line in t.get_text().split("\n")) <= 41
    assert any("\n" in t.get_text() for t in labels)
    assert readability_problems(plot.fig) == []


# ---------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------

def _controls():
    import ipywidgets as w

    labelled = (w.Button, w.ToggleButton, w.Checkbox, w.Valid)
    value = (w.widgets.widget_int._Int, w.widgets.widget_float._Float, w.widgets.widget_selection._Selection,
             w.widgets.widget_selection._MultipleSelection, w.Text, w.Textarea, w.DatePicker,
             w.ColorPicker, w.Combobox, w.widgets.widget_int._IntRange, w.widgets.widget_float._FloatRange)
    return labelled + value


SLIDERS = ("IntSlider", "FloatSlider", "FloatLogSlider", "SelectionSlider")
RANGE_SLIDERS = ("IntRangeSlider", "FloatRangeSlider", "SelectionRangeSlider")
NUMBER_BOXES = ("IntText", "FloatText", "BoundedIntText", "BoundedFloatText")


def widget_label_problems(run: LessonRun) -> dict[str, str]:
    import ipywidgets as w

    problems = {}
    for cell, roots in run.widgets.items():
        for root in roots:
            for widget, parent in walk(root):
                if not isinstance(widget, _controls()) or isinstance(widget, (w.Label, w.HTML, w.HTMLMath)):
                    continue
                name = type(widget).__name__
                label = " ".join(str(getattr(widget, "description", "") or "").split())
                if isinstance(widget, (w.Play,)):
                    continue
                if not label:
                    what = getattr(widget, "value", "")
                    problems[f"{name} {str(what)[:40]!r}"] = f"cell {cell}: a {name} without a visible label (description)"
    return problems


def _linked(slider, box, links) -> bool:
    """Are the slider and the number box kept in step (a Python link, or a link in the browser)?"""
    for link in links:
        ends = [getattr(link, "source", None), getattr(link, "target", None)]
        ends = [(e[0], e[1]) if isinstance(e, tuple) else None for e in ends]
        if ends and all(ends) and {id(ends[0][0]), id(ends[1][0])} == {id(slider), id(box)}:
            return True
    # behaviour: moving the slider moves the box and typing in the box moves the slider
    old = slider.value
    options = [v for v in (slider.min, slider.max) if v != old] if hasattr(slider, "min") else []
    if not options:
        return False
    try:
        slider.value = options[0]
        follows = box.value == slider.value
        box.value = old
        back = slider.value == old
    finally:
        slider.value = old
    return follows and back


def slider_problems(run: LessonRun) -> dict[str, str]:
    problems = {}
    for cell, roots in run.widgets.items():
        for root in roots:
            for widget, parent in walk(root):
                name = type(widget).__name__
                label = widget.description if hasattr(widget, "description") else ""
                if name in RANGE_SLIDERS:
                    problems[f"{name} {label!r}"] = f"cell {cell}: a range slider needs a labelled number box for each end"
                if name not in SLIDERS:
                    continue
                siblings = [c for c in (getattr(parent, "children", ()) or ()) if c is not widget]
                boxes = [b for b in siblings if type(b).__name__ in NUMBER_BOXES]
                if not boxes:
                    problems[f"{name} {label!r}"] = (f"cell {cell}: the slider is the only way to set its value; put a "
                                                     "labelled number box beside it (in the same HBox)")
                    continue
                good = [b for b in boxes if (b.description or "").strip() and _linked(widget, b, run.links)]
                if not good:
                    problems[f"{name} {label!r}"] = (f"cell {cell}: the number box beside the slider needs a label "
                                                     "and must be linked to the slider")
    return problems


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_every_widget_has_a_visible_label(path):
    _check(path, "label", widget_label_problems(run_lesson(path)))


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_every_slider_has_a_labelled_number_box_beside_it(path):
    _check(path, "slider", slider_problems(run_lesson(path)))


def test_the_widget_lints_catch_unlabelled_controls_and_lonely_sliders():
    import ipywidgets as w

    run = LessonRun.__new__(LessonRun)
    lonely = w.IntSlider(description="Pain:")
    unlinked_box = w.BoundedIntText(description="or type:")
    good_slider, good_box = w.IntSlider(description="n:"), w.BoundedIntText(description="or type n:")
    run.links = [w.link((good_slider, "value"), (good_box, "value"))]
    run.widgets = {0: [w.VBox([w.Button(icon="check"), w.Dropdown(options=["a"]), lonely,
                              w.HBox([w.IntSlider(description="Before:"), unlinked_box]),
                              w.HBox([good_slider, good_box])])]}
    labels = widget_label_problems(run)
    assert {k.split()[0] for k in labels} == {"Button", "Dropdown"}, labels
    sliders = slider_problems(run)
    assert set(sliders) == {"IntSlider 'Pain:'", "IntSlider 'Before:'"}, sliders


def test_lessons_have_widgets_to_check():
    assert sum(len(roots) for p in LESSONS for roots in run_lesson(p).widgets.values()) >= 5
