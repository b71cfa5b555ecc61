"""The history of dry needling as a timeline (section 1)."""

from __future__ import annotations

from dncourse.ui.figures import MARKERS, PALETTE, course_style, show_plot
from dncourse.content.loader import load

__all__ = ["plot_timeline", "show_timeline", "timeline_alt_text"]


def plot_timeline(events: list[dict] | None = None):
    """Draw the events of ``timeline.csv`` on a year axis; return ``(fig, ax)``.

    Events confirmed in a primary record are drawn as filled circles; events
    seen only in a secondary source as open squares (and said so in the legend),
    so the difference never rests on colour alone.
    """
    import matplotlib.pyplot as plt

    events = sorted(events if events is not None else load("timeline"), key=lambda e: e["year"])
    with course_style():
        fig, ax = plt.subplots(figsize=(10, 4.2))
        ax.axhline(0, color="0.4", linewidth=1.5, zorder=1)
        shown = set()
        for i, event in enumerate(events):
            secondary = event["verification"] != "verified"
            level = (1.0, -1.0, 1.6, -1.6)[i % 4]
            ax.vlines(event["year"], 0, level, color="0.6", linewidth=0.8, zorder=1)
            label = "seen only in a secondary source" if secondary else "confirmed in the primary record"
            ax.plot(event["year"], 0, linestyle="none",
                    marker=MARKERS[1] if secondary else MARKERS[0], markersize=9,
                    markerfacecolor="white" if secondary else PALETTE[0],
                    markeredgecolor=PALETTE[1] if secondary else PALETTE[0], markeredgewidth=2,
                    label=None if label in shown else label, zorder=3)
            shown.add(label)
            ax.annotate(f"{event['year']}\n{event['label']}", (event["year"], level),
                        ha="center", va="bottom" if level > 0 else "top", fontsize=9)
        years = [e["year"] for e in events]
        ax.set_xlim(min(years) - 6, max(years) + 6)
        ax.set_ylim(-2.6, 2.6)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Year")
        ax.set_title("Dry needling is not new: milestones from 1941 onwards")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=9, frameon=False)
    return fig, ax


def timeline_alt_text(events: list[dict] | None = None) -> str:
    """A sentence listing every event on the timeline, for the figure's alt text."""
    events = sorted(events if events is not None else load("timeline"), key=lambda e: e["year"])
    items = "; ".join(f"{e['year']}: {e['label']}" for e in events)
    return f"Timeline of dry needling from {events[0]['year']} to {events[-1]['year']}. {items}."


def show_timeline(events: list[dict] | None = None) -> None:
    """Show the figure of the timeline (:func:`plot_timeline`) with its alt text."""
    show_plot(plot_timeline, events, alt=timeline_alt_text(events))
