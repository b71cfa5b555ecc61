"""Adverse-event rates and pneumothorax case reports for section 4: tables and plots.

Every number comes from ``data/adverse_events.csv`` or
``data/pneumothorax_cases.csv`` through the one loader; the arithmetic is in
:mod:`dncourse.sections.s04_risks_and_adverse_events.risk`.  Plot helpers draw inside
:func:`~dncourse.ui.figures.course_style` and return ``(fig, ax)``; bars that
stand for acupuncture data (context, not dry needling data) or for an upper
bound are hatched or outlined, so the meaning never rests on colour alone.
"""

from __future__ import annotations

from dncourse.ui.figures import PALETTE, course_style, show_plot
from dncourse.content.loader import DataError, load
from dncourse.content.references import cite
from dncourse.sections.s04_risks_and_adverse_events.risk import (exact_upper_bound, expected_count, format_count, format_percent, one_in,
                   rule_of_three)

__all__ = [
    "DN_STUDIES",
    "SHARED_EVENTS",
    "rates",
    "study_label",
    "mild_events",
    "total_mild",
    "serious_event",
    "serious_rate",
    "expected_events",
    "plot_expected_counts",
    "expected_counts_alt_text",
    "plot_study_comparison",
    "show_study_comparison",
    "study_comparison_alt_text",
    "plot_rule_of_three",
    "rule_of_three_alt_text",
    "rule_of_three_markdown",
    "dry_needling_table_markdown",
    "context_table_markdown",
    "pneumothorax_cases_markdown",
]

#: The two dry needling surveys, in the order they are shown.
DN_STUDIES = ("brady2014", "boyce2020")
#: Event kinds both dry needling surveys report, for the side-by-side view.
SHARED_EVENTS = ("bruising", "bleeding", "pain_during", "all_mild")
#: Colour and hatch per study: shape and pattern carry the meaning as well as colour.
_LOOK = {"brady2014": (PALETTE[0], ""), "boyce2020": (PALETTE[1], "//"), "baumler2021": (PALETTE[2], "..")}


def rates(ref: str | None = None) -> list[dict]:
    """The rows of ``adverse_events.csv`` (only those of study ``ref`` when given)."""
    rows = load("adverse_events")
    if ref is None:
        return rows
    chosen = [r for r in rows if r["ref"] == ref]
    if not chosen:
        known = ", ".join(dict.fromkeys(r["ref"] for r in rows))
        raise DataError(f"adverse_events.csv has no rows for study {ref!r}; the studies are: {known}")
    return chosen


def study_label(ref: str) -> str:
    """How a study is named in tables and plots: its short citation and its size."""
    row = next(r for r in rates(ref) if r["total"] or r.get("denominator"))
    size = f", {row['denominator']:,} {row['unit']}" if row.get("denominator") else ""
    return f"{cite(ref)}{size}"


def mild_events(ref: str) -> list[dict]:
    """The single kinds of mild (minor) event a study reports, commonest first."""
    rows = [r for r in rates(ref) if r["severity"] == "mild" and not r["total"]]
    return sorted(rows, key=lambda r: -r["percent"])


def total_mild(ref: str) -> dict:
    """The study's row for all mild (minor) adverse events together."""
    return _one(ref, lambda r: r["severity"] == "mild" and r["total"], "all mild events")


def serious_event(ref: str) -> dict:
    """The study's row for serious (significant, major) adverse events."""
    return _one(ref, lambda r: r["severity"] == "serious" and r["total"], "serious events")


def _one(ref, test, what):
    rows = [r for r in rates(ref) if test(r)]
    if len(rows) != 1:
        raise DataError(f"adverse_events.csv: study {ref!r} needs exactly one row for {what}, has {len(rows)}")
    return rows[0]


def serious_rate(ref: str) -> tuple[float, str]:
    """The serious-event rate (percent) to plan with, and what kind of rate it is.

    When no serious event was seen, that is the study's upper bound
    (``"upper bound"``); otherwise the observed rate (``"observed"``).
    """
    row = serious_event(ref)
    if row["count"] == 0:
        if row.get("upper_bound_percent") is None:
            raise DataError(f"adverse_events.csv, id {row['id']!r}: no event seen, so an upper bound is needed")
        return row["upper_bound_percent"], "upper bound"
    return row["percent"], "observed"


def expected_events(ref: str, treatments: int, keys=None) -> dict[str, float]:
    """Expected number of each kind of mild event, and of all mild events, in ``treatments``.

    Returns ``{event name: expected number}``, commonest single kind first and
    the total last; with ``keys``, only those event kinds, in that order.
    """
    rows = mild_events(ref) + [total_mild(ref)]
    if keys is not None:
        by_key = {r["event_key"]: r for r in rows}
        rows = [by_key[k] for k in keys if k in by_key]
    return {r["event"]: expected_count(r["percent"], treatments) for r in rows}


# ---------------------------------------------------------------------------
# plots


def _label_bars(ax, bars, values, horizontal=True):
    for bar, value in zip(bars, values):
        if horizontal:
            ax.annotate(format_count(value), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                        xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
        else:
            ax.annotate(value, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(0, 3), textcoords="offset points", ha="center", fontsize=9)


def plot_expected_counts(refs, treatments: int):
    """Bar chart of the expected number of mild events in ``treatments`` treatments.

    One study: one bar per kind of event plus the total (hatched).  Two
    studies: grouped bars for the kinds both report, one colour and pattern per
    study.  Returns ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt

    refs = [refs] if isinstance(refs, str) else list(refs)
    with course_style():
        if len(refs) == 1:
            ref = refs[0]
            counts = expected_events(ref, treatments)
            names = list(counts)
            fig, ax = plt.subplots(figsize=(6.6, 0.38 * len(names) + 1.6))
            colour, _ = _LOOK.get(ref, (PALETTE[0], ""))
            bars = ax.barh(names, list(counts.values()), color=colour, edgecolor="black", linewidth=0.6)
            bars[-1].set_hatch("xx")
            bars[-1].set_facecolor("white")
            bars[-1].set_edgecolor(colour)
            ax.set_yticks(range(len(names)), names[:-1] + [f"{names[-1]} (total)"])
            _label_bars(ax, bars, counts.values())
            ax.set_title(f"{cite(ref)}: expected mild events in {treatments:,} treatments")
        else:
            keys = [k for k in SHARED_EVENTS if all(k in {r["event_key"] for r in rates(ref)} for ref in refs)]
            names = [next(r["event"] for r in rates(refs[0]) if r["event_key"] == k) for k in keys]
            names = ["All mild (minor) events" if k == "all_mild" else n for k, n in zip(keys, names)]
            fig, ax = plt.subplots(figsize=(6.6, 1.0 * len(keys) + 1.6))
            height = 0.8 / len(refs)
            for i, ref in enumerate(refs):
                values = list(expected_events(ref, treatments, keys).values())
                colour, hatch = _LOOK.get(ref, (PALETTE[i], ""))
                ys = [k + (i - (len(refs) - 1) / 2) * height for k in range(len(keys))]
                bars = ax.barh(ys, values, height=height, color=colour, hatch=hatch, edgecolor="black",
                               linewidth=0.6, label=cite(ref))
                _label_bars(ax, bars, values)
            ax.set_yticks(range(len(keys)), names)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(refs), fontsize=9, frameon=False)
            ax.set_title(f"Two dry needling surveys: expected mild events in {treatments:,} treatments")
        ax.invert_yaxis()
        ax.set_xlabel(f"Expected number of events in {treatments:,} treatments")
        ax.set_xlim(0, ax.get_xlim()[1] * 1.12)
    return fig, ax


def expected_counts_alt_text(refs, treatments: int) -> str:
    """Alt text listing every bar of :func:`plot_expected_counts`."""
    refs = [refs] if isinstance(refs, str) else list(refs)
    parts = []
    for ref in refs:
        keys = SHARED_EVENTS if len(refs) > 1 else None
        counts = expected_events(ref, treatments, keys)
        items = "; ".join(f"{name} {format_count(value)}" for name, value in counts.items())
        parts.append(f"{cite(ref)}: {items}.")
    return (f"Bar chart of the expected number of mild adverse events in {treatments:,} treatments. "
            + " ".join(parts))


def plot_study_comparison():
    """Two panels comparing the studies: mild events per 100 and serious events per 10,000 treatments.

    Dry needling surveys are solid or hatched bars; the acupuncture
    meta-analysis (context) is dotted.  Brady's serious-event bar is an empty
    dashed outline: none were seen, and its height is the upper bound.
    Returns ``(fig, (ax_mild, ax_serious))``.
    """
    import matplotlib.pyplot as plt

    studies = list(DN_STUDIES) + ["baumler2021"]
    labels = [cite(ref).replace(" et al. ", " et al.\n") + ("\n(acupuncture,\ncontext; any\nadverse event)"
                                                             if ref == "baumler2021" else "\n(dry needling)")
              for ref in studies]
    mild, serious = [], []
    for ref in studies:
        if ref == "baumler2021":
            rows = {r["id"]: r for r in rates(ref)}
            mild.append(rows["baumler_any_treatments"]["percent"])
            serious.append((rows["baumler_serious_treatments"]["percent"] * 100, "observed"))
        else:
            mild.append(total_mild(ref)["percent"])
            rate, kind = serious_rate(ref)
            serious.append((rate * 100, kind))
    with course_style():
        # Fixed spacing instead of tight_layout(): figures are saved cropped to their contents,
        # and a layout pass would measure every label once more.
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.2, 4.6),
                                       gridspec_kw={"left": 0.06, "right": 0.99, "wspace": 0.2})
        for i, ref in enumerate(studies):
            colour, hatch = _LOOK[ref]
            bar = ax1.bar(i, mild[i], color=colour, hatch=hatch, edgecolor="black", linewidth=0.6)
            _label_bars(ax1, bar, [f"{mild[i]:g}"], horizontal=False)
            value, kind = serious[i]
            if kind == "upper bound":
                bar = ax2.bar(i, value, facecolor="white", edgecolor=colour, linestyle="--", linewidth=2)
                _label_bars(ax2, bar, [f"none seen;\nat most {value:g}"], horizontal=False)
            else:
                bar = ax2.bar(i, value, color=colour, hatch=hatch, edgecolor="black", linewidth=0.6)
                _label_bars(ax2, bar, [f"{value:.3g}"], horizontal=False)
        for ax in (ax1, ax2):
            ax.set_xticks(range(len(studies)), labels, fontsize=9)
        ax1.set_ylabel("Events per 100 treatments")
        ax1.set_title("Mild (minor) adverse events")
        ax1.set_ylim(0, max(mild) * 1.2)
        ax2.set_ylabel("Events per 10,000 treatments")
        ax2.set_title("Serious (significant, major) adverse events")
        ax2.set_ylim(0, max(v for v, _ in serious) * 1.35)
    return fig, (ax1, ax2)


def study_comparison_alt_text() -> str:
    """Alt text for :func:`plot_study_comparison`, with every plotted value."""
    brady, boyce = (total_mild(r)["percent"] for r in DN_STUDIES)
    b_up, _ = serious_rate("brady2014")
    c_rate, _ = serious_rate("boyce2020")
    rows = {r["id"]: r for r in rates("baumler2021")}
    return (f"Two bar charts. Left, mild adverse events per 100 treatments: Brady et al. 2014 {brady:g}, "
            f"Boyce et al. 2020 {boyce:g}, and, as acupuncture context, Bäumler et al. 2021 "
            f"{rows['baumler_any_treatments']['percent']:g}. Right, serious adverse events per 10,000 "
            f"treatments: Brady et al. 2014 none seen, upper bound {b_up * 100:g}; Boyce et al. 2020 "
            f"{c_rate * 100:.3g} (major events, as that study defined them); Bäumler et al. 2021 "
            f"{rows['baumler_serious_treatments']['percent'] * 100:.3g}.")


def show_study_comparison() -> None:
    """Show the figure of the two surveys side by side (:func:`plot_study_comparison`) with its alt text."""
    show_plot(plot_study_comparison, alt=study_comparison_alt_text())


def plot_rule_of_three(n: int | None = None, n_min: int = 1, n_max: int = 100_000):
    """Upper bound of a risk after no events in n treatments: rule of three and exact value.

    Both curves are drawn on log scales (solid line for 3/n, dashed with
    markers for 1 - 0.05^(1/n)); ``n``, if given, is marked on both.
    Returns ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    ns = np.unique(np.geomspace(n_min, n_max, 80).round().astype(int))
    approx = [rule_of_three(int(k)) * 100 for k in ns]
    exact = [exact_upper_bound(int(k)) * 100 for k in ns]
    with course_style():
        fig, ax = plt.subplots(figsize=(7.4, 4.6))
        ax.plot(ns, approx, color=PALETTE[0], linewidth=2, label="Rule of three: 3 / n")
        ax.plot(ns, exact, color=PALETTE[3], linestyle="--", marker="o", markersize=3, markevery=6,
                linewidth=1.5, label="Exact: 1 - 0.05^(1/n)")
        if n is not None:
            ax.plot([n], [rule_of_three(n) * 100], linestyle="none", marker="D", markersize=9,
                    color=PALETTE[0], label=f"n = {n:,}: 3/n = {format_percent(rule_of_three(n) * 100)}")
            ax.plot([n], [exact_upper_bound(n) * 100], linestyle="none", marker="s", markersize=9,
                    markerfacecolor="white", markeredgecolor=PALETTE[3], markeredgewidth=2,
                    label=f"n = {n:,}: exact = {format_percent(exact_upper_bound(n) * 100)}")
            ax.axvline(n, color="0.6", linewidth=0.8, zorder=0)
        ax.axvline(30, color="0.3", linestyle=":", linewidth=1)
        ax.annotate("n = 30: below this,\nuse the exact value", (30, 0.002), xytext=(4, 0),
                    textcoords="offset points", fontsize=9)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.minorticks_off()  # log axes get many unlabelled minor ticks; the labelled major ticks are enough
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:g}%"))
        ax.set_xlabel("Treatments with no serious event (n)")
        ax.set_ylabel("95% upper bound of the risk (%)")
        ax.set_title("No events seen: how high could the risk still be?")
        ax.legend(fontsize=9, loc="upper right")
    return fig, ax


def rule_of_three_alt_text(n: int | None = None) -> str:
    """Alt text for :func:`plot_rule_of_three`."""
    text = ("Line chart on log scales: the 95% upper bound of a risk after no events falls as the number "
            "of treatments n rises, from 100% at n = 1 to 0.003% at n = 100,000. The rule of three (3/n) "
            "and the exact value (1 - 0.05^(1/n)) lie almost on top of each other above n = 30.")
    if n is not None:
        text += (f" Marked: n = {n:,}, where 3/n is {format_percent(rule_of_three(n) * 100)} and the exact "
                 f"value is {format_percent(exact_upper_bound(n) * 100)}.")
    return text


# ---------------------------------------------------------------------------
# tables (Markdown, for the lesson)


def rule_of_three_markdown(ns=(1000, 7629, 10_000, 30_000)) -> str:
    """A table: n treatments with no event, 3/n as a percentage and as '1 in N', and the exact value."""
    lines = ["| Treatments with no serious event (n) | Rule of three, 3/n | About 1 in | Exact value |",
             "|---:|---:|---:|---:|"]
    for n in ns:
        approx = rule_of_three(n)
        lines.append(f"| {n:,} | {format_percent(approx * 100)} | {one_in(approx):,} | "
                     f"{format_percent(exact_upper_bound(n) * 100)} |")
    return "\n".join(lines)


def _tag(row) -> str:
    return {"verified": "verified", "verified (secondary)": "seen in a secondary source",
            "computed": "computed"}[row["verification"]]


def dry_needling_table_markdown() -> str:
    """A table of the two dry needling surveys: size, mild and serious events, with sources."""
    lines = ["| Study | Treatments | Mild (minor) events | Serious (significant, major) events | Source |",
             "|---|---:|---|---|---|"]
    for ref in DN_STUDIES:
        mild, serious = total_mild(ref), serious_event(ref)
        lines.append(f"| {cite(ref)} | {mild['denominator']:,} | {mild['as_published']} "
                     f"(called *{mild['study_term']}*) | {serious['as_published']} (called "
                     f"*{serious['study_term']}*) | {cite(ref)}, {_tag(serious)} |")
    return "\n".join(lines)


def context_table_markdown() -> str:
    """A table of the acupuncture rows (context, not dry needling data) with their sources."""
    lines = ["| Acupuncture study (context) | Event | Figure | Counted per | Source |", "|---|---|---|---|---|"]
    for row in load("adverse_events"):
        if row["needling"] != "acupuncture":
            continue
        lines.append(f"| {row['study']} | {row['event']} | {row['as_published']} | {row['unit']} | "
                     f"{cite(row['ref'])}, {_tag(row)} |")
    return "\n".join(lines)


def pneumothorax_cases_markdown() -> str:
    """The published pneumothorax cases after dry needling, as a Markdown table."""
    lines = ["| Case (source) | Patient | What was needled | When and how symptoms started | What was found and done |",
             "|---|---|---|---|---|"]
    for case in load("pneumothorax_cases"):
        source = cite(case["ref"])
        if case["verification"] != "verified":
            source += ", seen in a secondary source"
        lines.append(f"| {source} | {case['patient']} | {case['area']} | {case['onset']} | {case['findings']} |")
    return "\n".join(lines)
