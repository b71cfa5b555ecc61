"""Danger zones for section 4: where a needle can reach the lung, the spinal canal, the kidney or a nerve.

The regions and their points come from ``data/danger_zones.csv`` and
``data/danger_zone_points.csv``; the depth figures from ``data/rhomboid_depths.csv``
(skin-to-muscle and skin-to-rib depth by body mass index) and
``data/pleura_reach.csv`` (needle length against how often the pleural space was
reached in cadavers), all through the one loader.  Every number is a group
average or a count from a small study: the text and the figures say so, and
nothing here offers a "safe depth" for a patient.

Plot helpers draw inside :func:`~dncourse.ui.figures.course_style` and return
``(fig, ax)``; each has an alt-text function that lists every plotted value.
"""

from __future__ import annotations

import html

from dncourse.content.loader import DataError, load
from dncourse.content.references import cite
from dncourse.ui.figures import PALETTE, course_style, show_plot

__all__ = [
    "KIND_LABELS",
    "PART_HEADINGS",
    "CAUTION",
    "zones",
    "zone",
    "rhomboid_rows",
    "one_sd_window",
    "pleura_reach_rows",
    "reach_percent",
    "plot_rhomboid_depths",
    "rhomboid_alt_text",
    "show_rhomboid_depths",
    "plot_pleura_reach",
    "pleura_reach_alt_text",
    "show_pleura_reach",
    "zone_card_html",
]

#: How each kind of source is named to learners, so a preprint never reads as a peer-reviewed finding.
KIND_LABELS = {
    "peer-reviewed": "Peer-reviewed study",
    "preprint": "Preprint, not yet peer-reviewed",
    "case report": "Case report",
    "guideline": "Regulator's guideline",
    "course provider": "Course provider's advice, not a guideline",
    "computed": "Worked out from the study's figures",
    "interpretation": "The course's reading of the studies",
    "not found": "Searched for, not found",
}

#: The parts of a region's card, in the order shown.
PART_HEADINGS = {"found": "What the studies found", "technique": "How to lower the risk",
                 "not found": "Looked for, not found"}

#: Shown with every region: the data are group averages, not a safe depth for a patient.
CAUTION = ("These are averages from small groups of people or cadavers, not a safe depth for your patient. "
           "Depth varies from person to person, with body size, sex and position.")


def zones() -> list[dict]:
    """The danger-zone regions in order, each with its ``points`` (rows of ``danger_zone_points.csv``)."""
    regions = sorted(load("danger_zones"), key=lambda r: r["position"])
    known = {r["id"] for r in regions}
    points = load("danger_zone_points")
    for point in points:
        if point["zone"] not in known:
            raise DataError(f"danger_zone_points.csv (id {point['id']!r}), field 'zone': {point['zone']!r} "
                            f"is not a region of danger_zones.csv")
    for region in regions:
        region["points"] = [p for p in points if p["zone"] == region["id"]]
    return regions


def zone(zone_id: str) -> dict:
    """One region with its points (see :func:`zones`)."""
    for region in zones():
        if region["id"] == zone_id:
            return region
    known = ", ".join(r["id"] for r in zones())
    raise DataError(f"danger_zones.csv has no region {zone_id!r}; the regions are: {known}")


# ---------------------------------------------------------------------------
# the depth data and their arithmetic


def rhomboid_rows() -> list[dict]:
    """The rows of ``rhomboid_depths.csv``, from the lowest body mass index group up."""
    return load("rhomboid_depths")


def one_sd_window(row: dict) -> tuple[float, float, float]:
    """The study's safe-margin rule worked out for one group: ``(shallow, deep, width)`` in cm.

    ``shallow`` is mean + 1 SD of the skin-to-muscle depth, ``deep`` is
    mean - 1 SD of the skin-to-rib depth, and ``width`` is ``deep - shallow``
    (zero or less: no window).  Rounded to 0.01 cm.
    """
    shallow = round(row["muscle_cm"] + row["muscle_sd"], 2)
    deep = round(row["rib_cm"] - row["rib_sd"], 2)
    return shallow, deep, round(deep - shallow, 2)


def pleura_reach_rows() -> list[dict]:
    """The rows of ``pleura_reach.csv``, shortest needle first."""
    return sorted(load("pleura_reach"), key=lambda r: r["needle_mm"])


def reach_percent(row: dict) -> float:
    """How often the pleural space was reached, in percent of the specimens, to one decimal."""
    return round(row["reached"] / row["specimens"] * 100, 1)


# ---------------------------------------------------------------------------
# figures


def _group_label(row: dict) -> str:
    return "BMI " + row["bmi_group"].replace(" (", "\n(")


def plot_rhomboid_depths():
    """Depth of rhomboid major and of the rib below the skin, by body mass index group.

    For each group: the mean skin-to-muscle depth (circle) and skin-to-rib
    depth (square), each with a bar of one standard deviation, and the
    study's published safe margin as a hatched band; where no margin could be
    calculated, the overlap of the two ranges (from :func:`one_sd_window`) is
    a cross-hatched white band.  Depth grows downwards, as under the skin.
    Returns ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt

    rows = rhomboid_rows()
    xs = [i * 1.4 for i in range(len(rows))]
    with course_style():
        fig, ax = plt.subplots(figsize=(8.5, 5.2))
        overlap_labelled = margin_labelled = False
        for x, row in zip(xs, rows):
            if row["margin_low_cm"] is not None:
                ax.bar(x, row["margin_high_cm"] - row["margin_low_cm"], bottom=row["margin_low_cm"], width=0.6,
                       color=PALETTE[2], hatch="//", edgecolor="black", linewidth=0.6,
                       label=None if margin_labelled else "Published safe margin")
                margin_labelled = True
                ax.annotate(f"margin\n{row['margin_low_cm']:g} to {row['margin_high_cm']:g} cm",
                            (x + 0.33, (row["margin_low_cm"] + row["margin_high_cm"]) / 2), fontsize=9,
                            va="center")
            else:
                shallow, deep, _width = one_sd_window(row)
                ax.bar(x, shallow - deep, bottom=deep, width=0.6, color="white", hatch="xx",
                       edgecolor=PALETTE[3], linewidth=1.2,
                       label=None if overlap_labelled else "Ranges overlap: no safe margin")
                overlap_labelled = True
                ax.annotate("no safe\nmargin", (x + 0.33, (shallow + deep) / 2), fontsize=9, va="center")
        for offset, depth, spread, colour, marker, label in (
                (-0.15, "muscle_cm", "muscle_sd", PALETTE[0], "o", "Skin to rhomboid major (mean, 1 SD)"),
                (0.15, "rib_cm", "rib_sd", PALETTE[3], "s", "Skin to rib (mean, 1 SD)")):
            for x, row in zip(xs, rows):   # one standard deviation either side, with end caps
                ax.plot([x + offset] * 2, [row[depth] - row[spread], row[depth] + row[spread]], color=colour,
                        linewidth=1.5, marker="_", markersize=10)
            ax.plot([x + offset for x in xs], [r[depth] for r in rows], linestyle="none", marker=marker,
                    markersize=8, color=colour, label=label)
        for x, row in zip(xs, rows):
            ax.annotate(f"{row['muscle_cm']:g}", (x - 0.15, row["muscle_cm"]), xytext=(-8, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=9)
            ax.annotate(f"{row['rib_cm']:g}", (x + 0.15, row["rib_cm"]), xytext=(8, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=9)
        ax.set_xticks(xs, [_group_label(r) for r in rows], fontsize=10)
        ax.set_xlim(-0.7, xs[-1] + 1.0)
        ax.set_ylim(3.6, 0)   # the skin at the top, deeper downwards
        ax.set_ylabel("Depth below the skin (cm)")
        ax.set_title("Rhomboid major and rib: depth below the skin", fontsize=12)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9, frameon=False)
    return fig, ax


def rhomboid_alt_text() -> str:
    """Alt text for :func:`plot_rhomboid_depths`, with every plotted value."""
    parts = []
    for row in rhomboid_rows():
        margin = (f"published safe margin {row['margin_low_cm']:g} to {row['margin_high_cm']:g} cm"
                  if row["margin_low_cm"] is not None else "no safe margin could be calculated")
        parts.append(f"body mass index {row['bmi_group']}: skin to rhomboid major {row['muscle_cm']:g} cm "
                     f"(SD {row['muscle_sd']:g}), skin to rib {row['rib_cm']:g} cm (SD {row['rib_sd']:g}), {margin}")
    return ("Chart of the depth below the skin of rhomboid major and of the rib in one ultrasound study of "
            f"{rhomboid_rows()[0]['patients']} patients, by body mass index group, with depth growing downwards: "
            + "; ".join(parts) + ".")


def show_rhomboid_depths() -> None:
    """Show :func:`plot_rhomboid_depths` with its alt text."""
    show_plot(plot_rhomboid_depths, alt=rhomboid_alt_text())


def plot_pleura_reach():
    """Needle length against how often the pleural space was reached, through upper trapezius in cadavers.

    One hatched bar per needle length, labelled "n of 15" with the
    percentage; a note on the axes says the specimens were elderly.
    Returns ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt

    rows = pleura_reach_rows()
    specimens = rows[0]["specimens"]
    with course_style():
        fig, ax = plt.subplots(figsize=(8.5, 4.6))
        xs = list(range(len(rows)))
        bars = ax.bar(xs, [r["reached"] for r in rows], width=0.6, color=PALETTE[0], hatch="..",
                      edgecolor="black", linewidth=0.6)
        for bar, row in zip(bars, rows):
            text = (f"never\n(0 of {row['specimens']})" if row["reached"] == 0 else
                    f"{row['reached']} of {row['specimens']}\n({reach_percent(row):g}%)")
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 3),
                        textcoords="offset points", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(xs, [f"{r['needle_mm']} mm" for r in rows])
        ax.set_ylim(0, specimens)
        ax.set_xlabel("Needle length")
        ax.set_ylabel(f"Times the needle reached\nthe pleural space (of {specimens})")
        ax.set_title("Upper trapezius: needle length and the pleura", fontsize=12)
        ax.annotate(f"{specimens} elderly cadavers (mean age {rows[0]['mean_age_years']:g} years):\n"
                    "may not apply to young, thin patients", (0.02, 0.97), xycoords="axes fraction",
                    va="top", fontsize=9)
    return fig, ax


def pleura_reach_alt_text() -> str:
    """Alt text for :func:`plot_pleura_reach`, with every plotted value."""
    rows = pleura_reach_rows()
    parts = [f"{r['needle_mm']} mm, {r['reached']} of {r['specimens']} ({reach_percent(r):g}%)" for r in rows]
    return (f"Bar chart: how often a needle through upper trapezius reached the pleural space in "
            f"{rows[0]['specimens']} elderly cadavers (mean age {rows[0]['mean_age_years']:g} years), by needle "
            "length: " + "; ".join(parts) + ". The results may not apply to young, thin patients.")


def show_pleura_reach() -> None:
    """Show :func:`plot_pleura_reach` with its alt text."""
    show_plot(plot_pleura_reach, alt=pleura_reach_alt_text())


# ---------------------------------------------------------------------------
# the explorer's card


def _point_html(point: dict) -> str:
    label = KIND_LABELS[point["kind"]]
    source = f" ({html.escape(cite(point['refs']))})" if point.get("refs") else ""
    return f"<li><b>[{html.escape(label)}]</b> {html.escape(point['text'])}{source}</li>"


def zone_card_html(zone_id: str) -> str:
    """The explorer's card for one region: what is at risk, the findings, the advice, what was not found.

    Every point is labelled with the kind of source it comes from (see
    :data:`KIND_LABELS`) and its citation; the :data:`CAUTION` always shows.
    """
    region = zone(zone_id)
    parts = [f"<p><b>At risk here:</b> {html.escape(region['at_risk'])}.</p>",
             f"<p><i>{html.escape(CAUTION)}</i></p>"]
    for part, heading in PART_HEADINGS.items():
        points = [p for p in region["points"] if p["part"] == part]
        if points:
            parts.append(f"<p><b>{heading}</b></p><ul>" + "".join(_point_html(p) for p in points) + "</ul>")
    if region["figure"]:
        which = {"rhomboid": "depth by body mass index", "pleura_reach": "needle length and the pleura"}
        parts.append(f"<p>The lesson's figure <i>{which[region['figure']]}</i> draws this region's numbers.</p>")
    return "".join(parts)
