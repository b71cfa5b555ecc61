"""Why fainting is more likely on a first visit: the Chen et al. 1990 rates (section 5)."""

from __future__ import annotations

from dncourse.ui.figures import PALETTE, course_style, show_plot
from dncourse.content.loader import load

__all__ = ["fainting_rows", "plot_fainting_by_visit", "show_fainting_by_visit", "fainting_alt_text"]


def fainting_rows(rows: list[dict] | None = None) -> dict[str, dict]:
    """The rows of ``fainting_rates.csv`` by id: first visit, later visits and all visits."""
    rows = rows if rows is not None else load("fainting_rates")
    return {row["id"]: row for row in rows}


def plot_fainting_by_visit(rows: list[dict] | None = None):
    """Bar chart of fainting per 100 procedures, first visit against later visits; return ``(fig, ax)``.

    The rate for all visits together is a dashed line.  The bars differ in hatching
    as well as colour, and each carries its rate and its counts as text.
    """
    import matplotlib.pyplot as plt

    data = fainting_rows(rows)
    bars = [data["chen1990_first"], data["chen1990_followup"]]
    overall = data["chen1990_all"]
    with course_style():
        fig, ax = plt.subplots(figsize=(7, 4.2))
        labels = [row["group"] for row in bars]
        rates = [row["rate_percent"] for row in bars]
        drawn = ax.bar(labels, rates, color=[PALETTE[3], PALETTE[0]], edgecolor="black",
                       hatch=["//", ""], width=0.55)
        for patch, row in zip(drawn.patches, bars):
            # above the bar, and above the dashed line when the bar is lower than it
            top = max(patch.get_height(), overall["rate_percent"])
            ax.annotate(f"{row['rate_percent']:.2f}%\n({row['events']} of {row['visits']:,} visits)",
                        (patch.get_x() + patch.get_width() / 2, top),
                        xytext=(0, 4), textcoords="offset points", ha="center", va="bottom", fontsize=10)
        ax.axhline(overall["rate_percent"], color="0.25", linestyle="--", linewidth=1.2,
                   label=f"{overall['group']}: {overall['rate_percent']:.2f}% "
                         f"({overall['events']} of {overall['visits']:,})")
        ax.set_ylim(0, max(rates) * 1.35)
        ax.set_ylabel("Fainted during needling (% of visits)")
        ax.set_title("Fainting during needling: first visit against later visits")
        ax.legend(loc="upper right", fontsize=9, frameon=False)
        # under the axes' lower left corner (placed on the axes, not the figure, so it can be drawn in one pass)
        ax.text(-0.15, -0.17, f"Source: {bars[0]['study']} (acupuncture, one Taipei hospital).",
                transform=ax.transAxes, fontsize=9, ha="left")
    return fig, ax


def fainting_alt_text(rows: list[dict] | None = None) -> str:
    """A sentence giving every number in the figure, for its alt text."""
    data = fainting_rows(rows)
    first, later, overall = data["chen1990_first"], data["chen1990_followup"], data["chen1990_all"]
    return (f"Bar chart from {first['study']}. Patients fainted during needling on "
            f"{first['rate_percent']:.2f}% of first visits ({first['events']} of {first['visits']:,}) against "
            f"{later['rate_percent']:.2f}% of later visits ({later['events']} of {later['visits']:,}). "
            f"A dashed line marks the rate for all visits, {overall['rate_percent']:.2f}% "
            f"({overall['events']} of {overall['visits']:,}).")


def show_fainting_by_visit(rows: list[dict] | None = None) -> None:
    """Show the figure of fainting by visit (:func:`plot_fainting_by_visit`) with its alt text."""
    show_plot(plot_fainting_by_visit, rows, alt=fainting_alt_text(rows))
