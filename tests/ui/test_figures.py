"""Figures are drawn once and cropped by their viewBox (dncourse/ui/figures.py).

matplotlib's own cropping lays a figure out twice before drawing it; the
course draws it once on a larger page and crops the SVG.  These tests check
that the picture has the size and contents matplotlib's cropping gives, that
the figure is left as it was, and that a figure the short way cannot serve
is drawn the usual way.
"""

from __future__ import annotations

import io
import re

import pytest

from dncourse.ui import figures
from tests.support.lessons import LESSONS, lesson_id, run_lesson

_SIZE = re.compile(r'<svg[^>]* width="([0-9.]+)pt" height="([0-9.]+)pt" viewBox="([^"]+)"')


def _tight_svg(fig) -> str:
    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dncourse"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _size(svg: str) -> tuple[float, float]:
    found = _SIZE.search(svg)
    assert found, svg[:400]
    return float(found.group(1)), float(found.group(2))


def _words(svg: str) -> list[str]:
    return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def _simple_figure(**text):
    import matplotlib.pyplot as plt

    with figures.course_style():
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1, 2], [1, 0, 2], label="a line")
        ax.set_title("A title")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
        if text:
            ax.text(s="far away", transform=ax.transAxes, **text)
    return fig


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_every_lesson_figure_is_drawn_once_with_the_size_and_words_of_a_tight_crop(path):
    shown = [fig for figs in run_lesson(path).figures.values() for fig in figs]
    for fig in shown:
        once = figures._svg_drawn_once(fig)
        assert once is not None, f"{path.name}: a figure could not be drawn in one pass"
        tight = _tight_svg(fig)
        assert _size(once) == pytest.approx(_size(tight), abs=0.05)
        assert _words(once) == _words(tight)
        assert once.count("<path") == tight.count("<path") - 1   # less the figure's own background
        assert '<rect id="background"' in once


def test_the_lessons_show_figures():
    assert sum(len(figs) for p in LESSONS for figs in run_lesson(p).figures.values()) >= 8


def test_drawing_once_leaves_the_figure_as_it_was():
    fig = _simple_figure()
    ax = fig.axes[0]
    before = (tuple(fig.get_size_inches()), ax.get_position().bounds, ax.get_position(original=True).bounds,
              ax.get_in_layout(), fig.patch.get_visible(), len(fig.canvas.callbacks.callbacks.get("draw_event", {})))
    svg = figures.figure_svg(fig)
    after = (tuple(fig.get_size_inches()), ax.get_position().bounds, ax.get_position(original=True).bounds,
             ax.get_in_layout(), fig.patch.get_visible(), len(fig.canvas.callbacks.callbacks.get("draw_event", {})))
    assert after == before
    assert _size(svg) == pytest.approx(_size(_tight_svg(fig)), abs=0.05)
    x, y, width, height = map(float, _SIZE.search(svg).group(3).split())
    background = re.search(r'<rect id="background" x="([0-9.-]+)" y="([0-9.-]+)" width="([0-9.]+)" '
                           r'height="([0-9.]+)" style="fill: #ffffff"', svg)
    assert background and [float(v) for v in background.groups()] == pytest.approx([x, y, width, height])


def test_a_figure_with_words_beyond_the_larger_page_is_drawn_the_usual_way():
    fig = _simple_figure(x=-4, y=0.5)            # four axes widths to the left: past the added room
    assert figures._svg_drawn_once(fig) is None
    assert figures.figure_svg(fig) == _tight_svg(fig)
    near = _simple_figure(x=-0.5, y=0.5)         # outside the axes, inside the room: drawn once
    assert figures._svg_drawn_once(near) is not None


def test_a_figure_with_figure_level_words_is_drawn_the_usual_way():
    fig = _simple_figure()
    fig.suptitle("Placed on the figure, not on the axes")
    assert figures._svg_drawn_once(fig) is None
    assert figures.figure_svg(fig) == _tight_svg(fig)


def test_an_unexpected_svg_header_is_left_to_matplotlib():
    from matplotlib.transforms import Bbox

    assert figures._cropped_svg("<svg/>", Bbox.from_bounds(0, 0, 1, 1), 2.0, "white") is None
