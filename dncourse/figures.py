"""How figures reach the learner: a colour-blind-safe style and alt text.

Plot helpers draw inside :func:`course_style` and return ``(fig, ax)``, so
tests can inspect them.  Notebooks pass the figure to :func:`show_figure`,
which shows it as an SVG picture with its alt text (as the ``alt`` attribute
of an HTML ``<img>``, in the output's metadata, and as the plain-text version
of the output).  Nothing here changes matplotlib's global settings on import.

Why SVG and not PNG: the course's figures are mostly words (study names,
labels, numbers).  Rasterising those glyphs is most of the cost of a PNG; an
SVG keeps them as text, so a figure is drawn in about half the time, is about
a fifth of the size, stays sharp when a learner zooms in, and its words can be
selected and copied.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import io

__all__ = ["PALETTE", "MARKERS", "FIGURE_MIME", "course_style", "figure_output", "show_figure"]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Shapes carry meaning together with colour, never colour alone.
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]
# The picture format of the figures the lessons show.
FIGURE_MIME = "image/svg+xml"
# Pictures already drawn in this kernel, by the key their caller gave (see figure_output).
_RENDERED: collections.OrderedDict = collections.OrderedDict()
_RENDERED_MAX = 32

_RC = {
    "axes.prop_cycle": None,  # filled in lazily (needs matplotlib's cycler)
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 13,
    # A fixed title position: the automatic one measures every tick label again at each
    # drawing to avoid labels on top, which the course's charts never have.
    "axes.titley": 1.0,
    "axes.labelsize": 11,
    "font.size": 11,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
}


@contextlib.contextmanager
def course_style():
    """Draw with the course's colour-blind-safe style inside a ``with`` block."""
    import matplotlib as mpl
    from cycler import cycler

    rc = dict(_RC, **{"axes.prop_cycle": cycler(color=PALETTE)})
    with mpl.rc_context(rc):
        yield


def figure_png(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for pages outside JupyterLab, such as the instructor's reports)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def figure_svg(fig) -> str:
    """The figure as an SVG document whose words stay text.

    Text is written as SVG ``<text>`` in the figure's font family (with the
    generic fallbacks), not as outlines; no creation date, so the same figure
    gives the same SVG.
    """
    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dncourse"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def figure_output(fig, alt: str, *, key=None) -> tuple[dict, dict]:
    """The display data and metadata for ``fig``, with ``alt`` as its alt text.

    Three forms of the same figure: an HTML ``<img>`` of the SVG with the
    ``alt`` attribute (what JupyterLab shows, since it ignores alt text kept
    in image metadata), the SVG itself with the alt text in its metadata (for
    other front ends and nbconvert), and the alt text as plain text.

    ``key``, if given, is a hashable value that fully determines the picture
    (for example the rows a plot shows): a picture with the same key and alt
    text is drawn once and then reused, so a widget that returns to an earlier
    choice, or shows what a lesson has just shown, answers at once.
    """
    import html

    alt = " ".join(str(alt).split())
    if not alt:
        raise ValueError("a figure needs alt text that describes it")
    if key is not None:
        cached = _RENDERED.get((key, alt))
        if cached is not None:
            _RENDERED.move_to_end((key, alt))
            return dict(cached[0]), {mime: dict(meta) for mime, meta in cached[1].items()}
    svg = figure_svg(fig)
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    data = {
        "text/html": f'<img src="data:{FIGURE_MIME};base64,{encoded}" alt="{html.escape(alt, quote=True)}" '
                     f'style="max-width:100%">',
        FIGURE_MIME: svg,
        "text/plain": alt,
    }
    metadata = {FIGURE_MIME: {"alt": alt}}
    if key is not None:
        _RENDERED[(key, alt)] = (dict(data), {FIGURE_MIME: {"alt": alt}})
        while len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return data, metadata


def show_figure(fig, alt: str, *, close: bool = True, key=None) -> None:
    """Display ``fig`` as an SVG picture with ``alt`` as its alt text (see :func:`figure_output`).

    The alt text is also the output's plain-text form, so a screen reader or a
    text-only view gets the description.  Works whatever matplotlib backend the
    kernel uses.  Returns nothing, so a cell that ends with it shows only the figure.
    """
    from IPython.display import display

    data, metadata = figure_output(fig, alt, key=key)
    display(data, raw=True, metadata=metadata)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
