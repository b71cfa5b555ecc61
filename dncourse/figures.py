"""How figures reach the learner: a colour-blind-safe style and alt text.

Plot helpers draw inside :func:`course_style` and return ``(fig, ax)``, so
tests can inspect them.  Notebooks pass the figure to :func:`show_figure`,
which stores the alt text with the image output (JupyterLab uses it for the
image's ``alt`` attribute and it is the plain-text version of the output).
Nothing here changes matplotlib's global settings on import.
"""

from __future__ import annotations

import base64
import contextlib
import io

__all__ = ["PALETTE", "MARKERS", "course_style", "figure_output", "show_figure"]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Shapes carry meaning together with colour, never colour alone.
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]

_RC = {
    "axes.prop_cycle": None,  # filled in lazily (needs matplotlib's cycler)
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 13,
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
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def figure_output(fig, alt: str) -> tuple[dict, dict]:
    """The display data and metadata for ``fig``, with ``alt`` as its alt text.

    Three forms of the same figure: an HTML ``<img>`` with the ``alt``
    attribute (what JupyterLab shows, since it ignores alt text kept in image
    metadata), the PNG with the alt text in its metadata (for other front ends
    and nbconvert), and the alt text itself as plain text.
    """
    import html

    alt = " ".join(str(alt).split())
    if not alt:
        raise ValueError("a figure needs alt text that describes it")
    png = base64.b64encode(figure_png(fig)).decode("ascii")
    data = {
        "text/html": f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt, quote=True)}" '
                     f'style="max-width:100%">',
        "image/png": png,
        "text/plain": alt,
    }
    return data, {"image/png": {"alt": alt}}


def show_figure(fig, alt: str, *, close: bool = True) -> None:
    """Display ``fig`` as a PNG with ``alt`` stored in the output's metadata.

    The alt text is also the output's plain-text form, so a screen reader or a
    text-only view gets the description.  Works whatever matplotlib backend the
    kernel uses.  Returns nothing, so a cell that ends with it shows only the figure.
    """
    from IPython.display import display

    data, metadata = figure_output(fig, alt)
    display(data, raw=True, metadata=metadata)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
