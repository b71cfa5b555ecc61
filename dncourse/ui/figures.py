"""How figures reach the learner: a colour-blind-safe style and alt text.

Plot helpers draw inside :func:`course_style` and return ``(fig, ax)``, so
tests can inspect them.  Lessons and widgets show them through :class:`Plot`
(or :func:`show_plot`), which draws the figure and shows its picture.  A
picture is shown as SVG with its alt text (as the ``alt`` attribute of an HTML
``<img>``, in the output's metadata, and as the plain-text version of the
output).  :func:`show_figure` shows any matplotlib figure the same way.
Nothing here changes matplotlib's global settings on import.

Why SVG and not PNG: the course's figures are mostly words (study names,
labels, numbers).  An SVG keeps them as text rather than pixels, so a figure
stays sharp when a learner zooms in and its words can be selected and copied.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re

__all__ = ["PALETTE", "MARKERS", "FIGURE_MIME", "Plot", "ShowsPlot", "course_style", "figure_output", "picture_output",
           "show_figure", "show_plot"]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Shapes carry meaning together with colour, never colour alone.
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]
# The picture format of the figures the lessons show.
FIGURE_MIME = "image/svg+xml"

#: The smallest text a course figure may hold, in points, as displayed at 100% zoom.
MIN_TEXT_PT = 9
#: The widest a course figure may be, in points (820 CSS pixels): a lesson's output area in a
#: 1280-pixel-wide JupyterLab window is about 824 pixels wide, so a figure this wide or narrower is
#: shown at its full size there, never shrunk (shrinking would make its text smaller than drawn).
#: Long labels wrap onto more lines instead of widening the figure.
MAX_WIDTH_PT = 615

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
    """The figure as an SVG document whose words stay text, cropped to what is drawn.

    Text is written as SVG ``<text>`` in the figure's font family (with the
    generic fallbacks), not as outlines; no creation date, so the same figure
    gives the same SVG.

    Drawn once where it can be (see :func:`_svg_drawn_once`); otherwise with
    matplotlib's own cropping, which lays the figure out twice more.
    """
    import matplotlib as mpl

    svg = _svg_drawn_once(fig)
    if svg is None:
        buffer = io.StringIO()
        with mpl.rc_context(_SVG_RC):
            fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        svg = buffer.getvalue()
    return svg


# Words stay text (not outlines); ids in the SVG do not change from one drawing to the next.
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "dncourse"}


# Room added on every side of the figure while it is drawn once (inches): labels and legends
# that lie outside the figure's own area must land on the page, where nothing is clipped.
_ROOM = 6.0


def _svg_drawn_once(fig) -> str | None:
    """The cropped SVG of ``fig`` from a single drawing, or ``None`` where that cannot be done.

    matplotlib's cropping (``bbox_inches="tight"``) lays the figure out once
    to find the edges of what is drawn, measures them, then draws.  Here the
    page is made larger on every side (the axes keep their size and place
    relative to each other), the figure is drawn once, its edges are measured
    with the renderer that has just drawn it (it already knows the size of
    every word), and the picture is cropped to them by its ``viewBox``, on a
    background of the figure's colour.  The result has the size and look of
    matplotlib's own crop, from one drawing instead of two.
    ``None`` for a figure with figure-level artists (they would move with the
    larger page), or whose drawing reaches the edge of the larger page.
    """
    import matplotlib as mpl

    if fig.texts or fig.legends or fig.lines or fig.patches or fig.images or fig.get_layout_engine() is not None:
        return None
    width, height = fig.get_size_inches()
    room = _ROOM
    places = [(ax, ax.get_position(original=True), ax.get_position(), ax.get_in_layout()) for ax in fig.axes]

    def moved(box):
        return mpl.transforms.Bbox.from_bounds(
            (box.x0 * width + room) / (width + 2 * room), (box.y0 * height + room) / (height + 2 * room),
            box.width * width / (width + 2 * room), box.height * height / (height + 2 * room))

    edges = []
    buffer = io.StringIO()
    patch_shown = fig.patch.get_visible()
    listener = fig.canvas.mpl_connect("draw_event", lambda event: edges.append(fig.get_tightbbox(event.renderer)))
    try:
        fig.set_size_inches(width + 2 * room, height + 2 * room, forward=False)
        for ax, original, active, in_layout in places:
            ax.set_position(moved(original), which="original")
            ax.set_position(moved(active), which="active")
            ax.set_in_layout(in_layout)
        fig.patch.set_visible(False)   # its colour is drawn under the cropped area instead
        with mpl.rc_context(dict(_SVG_RC, **{"savefig.bbox": "standard"})):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
            pad = mpl.rcParams["savefig.pad_inches"]
    finally:
        fig.canvas.mpl_disconnect(listener)
        fig.patch.set_visible(patch_shown)
        fig.set_size_inches(width, height, forward=False)
        for ax, original, active, in_layout in places:
            ax.set_position(original, which="original")
            ax.set_position(active, which="active")
            ax.set_in_layout(in_layout)
    if not edges:
        return None
    box = edges[-1]
    if box.x0 <= 0 or box.y0 <= 0 or box.x1 >= width + 2 * room or box.y1 >= height + 2 * room:
        return None   # something reached the edge of the page: it may have been clipped
    return _cropped_svg(buffer.getvalue(), box.padded(pad), height + 2 * room,
                        fig.get_facecolor() if patch_shown else None)


_SVG_SIZE = re.compile(r'width="([0-9.]+)pt" height="([0-9.]+)pt" viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
_FIGURE_GROUP = '<g id="figure_1">'


def _cropped_svg(svg: str, edges, height_inches: float, background) -> str | None:
    """``svg`` cropped to ``edges`` (a Bbox in inches, y upwards) with a ``background`` rectangle.

    ``None`` if the SVG does not start the way matplotlib writes it.
    """
    from matplotlib.colors import to_hex, to_rgba

    size = _SVG_SIZE.search(svg, 0, 1000)
    if edges is None or size is None or _FIGURE_GROUP not in svg:
        return None
    x, y = edges.x0 * 72, height_inches * 72 - edges.y1 * 72   # SVG points, y downwards
    width, height = edges.width * 72, edges.height * 72
    svg = (svg[:size.start()] + f'width="{width:f}pt" height="{height:f}pt" '
           f'viewBox="{x:f} {y:f} {width:f} {height:f}"' + svg[size.end():])
    if background is not None and to_rgba(background)[3] > 0:
        alpha = to_rgba(background)[3]
        fill = f"fill: {to_hex(background)}" + (f"; fill-opacity: {alpha:g}" if alpha < 1 else "")
        svg = svg.replace(_FIGURE_GROUP, f'{_FIGURE_GROUP}\n  <rect id="background" x="{x:f}" y="{y:f}" '
                                         f'width="{width:f}" height="{height:f}" style="{fill}"/>', 1)
    return svg


def _alt_text(alt) -> str:
    alt = " ".join(str(alt).split())
    if not alt:
        raise ValueError("a figure needs alt text that describes it")
    return alt


def picture_output(svg: str, alt: str) -> tuple[dict, dict]:
    """The display data and metadata of an SVG picture ``svg`` with ``alt`` as its alt text.

    Three forms of the same picture: an HTML ``<img>`` of the SVG with the
    ``alt`` attribute (what JupyterLab shows, since it ignores alt text kept
    in image metadata), the SVG itself with the alt text in its metadata (for
    other front ends and nbconvert), and the alt text as plain text.
    """
    import html

    alt = _alt_text(alt)
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    data = {
        "text/html": f'<img src="data:{FIGURE_MIME};base64,{encoded}" alt="{html.escape(alt, quote=True)}" '
                     f'style="max-width:100%">',
        FIGURE_MIME: svg,
        "text/plain": alt,
    }
    return data, {FIGURE_MIME: {"alt": alt}}


def figure_output(fig, alt: str) -> tuple[dict, dict]:
    """The display data and metadata for ``fig``, with ``alt`` as its alt text (see :func:`picture_output`)."""
    alt = _alt_text(alt)
    return picture_output(figure_svg(fig), alt)


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def show_figure(fig, alt: str, *, close: bool = True) -> None:
    """Display ``fig`` as an SVG picture with ``alt`` as its alt text (see :func:`picture_output`).

    The alt text is also the output's plain-text form, so a screen reader or a
    text-only view gets the description.  Works whatever matplotlib backend the
    kernel uses.  Returns nothing, so a cell that ends with it shows only the figure.
    """
    from IPython.display import display

    data, metadata = figure_output(fig, alt)
    display(data, raw=True, metadata=metadata)
    if close:
        _close(fig)


class Plot:
    """A course figure: a drawing function and its arguments, drawn when first needed.

    ``Plot(plot_forest, rows)`` stands for the figure ``plot_forest(rows)``
    draws.  :meth:`show` draws it and shows its SVG picture with alt text.
    :attr:`fig` and :attr:`ax` are the figure and axes themselves, so a test
    or a curious learner can look inside.
    """

    def __init__(self, draw, *args, **kwargs):
        self.draw, self.args, self.kwargs = draw, args, kwargs
        self._drawn = None

    def __repr__(self) -> str:
        return f"Plot({getattr(self.draw, '__name__', self.draw)!r}, {len(self.args) + len(self.kwargs)} arguments)"

    def _figure(self):
        if self._drawn is None:
            self._drawn = self.draw(*self.args, **self.kwargs)
            _close(self._drawn[0])   # kept for looking inside, not left open in pyplot
        return self._drawn

    @property
    def fig(self):
        """The matplotlib figure (drawn now if it has not been)."""
        return self._figure()[0]

    @property
    def ax(self):
        """The figure's axes, as the drawing function returned them."""
        return self._figure()[1]

    @property
    def drawn(self) -> bool:
        """Whether the figure has been drawn yet."""
        return self._drawn is not None

    def svg(self) -> str:
        """The figure's SVG picture."""
        return figure_svg(self.fig)

    def output(self, alt: str) -> tuple[dict, dict]:
        """The display data and metadata of the picture with ``alt`` as its alt text."""
        alt = _alt_text(alt)
        return picture_output(self.svg(), alt)

    def show(self, alt: str) -> None:
        """Display the picture with ``alt`` as its alt text; returns nothing."""
        from IPython.display import display

        data, metadata = self.output(alt)
        display(data, raw=True, metadata=metadata)


def show_plot(draw, *args, alt: str, **kwargs) -> None:
    """Show the figure ``draw(*args, **kwargs)`` draws, with ``alt`` as its alt text (see :class:`Plot`)."""
    Plot(draw, *args, **kwargs).show(alt)


class ShowsPlot:
    """For a widget that shows one :class:`Plot` at a time, in ``self.plot``.

    :attr:`fig` and :attr:`ax` are that plot's figure and axes, or None
    while the widget shows no plot.
    """

    plot: Plot | None = None

    @property
    def fig(self):
        """The figure of the plot shown now, or None."""
        return self.plot.fig if self.plot is not None else None

    @property
    def ax(self):
        """The axes of the plot shown now, or None."""
        return self.plot.ax if self.plot is not None else None
