"""Section 2 plots and widgets, driven without a browser: plotted data, labels and sentences."""

from __future__ import annotations

import html
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dncourse.sections.s02_benefits_and_evidence import benefits as ben  # noqa: E402
from dncourse.sections.s02_benefits_and_evidence import evidence as ev  # noqa: E402
from dncourse.sections.s02_benefits_and_evidence import meaningful as mc  # noqa: E402
from dncourse.content.loader import DataError, load  # noqa: E402
from tests.support.course import ROOT  # noqa: E402

ROWS = {r["id"]: r for r in ev.evidence_rows()}
LESSON = ROOT / "notebooks" / "02-benefits-and-evidence.ipynb"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def by_gid(ax, prefix):
    """The line artists whose gid starts with ``prefix``, by the rest of the gid."""
    return {line.get_gid().split(":", 1)[1]: line for line in ax.lines
            if line.get_gid() and line.get_gid().startswith(prefix + ":")}


def patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


# --- the evidence helpers ----------------------------------------------------------------------

def test_fmt_uses_a_true_minus_and_two_decimals():
    assert ev.fmt(-0.2) == "\u22120.20" and ev.fmt(55.48) == "55.48"


def test_select_filters_on_every_menu():
    assert [r["id"] for r in ev.select(outcome="Pain (0-10)", comparator_type="active treatment")] == \
        ["navarro2020_manual_short"]
    assert len(ev.select(outcome="Pain")) == 15
    assert len(ev.select()) == 26
    assert {r["time_group"] for r in ev.select(time_group="long term")} == {"long term"}
    assert [r["id"] for r in ev.select(condition="low back", outcome="Disability")] == ["liu2018_other_disability"]


def test_favours_reads_the_direction_field():
    assert ev.favours(ROWS["navarro2020_manual_short"]) == "dn"           # negative, favours DN
    assert ev.favours(ROWS["liu2015_wet_medium"]) == "comparator"         # positive, favours wet
    assert ev.favours(ROWS["navarro2020_sham_ppt"]) == "dn"               # positive, but higher PPT is better
    assert ev.favours(ROWS["fernandez2022_ltr_short"]) == "neither"       # interval crosses 0
    flipped = dict(ROWS["navarro2020_sham_ppt"], direction="negative favours DN")
    assert ev.favours(flipped) == "comparator"


def test_describe_row_for_manual_therapy_says_below_the_threshold():
    text = ev.describe_row(ROWS["navarro2020_manual_short"])
    assert "MD \u22120.51 points (95% CI \u22120.95 to \u22120.06)" in text
    assert "This favours dry needling." in text
    assert "0.51 points, is below the 1.5-point change" in text and "about 2 points" in text
    assert "Kovacs et al. 2008" in text and "Farrar et al. 2001" in text


def test_describe_row_for_sham_warns_that_the_interval_reaches_below():
    text = ev.describe_row(ROWS["navarro2020_sham_short"])
    assert "2.31 points, is around or above" in text
    assert "reaches down to 0.99 points" in text


def test_describe_row_names_the_comparator_when_it_wins():
    assert "This favours wet needling." in ev.describe_row(ROWS["liu2015_wet_medium"])
    assert "This favours dry needling plus other treatments." in ev.describe_row(ROWS["liu2018_combo_pain"])
    assert "no difference was shown" in ev.describe_row(ROWS["pourahmadi2021_tth_pain"])
    assert "very low quality" in ev.describe_row(ROWS["pourahmadi2021_tth_pain"])


def test_summarise_counts_each_side():
    assert ev.summarise(ev.select(outcome="Pain")).startswith(
        "15 results shown: 9 favour the dry needling arm, 3 favour the comparator and 3 show no clear difference.")
    one = ev.summarise([ROWS["navarro2020_sham_ppt"]])
    assert one.startswith("1 result shown: 1 favours the dry needling arm.")
    assert "against sham, placebo or no treatment" in one
    assert ev.summarise([]).startswith("No result")
    assert "2 of these results come from evidence rated very low quality" in ev.summarise(ev.select(outcome="Disability"))
    assert "This result comes from evidence rated very low quality" in ev.summarise([ROWS["pourahmadi2021_cgh_pain"]])


def test_important_band_comes_from_the_thresholds_table():
    low, high, sources = ev.important_band()
    values = {r["id"]: r["value"] for r in load("thresholds")}
    assert (low, high) == (values["kovacs_mcic"], values["farrar_points"]) == (1.5, 2.0)
    assert sources == "Kovacs et al. 2008; Farrar et al. 2001"


# --- plot helpers ---------------------------------------------------------------------------

def test_forest_plot_draws_each_row_at_its_numbers():
    rows = ev.select(outcome="Pain (0-10)")
    fig, ax = ev.plot_forest(rows)
    estimates, intervals = by_gid(ax, "estimate"), by_gid(ax, "ci")
    assert sorted(estimates) == sorted(r["id"] for r in rows)
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        assert list(estimates[row["id"]].get_xdata()) == [row["estimate"]]
        assert list(estimates[row["id"]].get_ydata()) == [y]
        assert list(intervals[row["id"]].get_xdata()) == [row["ci_low"], row["ci_high"]]
    assert [t.get_text() for t in ax.get_yticklabels()][-1].startswith("Navarro-Santana 2020, neck trigger points")
    assert "\u2190 favours the dry needling arm" in ax.get_xlabel()
    assert "favours the comparator \u2192" in ax.get_xlabel()
    numbers = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert numbers["numbers:navarro2020_manual_short"] == "\u22120.51 [\u22120.95, \u22120.06]"


def test_forest_plot_line_of_no_effect_and_band():
    fig, ax = ev.plot_forest(ev.select(outcome="Pain (0-10)"))
    zero = [l for l in ax.lines if l.get_gid() == "no_effect"]
    assert len(zero) == 1 and list(zero[0].get_xdata()) == [0, 0]
    band = patches(ax, "important_band")
    assert len(band) == 1
    left = band[0].get_x()
    assert (left, left + band[0].get_width()) == (-2.0, -1.5)
    assert band[0].get_label() == "clinically important change (1.5 to 2 points)"
    labels = ax.get_legend_handles_labels()[1]
    assert "favours the dry needling arm" in labels and "no clear difference (the interval crosses 0)" in labels


def test_forest_plot_has_no_band_for_smd_and_shapes_by_side():
    rows = ev.select(condition="neck and shoulder", outcome="Pain")
    fig, ax = ev.plot_forest(rows)
    assert patches(ax, "important_band") == []
    markers = {k: v.get_marker() for k, v in by_gid(ax, "estimate").items()}
    assert markers["liu2015_sham_short"] == "o"     # favours dry needling
    assert markers["liu2015_wet_medium"] == "s"     # favours the comparator
    assert markers["liu2015_other_medium"] == "s"
    assert "standardised mean difference" in ax.get_xlabel().lower()


def test_forest_plot_flips_the_side_labels_for_ppt():
    fig, ax = ev.plot_forest(ev.select(outcome="PPT"))
    assert "\u2190 favours the comparator" in ax.get_xlabel()
    assert "favours the dry needling arm \u2192" in ax.get_xlabel()


def test_forest_plot_refuses_mixed_scales_and_nothing():
    with pytest.raises(ValueError, match="one outcome at a time"):
        ev.plot_forest([ROWS["navarro2020_manual_short"], ROWS["liu2015_sham_short"]])
    with pytest.raises(ValueError):
        ev.plot_forest([])


def test_forest_alt_text_lists_every_row():
    rows = ev.select(condition="headache", outcome="Pain")
    alt = ev.forest_alt_text(rows)
    for row in rows:
        assert ev.fmt(row["estimate"]) in alt and ev.fmt(row["ci_high"]) in alt
    assert alt.count("no clear difference") == 3


def test_over_time_plot_shows_four_windows_and_the_widening_interval():
    rows = ev.over_time_rows()
    fig, ax = ev.plot_over_time()
    estimates, intervals = by_gid(ax, "estimate"), by_gid(ax, "ci")
    assert [list(estimates[r["id"]].get_ydata()) for r in rows] == [[r["estimate"]] for r in rows]
    assert [list(estimates[r["id"]].get_xdata()) for r in rows] == [[0], [1], [2], [3]]
    assert [list(intervals[r["id"]].get_ydata()) for r in rows] == [[r["ci_low"], r["ci_high"]] for r in rows]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["up to 72 hours", "1-3 weeks", "4-12 weeks", "13-24 weeks"]
    widths = [re.search(r"interval width ([\d.]+)", t.get_text()).group(1) for t in ax.texts]
    assert widths == ["0.81", "0.67", "0.90", "1.61"]
    assert "Sánchez-Infante et al. 2021" in ax.get_title()
    assert "below 0 favours dry needling" in ax.get_ylabel()
    assert "13-24 weeks: SMD \u22120.81, 95% CI \u22121.64 to \u22120.03" in ev.over_time_alt_text()


# --- the evidence explorer ---------------------------------------------------------------------

def test_explorer_starts_on_pain_points_with_the_band():
    ex = ev.EvidenceExplorer()
    ids = [r["id"] for r in ex.selected]
    assert ids == [r["id"] for r in ev.select(outcome="Pain (0-10)")] and len(ids) == 5
    assert sorted(by_gid(ex.ax, "estimate")) == sorted(ids)
    assert len(patches(ex.ax, "important_band")) == 1
    assert "5 results shown: 4 favour the dry needling arm and 1 show no clear difference" in ex.sentence.value
    assert "1 of the 4 differences shown is smaller than the 1.5 to 2-point band" in ex.summary
    for dropdown in (ex.condition, ex.comparator, ex.outcome, ex.time):
        assert dropdown.description.endswith(":")


def test_explorer_active_comparator_shows_the_half_point():
    ex = ev.EvidenceExplorer()
    summary = ex.set(comparator_type="active treatment")
    assert [r["id"] for r in ex.selected] == ["navarro2020_manual_short"]
    assert list(by_gid(ex.ax, "estimate")["navarro2020_manual_short"].get_xdata()) == [-0.51]
    assert summary.startswith("1 result shown: 1 favours the dry needling arm.")
    assert "0.51 points, is below the 1.5-point change" in ex.sentence.value
    assert "Navarro-Santana et al. 2020" in ex.sentence.value


def test_explorer_headache_pain_all_cross_zero():
    ex = ev.EvidenceExplorer()
    ex.set(condition="headache", outcome="Pain")
    assert len(ex.selected) == 3
    assert patches(ex.ax, "important_band") == []
    assert all(m.get_marker() == "D" for m in by_gid(ex.ax, "estimate").values())
    assert "3 results shown: 3 show no clear difference." in ex.summary
    assert "cannot be compared with the points a patient notices" in ex.summary


def test_explorer_reacts_to_a_dropdown_change():
    ex = ev.EvidenceExplorer()
    ex.outcome.value = "Disability"  # as a click would
    assert {r["outcome"] for r in ex.selected} == {"Disability"} and len(ex.selected) == 5
    assert "Disability" in ex.ax.get_title()
    ex.time.value = "end of treatment"
    assert [r["id"] for r in ex.selected] == ["liu2018_other_disability"]


def test_explorer_with_no_match_says_so_and_plots_nothing():
    ex = ev.EvidenceExplorer()
    ex.set(condition="headache", outcome="PPT")
    assert ex.selected == [] and ex.fig is None and ex.ax is None
    assert "No result in the fact sheet's table matches this choice" in html.unescape(ex.sentence.value)


# --- is this change meaningful? --------------------------------------------------------------

@pytest.mark.parametrize("before, after, points, percent, direction", [
    (8, 5, 3, 37.5, "better"),
    (7, 5, 2, 200 / 7, "better"),
    (6, 5, 1, 100 / 6, "better"),
    (10, 7, 3, 30.0, "better"),
    (3, 5, -2, -200 / 3, "worse"),
    (4, 4, 0, 0.0, "same"),
    (0, 0, 0, None, "same"),
])
def test_pain_change_by_hand(before, after, points, percent, direction):
    change = mc.pain_change(before, after)
    assert change["points"] == points and change["direction"] == direction
    assert change["percent"] == (None if percent is None else pytest.approx(percent))


@pytest.mark.parametrize("before, after", [(11, 5), (5, -1), ("7", 5), (True, 1)])
def test_pain_change_rejects_scores_off_the_scale(before, after):
    with pytest.raises((ValueError, TypeError), match="0 to 10"):
        mc.pain_change(before, after)


@pytest.mark.parametrize("before, after, reached", [
    (7, 5, {"farrar_points": True, "farrar_percent": False, "kovacs_mcic": True, "kovacs_mdc": False}),
    (10, 7, {"farrar_points": True, "farrar_percent": True, "kovacs_mcic": True, "kovacs_mdc": False}),
    (6, 5, {"farrar_points": False, "farrar_percent": False, "kovacs_mcic": False, "kovacs_mdc": False}),
    (9, 5, {"farrar_points": True, "farrar_percent": True, "kovacs_mcic": True, "kovacs_mdc": True}),
    (3, 1.5, {"farrar_points": False, "farrar_percent": True, "kovacs_mcic": True, "kovacs_mdc": False}),
])
def test_judge_change_against_each_threshold(before, after, reached):
    assert {r["id"]: r["reached"] for r in mc.judge_change(before, after)} == reached


def test_describe_change_in_words():
    text = mc.describe_change(7, 5)
    assert text.startswith("Pain fell by 2 points, from 7 to 5 out of 10: a fall of 29%.")
    assert "about 30% (chronic pain, Farrar et al. 2001): not reached" in text
    assert "This is on the edge" in text
    assert "smaller than 4.0 points could still be measurement error" in text
    assert mc.describe_change(8, 5).count("reached") == 3 and "not reached" not in mc.describe_change(8, 5)
    assert mc.describe_change(6, 5).startswith("Pain fell by 1 point, ")
    assert "worsening" in mc.describe_change(3, 5)
    assert "no change" in mc.describe_change(4, 4)


def test_change_plot_marks_before_after_and_targets():
    fig, ax = mc.plot_change(7, 5)
    assert list(by_gid(ax, "target")) == ["farrar_points", "farrar_percent", "kovacs_mcic", "kovacs_mdc"]
    targets = {k: v.get_xdata()[0] for k, v in by_gid(ax, "target").items()}
    assert targets == pytest.approx({"farrar_points": 5, "farrar_percent": 4.9, "kovacs_mcic": 5.5, "kovacs_mdc": 3})
    lines = {l.get_gid(): l for l in ax.lines}
    assert list(lines["before"].get_xdata()) == [7] and list(lines["after"].get_xdata()) == [5]
    assert ax.get_title() == "Pain 7 before, 5 after: a fall of 2 points (29%)"
    styles = {v.get_linestyle() for v in by_gid(ax, "target").values()}
    assert len(styles) == 4  # told apart by line style, not colour alone
    assert "after score needed for about 30% (chronic pain, Farrar et al. 2001)" in ax.get_legend_handles_labels()[1]


def test_change_plot_leaves_out_thresholds_that_cannot_be_reached():
    fig, ax = mc.plot_change(1, 0)
    assert list(by_gid(ax, "target")) == ["farrar_percent"]
    assert "Thresholds reached: about 30%" in mc.change_alt_text(1, 0)


def test_meaningful_widget_set_and_linked_boxes():
    widget = mc.MeaningfulChange()
    assert widget.before.continuous_update is False and widget.before.description.startswith("Pain before")
    text = widget.set(before=8, after=5)
    assert text.startswith("Pain fell by 3 points, from 8 to 5 out of 10: a fall of 38%.")
    assert widget.before_box.value == 8 and widget.after_box.value == 5
    assert list([l for l in widget.ax.lines if l.get_gid() == "after"][0].get_xdata()) == [5]
    assert widget.result.value.count("&#10004; reached") == 3
    assert widget.result.value.count("&#10008; not reached") == 1


def test_meaningful_widget_follows_the_typed_box():
    widget = mc.MeaningfulChange(before=7, after=5)
    widget.after_box.value = 2  # typed, not slid
    assert widget.after.value == 2
    assert widget.text.startswith("Pain fell by 5 points, from 7 to 2")
    assert [l for l in widget.ax.lines if l.get_gid() == "after"][0].get_xdata()[0] == 2


def test_thresholds_table_shows_every_threshold():
    text = mc.thresholds_markdown()
    assert text.count("\n") == 5
    assert "| about 2 points |" in text and "| about 30% of the starting score |" in text
    assert "| 1.5 points |" in text and "| 4.0 points |" in text


# --- benefit cards and the lesson's references ---------------------------------------------

def test_benefit_card_and_summary():
    card = ben.benefit_markdown("range_of_motion")
    assert "5 of 19" in card and "Boyles et al. 2015; Espejo-Antúnez et al. 2017; Navarro-Santana et al. 2020" in card
    assert card.startswith("> **The article says:**")
    assert "SMD \u22120.87" in ben.benefit_markdown("function")
    summary = ben.benefit_summary_markdown()
    assert len(summary.splitlines()) == 2 + len(load("benefits")) == 11
    with pytest.raises(DataError, match="no benefit called 'speed'"):
        ben.benefit_markdown("speed")


def test_lesson_uses_only_existing_practice_checks_benefits_and_references():
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    practice_ids = {item["id"] for item in load("practice")}
    used = re.findall(r'practice\("([a-z0-9_]+)"\)', code)
    assert len(used) == 7 and set(used) <= practice_ids
    assert {i for i in practice_ids if i.startswith("s02_")} == set(used)
    benefit_ids = {b["id"] for b in load("benefits")}
    assert set(re.findall(r'show_benefit\("([a-z_]+)"\)', code)) == benefit_ids
    refs = re.search(r"show_references\((\[.*?\])\)", code, re.S).group(1)
    from dncourse.content.loader import reference_keys
    assert set(json.loads(refs.replace("'", '"'))) <= reference_keys()


def test_practice_checks_can_be_answered():
    from dncourse.ui.practice import practice

    check = practice("s02_comparator")
    check.choose(1)
    check.check_button.click()
    assert "Right" in check.feedback.value and "0.51" in check.feedback.value
    check.choose(0)
    check.check_button.click()
    assert "Not quite" in check.feedback.value


def test_every_source_cited_in_the_lesson_or_its_cards_is_in_its_reference_list():
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    listed = set(json.loads(re.search(r"show_references\((\[.*?\])\)", code, re.S).group(1).replace("'", '"')))
    shown = prose + " ".join(ben.benefit_markdown(b["id"]) for b in load("benefits"))
    cited = {r["id"] for r in load("references") if r["short"] in shown}
    assert cited - listed == set()
    # the shorter "Liu et al. 2015" must not hide behind "Liu et al. 2018" and so on
    assert {"liu2015", "liu2018", "fernandez2021", "fernandez2022", "kovacs2008", "farrar2001"} <= cited
