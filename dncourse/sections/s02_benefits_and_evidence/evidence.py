"""The evidence for dry needling's benefits: effect sizes, forest plots and the explorer (section 2).

Every number comes from ``data/evidence.csv``, one row per row of the fact
sheet's forest-plot table (section 2.2), read by the one loader.

Signs: in each row, ``direction`` says which sign favours the *dry needling
arm* (``dn_arm``).  A negative value favours it in every row except the
pressure pain threshold one, where a higher threshold (a positive value) is
the better result.  So a positive value in a row the fact sheet labels
"favours wet", "favours other" or "favours combo" means the comparator did
better; :func:`favours` works this out and the plot and the sentences use it.

:func:`select` filters rows, :func:`describe_row` and :func:`summarise` say in
words what rows show, :func:`plot_forest` and :func:`plot_over_time` draw
them and return ``(fig, ax)``, and :class:`EvidenceExplorer` is the widget.
"""

from __future__ import annotations

import html
import re
import json

from dncourse.ui.figures import MARKERS, PALETTE, Plot, ShowsPlot, course_style, show_plot
from dncourse.content.loader import DataError, load
from dncourse.content.references import cite

__all__ = ["ALL", "CONDITIONS", "COMPARATOR_TYPES", "OUTCOMES", "TIME_GROUPS", "evidence_rows", "population",
           "over_time_rows",
           "check_rows", "favours", "fmt", "select", "describe_row", "summarise", "important_band",
           "plot_forest", "show_forest", "forest_alt_text", "plot_over_time", "show_over_time", "over_time_alt_text", "EvidenceExplorer"]

ALL = "all"
#: Menu labels for the explorer, in menu order (keys are the values stored in the data).
CONDITIONS = {
    "neck and shoulder": "Neck and shoulder pain",
    "low back": "Low back pain",
    "spinal": "Spinal pain",
    "mixed musculoskeletal": "Mixed muscle and joint pain",
    "headache": "Headache",
}
COMPARATOR_TYPES = {
    "sham or no treatment": "Sham, placebo or no treatment",
    "active treatment": "Another active treatment",
    "active treatment or placebo": "Other treatment or placebo, pooled",
    "wet needling": "Wet needling (injection)",
    "combined treatment": "Dry needling combined with other treatment",
    "needling technique": "Needling with or without twitches",
}
OUTCOMES = {
    "Pain (0-10)": "Pain, 0-10 scale (mean difference in points)",
    "Pain": "Pain (standardised mean difference)",
    "Disability": "Disability (standardised mean difference)",
    "PPT": "Pressure pain threshold (mean difference in kPa)",
}
TIME_GROUPS = {
    "immediate": "Immediately after (up to 3 days)",
    "short term": "Short term",
    "end of treatment": "At the end of the treatment course",
    "medium term": "Medium term (weeks)",
    "long term": "Longer term (13-24 weeks)",
}
_AXIS = {
    "Pain (0-10)": "Mean difference in pain, points on a 0-10 scale",
    "Pain": "Standardised mean difference (SMD) in pain",
    "Disability": "Standardised mean difference (SMD) in disability",
    "PPT": "Mean difference in pressure pain threshold (kPa)",
}
_UNIT = {"Pain (0-10)": " points", "PPT": " kPa"}
# Abbreviations in the fact sheet's population column, spelled out for learners.
_WORDS = {"Neck/shoulder MTrP": "neck or shoulder trigger points", "LBP with MTrP": "low back pain with trigger points",
          "Mixed MSK": "mixed muscle and joint pain", "Neck TrP": "neck trigger points",
          "Spinal pain TrP": "spinal pain with trigger points",
          "Mixed (TTH + migraine)": "mixed tension-type headache and migraine"}
FAVOURS_TEXT = {
    "dn": "favours the dry needling arm",
    "comparator": "favours the comparator",
    "neither": "no clear difference (the interval crosses 0)",
}


def fmt(value: float) -> str:
    """A number as the fact sheet writes it: two decimals and a true minus sign."""
    return f"{value:.2f}".replace("-", "\u2212")


def check_rows(rows: list[dict], file: str = "evidence.csv") -> list[dict]:
    """Checks that need two fields at once (the schema checks one field at a time).

    Raises :class:`DataError` naming the row and the field when a confidence
    interval is upside down or does not contain its estimate.
    """
    for index, row in enumerate(rows):
        where = f"{file}, line {index + 2} (id {row.get('id')!r})"
        if row["ci_low"] > row["ci_high"]:
            raise DataError(f"{where}, field 'ci_low': the lower end {row['ci_low']} is above "
                            f"the upper end {row['ci_high']}")
        if not row["ci_low"] <= row["estimate"] <= row["ci_high"]:
            raise DataError(f"{where}, field 'estimate': {row['estimate']} is outside its interval "
                            f"{row['ci_low']} to {row['ci_high']}")
    return rows


def evidence_rows() -> list[dict]:
    """The validated rows of ``evidence.csv``, in the fact sheet's order."""
    return sorted(check_rows(load("evidence")), key=lambda r: r["row"])


def favours(row: dict) -> str:
    """Which arm the row's result favours: "dn", "comparator" or "neither".

    "neither" when the 95% confidence interval includes 0 (no effect).
    """
    if row["ci_low"] <= 0 <= row["ci_high"]:
        return "neither"
    dn_sign = -1 if row["direction"] == "negative favours DN" else 1
    return "dn" if row["estimate"] * dn_sign > 0 else "comparator"


def select(rows: list[dict] | None = None, *, condition: str = ALL, comparator_type: str = ALL,
           outcome: str = ALL, time_group: str = ALL) -> list[dict]:
    """The rows that match every choice; ``"all"`` matches anything."""
    rows = evidence_rows() if rows is None else rows
    wanted = {"condition": condition, "comparator_type": comparator_type, "outcome": outcome,
              "time_group": time_group}
    return [r for r in rows if all(v == ALL or r[k] == v for k, v in wanted.items())]


def important_band() -> tuple[float, float, str]:
    """The band of clinically important change on a 0-10 scale: (low, high, sources).

    From the thresholds table: 1.5 points for neck pain (Kovacs et al. 2008)
    to about 2 points for chronic pain (Farrar et al. 2001).
    """
    from dncourse.sections.s02_benefits_and_evidence.meaningful import thresholds

    rows = thresholds()
    low, high = rows["kovacs_mcic"], rows["farrar_points"]
    return low["value"], high["value"], cite([low["ref"], high["ref"]])


def population(row: dict) -> str:
    """The row's population in plain words (the fact sheet abbreviates)."""
    return _WORDS.get(row["population"], row["population"].lower())


def _size_sentence(row: dict) -> str:
    """For a 0-10 pain row that shows a difference: how it compares with the important change."""
    low, high, _ = important_band()
    size = abs(row["estimate"])
    near = min(abs(row["ci_low"]), abs(row["ci_high"]))
    winner = row["dn_arm"] if favours(row) == "dn" else row["comparator"]
    kov, far = cite("kovacs2008"), cite("farrar2001")
    if size < low:
        text = (f"The average difference, {size:.2f} points, is below the {low:g}-point change that matters to "
                f"people with neck pain ({kov}) and the change of about {high:g} points that matters in chronic "
                f"pain ({far}): a real but small advantage for {winner}.")
    elif size < high:
        text = (f"The average difference, {size:.2f} points, reaches the {low:g}-point change that matters to "
                f"people with neck pain ({kov}) but is below about {high:g} points ({far}).")
    else:
        text = (f"The average difference, {size:.2f} points, is around or above the change of about {high:g} "
                f"points that patients notice ({far}).")
    if size >= low and near < low:
        text += (f" But the interval reaches down to {near:.2f} points, so the true difference could be "
                 "smaller than that.")
    return text


def describe_row(row: dict) -> str:
    """One row in words: who, what against what, when, the number and what it shows."""
    unit = _UNIT.get(row["outcome"], "")
    outcome = {"Pain (0-10)": "pain on a 0-10 scale", "PPT": "pressure pain threshold"}.get(
        row["outcome"], row["outcome"].lower())
    head = (f"{row['review']}, {population(row)}: {row['dn_arm']} vs {row['comparator']}, {outcome}, "
            f"time point \u201c{row['time_point']}\u201d: {row['measure']} {fmt(row['estimate'])}{unit} "
            f"(95% CI {fmt(row['ci_low'])} to {fmt(row['ci_high'])}).")
    side = favours(row)
    if side == "neither":
        text = f"{head} The interval crosses 0, the line of no effect, so no difference was shown."
    else:
        winner = row["dn_arm"] if side == "dn" else row["comparator"]
        text = f"{head} This favours {winner}."
        if row["outcome"] == "Pain (0-10)":
            text += " " + _size_sentence(row)
        elif row["outcome"] == "PPT":
            text += " A higher threshold means more pressure is needed before it hurts."
    if row.get("evidence_rating"):
        text += f" Evidence rating given: {row['evidence_rating']}."
    return text


def summarise(rows: list[dict]) -> str:
    """A sentence saying what a set of rows shows, counting which side each favours."""
    if not rows:
        return ("No result in the fact sheet's table matches this choice. "
                "Choose 'All' in one of the menus to see more.")
    counts = {side: sum(favours(r) == side for r in rows) for side in FAVOURS_TEXT}
    n = len(rows)
    parts = []
    if counts["dn"]:
        parts.append(f"{counts['dn']} favour the dry needling arm")
    if counts["comparator"]:
        parts.append(f"{counts['comparator']} favour the comparator")
    if counts["neither"]:
        parts.append(f"{counts['neither']} show no clear difference")
    results = "result" if n == 1 else "results"
    verbs = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    if n == 1:
        verbs = verbs.replace("favour ", "favours ").replace("show ", "shows ")
    text = f"{n} {results} shown: {verbs}."
    types = {r["comparator_type"] for r in rows if favours(r) == "dn"}
    if types and types <= {"sham or no treatment"}:
        text += (" Every result here that favours dry needling is against sham, placebo or no treatment, where blinding "
                 f"is a known weakness ({cite('braithwaite2019')}).")
    pain = [r for r in rows if r["outcome"] == "Pain (0-10)" and favours(r) != "neither"]
    if pain:
        low, high, sources = important_band()
        below = sum(abs(r["estimate"]) < low for r in pain)
        text += (f" On the 0-10 scale, {below} of the {len(pain)} differences shown "
                 f"{'is' if below == 1 else 'are'} smaller than the {low:g} to {high:g}-point band of "
                 f"clinically important change ({sources}).")
    very_low = sum("very low" in r.get("evidence_rating", "") for r in rows)
    if very_low:
        text += (" This result comes from evidence rated very low quality." if n == 1 else
                 f" {very_low} of these results come from evidence rated very low quality.")
    if any(r["measure"] == "SMD" for r in rows):
        text += (" Standardised mean differences are in units of spread, not points on a scale, "
                 "so they cannot be compared with the points a patient notices.")
    return text


def _label(row: dict, width: int = 41) -> str:
    """A forest-plot row label: who and what was compared, wrapped to lines of at most ``width`` characters."""
    import textwrap

    time = re.sub(r"(\d) (?=d\b|wk\b|h\b)", "\\1\u00a0", row["time_point"].lower())  # keep "9-28 d" on one line
    parts = (f"{row['review']}, {population(row)}", f"{row['dn_arm']} vs {row['comparator']}, {time}")
    return "\n".join(line for part in parts for line in textwrap.wrap(part, width, break_on_hyphens=False))


def plot_forest(rows: list[dict], title: str | None = None):
    """A forest plot of ``rows`` (all of one outcome); return ``(fig, ax)``.

    Each row is a marker at its estimate with a line for its 95% confidence
    interval; the marker's shape says which arm the result favours (circle:
    dry needling arm, square: comparator, open diamond: no clear difference).
    A vertical line marks no effect; for pain on a 0-10 scale a shaded band
    marks the clinically important change.  Artists carry ``gid``s
    (``"estimate:<id>"``, ``"ci:<id>"``, ``"no_effect"``, ``"important_band"``).
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    if not rows:
        raise ValueError("plot_forest needs at least one row")
    outcomes = {r["outcome"] for r in rows}
    if len(outcomes) != 1:
        raise ValueError(f"plot one outcome at a time, not {', '.join(sorted(outcomes))}: "
                         "they are on different scales")
    outcome = outcomes.pop()
    directions = {r["direction"] for r in rows}
    if len(directions) != 1:
        raise ValueError("these rows use different sign conventions; plot them separately")
    negative_is_dn = directions.pop() == "negative favours DN"
    styles = {
        "dn": dict(marker=MARKERS[0], color=PALETTE[0], markerfacecolor=PALETTE[0]),
        "comparator": dict(marker=MARKERS[1], color=PALETTE[3], markerfacecolor=PALETTE[3]),
        "neither": dict(marker=MARKERS[2], color="0.25", markerfacecolor="white"),
    }
    n = len(rows)
    with course_style():
        labels = [_label(r) for r in reversed(rows)]
        lines = max(label.count("\n") + 1 for label in labels)
        fig, ax = plt.subplots(figsize=(4.5, 1.9 + (0.2 + 0.19 * lines) * n))
        shown = set()
        for i, row in enumerate(rows):
            y = n - 1 - i
            side = favours(row)
            style = styles[side]
            ax.plot([row["ci_low"], row["ci_high"]], [y, y], color=style["color"], linewidth=2,
                    solid_capstyle="butt", gid=f"ci:{row['id']}", zorder=2)
            ax.plot([row["estimate"]], [y], linestyle="none", markersize=9, markeredgewidth=2,
                    markeredgecolor=style["color"], marker=style["marker"],
                    markerfacecolor=style["markerfacecolor"], gid=f"estimate:{row['id']}",
                    label=None if side in shown else FAVOURS_TEXT[side], zorder=3)
            shown.add(side)
        ax.axvline(0, color="0.2", linewidth=1.2, gid="no_effect", label="no effect (0)", zorder=1)
        lows = [r["ci_low"] for r in rows] + [0]
        highs = [r["ci_high"] for r in rows] + [0]
        if outcome == "Pain (0-10)":
            low, high, _ = important_band()
            for sign in (-1, 1):
                ax.axvspan(*sorted((sign * low, sign * high)), color=PALETTE[2], alpha=0.25, hatch="//",
                           gid="important_band" if sign < 0 else "important_band_mirror",
                           label=f"clinically important change ({low:g} to {high:g} points)" if sign < 0 else None,
                           zorder=0)
            lows.append(-high)
            highs.append(high)
        span = max(highs) - min(lows)
        ax.set_xlim(min(lows) - 0.08 * span, max(highs) + 0.08 * span)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks(range(n))
        ax.set_yticklabels(labels, fontsize=9.5)
        numbers = blended_transform_factory(ax.transAxes, ax.transData)
        for i, row in enumerate(rows):
            ax.text(1.01, n - 1 - i, f"{fmt(row['estimate'])} [{fmt(row['ci_low'])}, {fmt(row['ci_high'])}]",
                    transform=numbers, va="center", fontsize=9.5, gid=f"numbers:{row['id']}")
        left, right = ("dry needling arm", "comparator") if negative_is_dn else ("comparator", "dry needling arm")
        gap = "\u00a0" * 10  # no-break spaces: an SVG collapses runs of ordinary spaces into one
        ax.set_xlabel(f"{_AXIS[outcome]}\n\u2190 favours the {left}{gap}favours the {right} \u2192")
        heading = title or f"{OUTCOMES[outcome]}: {n} result{'s' if n != 1 else ''} with 95% confidence intervals"
        ax.set_title("\n".join(textwrap.wrap(heading, 60)))
        axes_height = fig.get_figheight() * 0.77  # inches, with the default subplot margins
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.95 / axes_height), ncol=1, fontsize=9.5,
                  frameon=False)
    return fig, ax


def show_forest(rows: list[dict], title: str | None = None) -> None:
    """Draw the forest plot of ``rows`` and show it with its alt text."""
    show_plot(plot_forest, rows, title, alt=forest_alt_text(rows))


def forest_alt_text(rows: list[dict]) -> str:
    """Alt text for :func:`plot_forest`: every row's estimate, interval and direction."""
    if not rows:
        return "No results to plot."
    items = "; ".join(
        f"{r['review']} {r['dn_arm']} vs {r['comparator']} at {r['time_point']}: {r['measure']} "
        f"{fmt(r['estimate'])}, 95% CI {fmt(r['ci_low'])} to {fmt(r['ci_high'])}, {FAVOURS_TEXT[favours(r)]}"
        for r in rows)
    return f"Forest plot of {OUTCOMES[rows[0]['outcome']].lower()} with a vertical line at 0 (no effect). {items}."


_TIME_WORDS = {"≤72 h": "up to 72 hours", "1-3 wk": "1-3 weeks", "4-12 wk": "4-12 weeks", "13-24 wk": "13-24 weeks"}


def over_time_rows() -> list[dict]:
    """The Sánchez-Infante 2021 rows: pooled pain effect at four time points, earliest first."""
    return [r for r in evidence_rows() if r["ref"] == "sanchez2021"]


def plot_over_time(rows: list[dict] | None = None):
    """The pooled effect on pain over time with its 95% intervals; return ``(fig, ax)``.

    The x axis is the time window (categories, earliest first); each interval's
    width is written beside it, so the widening at 13-24 weeks is visible in
    numbers as well as in length.
    """
    import matplotlib.pyplot as plt

    rows = over_time_rows() if rows is None else sorted(rows, key=lambda r: r["row"])
    if not rows:
        raise ValueError("plot_over_time needs at least one row")
    xs = list(range(len(rows)))
    with course_style():
        fig, ax = plt.subplots(figsize=(7.4, 4.6))
        ax.axhline(0, color="0.2", linewidth=1.2, gid="no_effect", label="no effect (0)")
        ax.plot(xs, [r["estimate"] for r in rows], linestyle=":", color="0.5", gid="trend")
        for x, row in zip(xs, rows):
            ax.plot([x, x], [row["ci_low"], row["ci_high"]], color=PALETTE[0], linewidth=2.5,
                    gid=f"ci:{row['id']}", label="95% confidence interval" if x == 0 else None)
            ax.plot([x], [row["estimate"]], linestyle="none", marker=MARKERS[0], markersize=9,
                    color=PALETTE[0], gid=f"estimate:{row['id']}", label="pooled SMD" if x == 0 else None)
            width = row["ci_high"] - row["ci_low"]
            ax.annotate(f"{fmt(row['estimate'])}\ninterval width {width:.2f}", (x, row["ci_low"]),
                        xytext=(0, -8), textcoords="offset points", ha="center", va="top", fontsize=9.5)
        ax.set_xticks(xs)
        ax.set_xticklabels([_TIME_WORDS.get(r["time_point"], r["time_point"]) for r in rows])
        ax.set_xlim(-0.5, len(rows) - 0.5)
        ax.set_ylim(min(r["ci_low"] for r in rows) - 0.55, 0.35)
        ax.set_xlabel("Time after treatment")
        ax.set_ylabel("Pain, SMD\n(below 0 favours dry needling)")
        ax.set_title(f"Dry needling vs other treatments or placebo, pain over time ({cite(rows[0]['ref'])})")
        ax.legend(loc="lower left", fontsize=9.5, frameon=False)
    return fig, ax


def over_time_alt_text(rows: list[dict] | None = None) -> str:
    """Alt text for :func:`plot_over_time`."""
    rows = over_time_rows() if rows is None else sorted(rows, key=lambda r: r["row"])
    items = "; ".join(f"{_TIME_WORDS.get(r['time_point'], r['time_point'])}: SMD {fmt(r['estimate'])}, "
                      f"95% CI {fmt(r['ci_low'])} to {fmt(r['ci_high'])}" for r in rows)
    return (f"Pooled effect of dry needling on pain at {len(rows)} time points, all below the no-effect "
            f"line, with the widest interval at the last one. {items}.")


def show_over_time(rows: list[dict] | None = None) -> None:
    """Show the figure of pain over time (:func:`plot_over_time`) with its alt text."""
    show_plot(plot_over_time, rows, alt=over_time_alt_text(rows))

class EvidenceExplorer(ShowsPlot):
    """Choose condition, comparator, outcome and time point; see the forest plot and a sentence.

    Drive it without a browser with :meth:`set` (or by setting the dropdowns'
    ``value``); :attr:`selected` holds the rows shown, ``fig``/``ax`` the last
    plot (None when nothing matches) and ``sentence.value`` the text.
    """

    def __init__(self, rows: list[dict] | None = None, outcome: str = "Pain (0-10)"):
        from dncourse.ui.widgetkit import kit as w

        self.rows = evidence_rows() if rows is None else rows
        style = {"description_width": "initial"}
        layout = w.Layout(width="auto")

        def menu(description, labels, value=ALL, with_all=True):
            options = ([("All", ALL)] if with_all else []) + [(label, key) for key, label in labels.items()]
            return w.Dropdown(options=options, value=value, description=description, style=style,
                              layout=layout)

        self.condition = menu("Condition:", CONDITIONS)
        self.comparator = menu("Compared with:", COMPARATOR_TYPES)
        self.outcome = menu("Outcome:", OUTCOMES, value=outcome, with_all=False)
        self.time = menu("Time point:", TIME_GROUPS)
        self.output = w.Output()
        self.sentence = w.HTML()
        self.plot: Plot | None = None
        self.selected: list[dict] = []
        self._busy = False
        for dropdown in (self.condition, self.comparator, self.outcome, self.time):
            dropdown.observe(self._update, names="value")
        note = ("<small>Each review defines its time points in its own way; the label of each row gives the "
                "review's own words. An outcome is always chosen, because outcomes are measured on "
                "different scales.</small>")
        self.widget = w.VBox([
            w.HTML("<b>Evidence explorer.</b> Choose what to look at; the plot and the sentence under it update."),
            w.HBox([self.condition, self.comparator]), w.HBox([self.outcome, self.time]),
            w.HTML(note), self.output, self.sentence])
        self._update()

    def set(self, condition: str | None = None, comparator_type: str | None = None,
            outcome: str | None = None, time_group: str | None = None) -> str:
        """Set any of the menus as a learner would, redraw once, and return the summary sentence."""
        self._busy = True
        try:
            for dropdown, value in ((self.condition, condition), (self.comparator, comparator_type),
                                    (self.outcome, outcome), (self.time, time_group)):
                if value is not None:
                    dropdown.value = value
        finally:
            self._busy = False
        self._update()
        return self.summary

    @property
    def summary(self) -> str:
        """The summary sentence for the rows shown now, as plain text."""
        return summarise(self.selected)

    def _update(self, _change=None) -> None:
        if self._busy:
            return
        from IPython.display import clear_output, display, HTML

        self.selected = select(self.rows, condition=self.condition.value,
                               comparator_type=self.comparator.value, outcome=self.outcome.value,
                               time_group=self.time.value)
        details = "".join(f"<li>{html.escape(describe_row(r))}</li>" for r in self.selected)
        sources = sorted({r["ref"] for r in self.selected})
        self.sentence.value = (
            f"<p><b>What this shows:</b> {html.escape(self.summary)}</p>"
            + (f"<ul>{details}</ul><p><small>Sources: {html.escape(cite(sources))}</small></p>" if details else ""))
        with self.output:
            clear_output(wait=True)
            self.plot = Plot(plot_forest, self.selected) if self.selected else None
            if self.plot is not None:
                self.plot.show(alt=forest_alt_text(self.selected))
            else:
                display(HTML("<p><i>Nothing to plot for this choice.</i></p>"))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
