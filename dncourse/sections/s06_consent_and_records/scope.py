"""Who may dry needle: dated examples from different places (section 6).

The examples live in ``data/jurisdictions.csv``, each with its date, its source
and how firmly the fact sheet checked it.  :func:`plot_scope` draws the dated
ones on a year axis, one row per place, with a different marker shape for each
position (never colour alone); :func:`scope_table_markdown` lists all of them,
including those whose source gives no date.
"""

from __future__ import annotations

from dncourse.ui.figures import PALETTE, course_style, show_plot
from dncourse.content.loader import load
from dncourse.content.references import cite

__all__ = ["POSITION_STYLE", "jurisdictions", "plot_scope", "show_scope", "scope_alt_text", "scope_table_markdown",
           "show_scope_table"]

#: marker, colour and whether the marker is filled, for each position.
POSITION_STYLE = {
    "allowed": ("o", PALETTE[2], True),
    "not allowed": ("X", PALETTE[3], True),
    "extra licence usually needed": ("s", PALETTE[0], False),
    "rules vary within the country": ("D", PALETTE[1], False),
}


def jurisdictions(rows: list[dict] | None = None) -> list[dict]:
    """The examples in date order; those without a date come last."""
    rows = rows if rows is not None else load("jurisdictions")
    return sorted(rows, key=lambda r: (r["year"] is None, r["year"] or 0, r["place"]))


def plot_scope(rows: list[dict] | None = None):
    """Draw each dated example as a marker at its year, one row per place; return ``(fig, ax)``.

    The marker's shape (and colour) shows the position at that date; the legend
    names each shape.  Examples without a date are left out of the figure.
    """
    import matplotlib.pyplot as plt

    dated = [r for r in jurisdictions(rows) if r["year"] is not None]
    with course_style():
        fig, ax = plt.subplots(figsize=(7.6, 0.45 * len(dated) + 1.6))
        shown = set()
        for i, row in enumerate(dated):
            marker, colour, filled = POSITION_STYLE[row["position"]]
            label = row["position"] if row["position"] not in shown else None
            shown.add(row["position"])
            ax.plot(row["year"], i, linestyle="none", marker=marker, markersize=10,
                    markerfacecolor=colour if filled else "white", markeredgecolor=colour,
                    markeredgewidth=2, label=label, zorder=3)
            ax.annotate(row["dated"], (row["year"], i), xytext=(9, 0), textcoords="offset points",
                        va="center", fontsize=9)
        ax.set_yticks(range(len(dated)))
        ax.set_yticklabels([r["place"] for r in dated])
        ax.invert_yaxis()
        years = [r["year"] for r in dated]
        ax.set_xlim(min(years) - 3, max(years) + 6)
        ax.grid(axis="x", color="0.9")
        ax.set_xlabel("Year of the decision or rule")
        ax.set_title("May physiotherapists dry needle? It depends on where, and when")
        ax.legend(title="Position at that date", loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  ncol=len(shown), fontsize=9, frameon=False)
    return fig, ax


def scope_alt_text(rows: list[dict] | None = None) -> str:
    """A sentence listing every dated example, for the figure's alt text."""
    dated = [r for r in jurisdictions(rows) if r["year"] is not None]
    items = "; ".join(f"{r['place']}, {r['dated']}: {r['position']}" for r in dated)
    return (f"Chart of {len(dated)} dated decisions on dry needling by physiotherapists, "
            f"from {dated[0]['year']} to {dated[-1]['year']}. {items}.")


def show_scope(rows: list[dict] | None = None) -> None:
    """Show the figure of where dry needling is in scope (:func:`plot_scope`) with its alt text."""
    show_plot(plot_scope, rows, alt=scope_alt_text(rows))

def scope_table_markdown(rows: list[dict] | None = None) -> str:
    """All examples as a Markdown table: place, date, position, what the source says, source."""
    lines = ["| Place | Date | Position for physiotherapists | What the source says | Source |",
             "|---|---|---|---|---|"]
    for r in jurisdictions(rows):
        source = cite(r["ref"]) + ("" if r["verification"] == "verified" else " (seen in a secondary source)")
        summary = r["summary"].replace("|", "/")
        lines.append(f"| {r['place']} | {r['dated']} | {r['position']} | {summary} | {source} |")
    return "\n".join(lines)


def show_scope_table(rows: list[dict] | None = None) -> str:
    """Display :func:`scope_table_markdown` in the notebook."""
    from IPython.display import Markdown, display

    text = scope_table_markdown(rows)
    display(Markdown(text))
    return text
