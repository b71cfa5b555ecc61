"""Is a change in pain meaningful for the patient?  Thresholds and a calculator (section 2).

The thresholds come from ``data/thresholds.csv`` (the fact sheet's section 8
table): about 2 points or about 30% on a 0-10 pain scale for chronic pain
(Farrar et al. 2001), 1.5 points for neck pain and a minimal detectable change
of 4.0 points for neck pain (Kovacs et al. 2008).

:func:`pain_change` and :func:`judge_change` do the arithmetic,
:func:`describe_change` says it in words, :func:`plot_change` draws it and
:class:`MeaningfulChange` is the widget, which tests drive with
:meth:`MeaningfulChange.set`.
"""

from __future__ import annotations

import html

from dncourse.ui.figures import MARKERS, PALETTE, Plot, ShowsPlot, course_style
from dncourse.content.loader import load
from dncourse.content.references import cite

__all__ = ["thresholds", "thresholds_markdown", "show_thresholds", "pain_change", "judge_change", "describe_change", "plot_change",
           "change_alt_text", "MeaningfulChange"]

#: The order in which thresholds are checked and shown.
ORDER = ("farrar_points", "farrar_percent", "kovacs_mcic", "kovacs_mdc")
# How each threshold reads in a sentence, and its line style on the plot.
_SHORT = {
    "farrar_points": "about {v} points (chronic pain, {src})",
    "farrar_percent": "about {v}% (chronic pain, {src})",
    "kovacs_mcic": "{v} points (neck pain, {src})",
    "kovacs_mdc": "{v} points, beyond measurement error (neck pain, {src})",
}
_STYLES = {"farrar_points": ("--", PALETTE[1]), "farrar_percent": (":", PALETTE[2]),
           "kovacs_mcic": ("-.", PALETTE[4]), "kovacs_mdc": ("-", "0.35")}


def _num(value: float) -> str:
    """A number without needless decimals: 1.5 -> '1.5', 2.0 -> '2'."""
    return f"{value:g}"


def thresholds() -> dict[str, dict]:
    """The rows of ``thresholds.csv`` by id, in the order they are checked."""
    rows = {row["id"]: row for row in load("thresholds")}
    return {key: rows[key] for key in ORDER if key in rows} | {k: v for k, v in rows.items() if k not in ORDER}


def thresholds_markdown() -> str:
    """The thresholds as a Markdown table, with population, meaning and source."""
    lines = ["| Threshold | Value on the 0-10 scale | Note | Source |", "|---|---|---|---|"]
    for row in thresholds().values():
        value = ("about " if row["approximate"] else "") + _value_text(row)
        value += "% of the starting score" if row["unit"] == "percent" else " points"
        name = f"{row['kind'].capitalize()}, {row['population']}"
        lines.append(f"| {name} | {value} | {row.get('note', '')} | {cite(row['ref'])} |")
    return "\n".join(lines)


def show_thresholds() -> str:
    """Display the thresholds table in the notebook; return its Markdown."""
    from IPython.display import Markdown, display

    text = thresholds_markdown()
    display(Markdown(text))
    return text


def _value_text(row: dict) -> str:
    # The sheet writes the neck-pain detectable change as 4.0; keep its one decimal.
    return f"{row['value']:.1f}" if row["id"] == "kovacs_mdc" else _num(row["value"])


def pain_change(before: float, after: float) -> dict:
    """The change from ``before`` to ``after`` on a 0-10 scale.

    Returns a dict with ``points`` (the fall: before minus after, so positive is
    better), ``percent`` (the fall as a percentage of ``before``; None when
    ``before`` is 0) and ``direction`` ("better", "worse" or "same").
    """
    for name, value in (("before", before), ("after", after)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"pain {name} must be a number from 0 to 10, not {value!r}")
        if not 0 <= value <= 10:
            raise ValueError(f"pain {name} must be from 0 to 10 on the pain scale, not {value!r}")
    points = before - after
    percent = None if before == 0 else 100 * points / before
    direction = "better" if points > 0 else "worse" if points < 0 else "same"
    return {"before": before, "after": after, "points": points, "percent": percent, "direction": direction}


def judge_change(before: float, after: float) -> list[dict]:
    """Compare the change with every threshold; one dict per threshold.

    Each dict has the threshold row's fields plus ``reached`` (bool) and
    ``label`` (short words for a table or a legend).
    """
    change = pain_change(before, after)
    results = []
    for key, row in thresholds().items():
        if row["unit"] == "percent":
            amount = change["percent"] if change["percent"] is not None else 0.0
        else:
            amount = change["points"]
        reached = round(amount, 9) >= row["value"]
        template = _SHORT.get(key, "{v} " + row["unit"] + " ({src})")
        label = template.format(v=_value_text(row), src=cite(row["ref"]))
        results.append({**row, "reached": reached, "label": label})
    return results


def _points(value: float) -> str:
    return f"{_num(value)} point" + ("" if value == 1 else "s")


def describe_change(before: float, after: float) -> str:
    """A few sentences: the change, each threshold reached or not, and what that means."""
    change = pain_change(before, after)
    b, a = _num(before), _num(after)
    if change["direction"] == "same":
        return f"Pain stayed at {b} out of 10: there is no change to judge."
    if change["direction"] == "worse":
        return (f"Pain rose by {_points(-change['points'])}, from {b} to {a} out of 10: "
                "this is a worsening, not an improvement.")
    text = f"Pain fell by {_points(change['points'])}, from {b} to {a} out of 10"
    text += f": a fall of {change['percent']:.0f}%." if change["percent"] is not None else "."
    judged = {r["id"]: r for r in judge_change(before, after)}
    shown = [f"{r['label']}: {'reached' if r['reached'] else 'not reached'}"
             for key, r in judged.items() if key != "kovacs_mdc"]
    text += " Thresholds: " + "; ".join(shown) + "."
    farrar = [judged[k] for k in ("farrar_points", "farrar_percent") if k in judged]
    if farrar:
        source = cite(farrar[0]["ref"])
        hits = sum(r["reached"] for r in farrar)
        if hits == len(farrar):
            text += f" This is the size of fall that patients with chronic pain rated as much or very much improved ({source})."
        elif hits:
            text += (" This is on the edge: it reaches one of the two chronic-pain thresholds but not the other. "
                     "The percentage is the steadier guide, because it behaves the same whatever the starting "
                     f"score, while the points needed rise when pain starts high ({source}).")
        else:
            text += f" This is smaller than the fall that patients with chronic pain rated as much or very much improved ({source})."
    if "kovacs_mdc" in judged:
        mdc = judged["kovacs_mdc"]
        if mdc["reached"]:
            text += (f" It is also more than the {_value_text(mdc)} points needed, for one neck-pain patient, "
                     f"to be sure the change is not measurement error ({cite(mdc['ref'])}).")
        else:
            text += (f" For one neck-pain patient, a change smaller than {_value_text(mdc)} points could still "
                     f"be measurement error ({cite(mdc['ref'])}).")
    return text


def plot_change(before: float, after: float):
    """Draw the patient's pain before and after on a 0-10 line, with the score each threshold needs.

    Each threshold is a vertical line at the *after* score that would just reach
    it (for example before minus 2 points); a score on or left of a line
    reaches that threshold.  Line styles, not only colours, tell them apart.
    Returns ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt

    change = pain_change(before, after)
    rows = thresholds()
    labels = {r["id"]: r["label"] for r in judge_change(before, after)}
    with course_style():
        fig, ax = plt.subplots(figsize=(6.6, 3.2))
        ax.plot([0, 10], [0, 0], color="0.75", linewidth=6, solid_capstyle="butt", zorder=1, gid="scale")
        for i, (key, row) in enumerate(rows.items()):
            target = before * (1 - row["value"] / 100) if row["unit"] == "percent" else before - row["value"]
            if target < 0 or before == 0:
                continue  # the threshold cannot be reached from this starting score
            linestyle, colour = _STYLES.get(key, ("--", PALETTE[(i + 1) % len(PALETTE)]))
            ax.plot([target, target], [-0.6, 0.6], linestyle=linestyle, linewidth=2,
                    color=colour, gid=f"target:{key}",
                    label=f"after score needed for {labels[key]}")
        ax.plot([before], [0], linestyle="none", marker=MARKERS[0], markersize=13, color=PALETTE[0],
                gid="before", label=f"before: {_num(before)}", zorder=4)
        ax.plot([after], [0], linestyle="none", marker=MARKERS[2], markersize=12, markerfacecolor="white",
                markeredgewidth=2.5, color=PALETTE[3], gid="after", label=f"after: {_num(after)}", zorder=5)
        if change["direction"] != "same":
            ax.annotate("", xy=(after, 0.28), xytext=(before, 0.28),
                        arrowprops={"arrowstyle": "->", "color": "0.2", "linewidth": 1.5})
        ax.set_xlim(-0.3, 10.3)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xticks(range(11))
        ax.set_xlabel("Pain score, 0 (no pain) to 10 (worst pain)")
        if change["direction"] == "better":
            summary = f"a fall of {_points(change['points'])}"
            if change["percent"] is not None:
                summary += f" ({change['percent']:.0f}%)"
        elif change["direction"] == "worse":
            summary = f"a rise of {_points(-change['points'])}"
        else:
            summary = "no change"
        ax.set_title(f"Pain {_num(before)} before, {_num(after)} after: {summary}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=1, fontsize=9.5, frameon=False)
    return fig, ax


def change_alt_text(before: float, after: float) -> str:
    """Alt text for :func:`plot_change`: the scores, the change and which thresholds it reaches."""
    judged = judge_change(before, after)
    reached = [r["label"] for r in judged if r["reached"]] or ["none"]
    return (f"Pain scale from 0 to 10 with the score before treatment at {_num(before)} and after at "
            f"{_num(after)}, and vertical lines at the after score each threshold needs. "
            f"Thresholds reached: {', '.join(reached)}.")


class MeaningfulChange(ShowsPlot):
    """A patient's pain before and after (0-10): the change, the thresholds, a small plot.

    Drive it without a browser with :meth:`set` (or by setting
    ``before.value`` / ``after.value``); the text is in ``result.value`` and
    the last figure in ``fig`` and ``ax``.
    """

    def __init__(self, before: int = 7, after: int = 5):
        from dncourse.ui.widgetkit import kit as w

        def pair(description, value, tooltip):
            slider = w.IntSlider(value=value, min=0, max=10, step=1, description=description,
                                 continuous_update=False, style={"description_width": "initial"},
                                 tooltip=tooltip)
            box = w.BoundedIntText(value=value, min=0, max=10, step=1, description="or type:",
                                   layout=w.Layout(width="130px"), tooltip=tooltip)
            w.link((slider, "value"), (box, "value"))
            return slider, box

        self.before, self.before_box = pair("Pain before (0-10):", before, "The patient's pain score before treatment")
        self.after, self.after_box = pair("Pain after (0-10):", after, "The patient's pain score after treatment")
        self.result = w.HTML()
        self.output = w.Output()
        self.plot: Plot | None = None
        self._busy = False
        for slider in (self.before, self.after):
            slider.observe(self._update, names="value")
        self.widget = w.VBox([
            w.HTML("<b>Is this change meaningful?</b> Set the patient's pain before and after treatment."),
            w.HBox([self.before, self.before_box]), w.HBox([self.after, self.after_box]),
            self.result, self.output])
        self._update()

    def set(self, before: int | None = None, after: int | None = None) -> str:
        """Set the scores as a learner would, redraw once, and return the sentence shown."""
        self._busy = True
        try:
            if before is not None:
                self.before.value = before
            if after is not None:
                self.after.value = after
        finally:
            self._busy = False
        self._update()
        return self.text

    @property
    def text(self) -> str:
        """The sentence under the sliders, as plain text."""
        return describe_change(self.before.value, self.after.value)

    def _table(self) -> str:
        rows = []
        for r in judge_change(self.before.value, self.after.value):
            mark = "&#10004; reached" if r["reached"] else "&#10008; not reached"
            rows.append(f"<tr><td>{html.escape(r['label'])}</td><td>{mark}</td></tr>")
        return ("<table><tr><th>Threshold</th><th>This patient</th></tr>"
                + "".join(rows) + "</table>")

    def _update(self, _change=None) -> None:
        if self._busy:
            return
        from IPython.display import clear_output

        before, after = self.before.value, self.after.value
        self.result.value = f"<p>{html.escape(self.text)}</p>{self._table()}"
        with self.output:
            clear_output(wait=True)
            self.plot = Plot(plot_change, before, after)
            self.plot.show(alt=change_alt_text(before, after))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
