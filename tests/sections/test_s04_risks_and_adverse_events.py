"""Section 4: adverse-event data, the risk calculations, plots, widgets, lesson and quiz."""

import csv
import json
import math
import re

import pytest

from dncourse.sections.s04_risks_and_adverse_events.adverse_events import (DN_STUDIES, context_table_markdown, dry_needling_table_markdown,
                                     expected_counts_alt_text, expected_events, mild_events,
                                     plot_expected_counts, plot_rule_of_three, plot_study_comparison,
                                     pneumothorax_cases_markdown, rates, rule_of_three_alt_text,
                                     rule_of_three_markdown, serious_rate, study_comparison_alt_text,
                                     total_mild)
from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from dncourse.ui.practice import practice
from dncourse.instructor.quizspec import read_questions
from dncourse.content.references import cite
from dncourse.sections.s04_risks_and_adverse_events.risk import (chance_of_at_least_one, exact_upper_bound, expected_count, format_count,
                           format_percent, one_in, rule_of_three)
from dncourse.sections.s04_risks_and_adverse_events.risk_widgets import AdverseEventExplorer, RuleOfThreeCalculator
from tests.support.course import ROOT
from tests.support.figures import agg_backend  # noqa: F401 (autouse fixture)

LESSON = ROOT / "notebooks" / "04-risks-and-adverse-events.ipynb"
QUIZ = ROOT / "source" / "s04-risks-and-adverse-events" / "s04-risks-and-adverse-events.ipynb"


@pytest.fixture(scope="module")
def rows():
    return {r["id"]: r for r in load("adverse_events")}


# --- the loader ------------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["adverse_events", "pneumothorax_cases", "references", "practice", "danger_zones",
                                   "danger_zone_points", "rhomboid_depths", "pleura_reach"])
def test_section_4_tables_load(table):
    assert load(table)


def _write_with(tmp_path, name, base_id, **changes):
    """A copy of table ``name`` holding one row: ``base_id``'s row with ``changes`` (line 2)."""
    source = DATA_DIR / f"{name}.csv"
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        base = next(r for r in reader if r["id"] == base_id)
    row = {**base, **changes}
    path = tmp_path / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerow(row)
    return path


def _load_bad(path, name):
    return load_file(path, DATA_DIR / f"{name}.schema.json", reference_keys(), schema_check=True)


def test_a_good_single_row_loads(tmp_path):
    rows = _load_bad(_write_with(tmp_path, "adverse_events", "brady_bruising"), "adverse_events")
    assert rows[0]["percent"] == 7.55 and rows[0]["count"] == 576 and rows[0]["total"] is False


@pytest.mark.parametrize("changes, message", [
    ({"percent": "7,55"}, "line 2, field 'percent': '7,55' is not a number"),
    ({"percent": "155"}, "line 2 (id 'brady_bruising'), field 'percent': 155.0 is greater than the maximum"),
    ({"ref": "nobody2099"}, "line 2 (id 'brady_bruising'), field 'ref': citation 'nobody2099' is not in references.csv"),
    ({"needling": "acupressure"}, "field 'needling': 'acupressure' is not one of"),
    ({"total": "maybe"}, "line 2, field 'total': 'maybe' is not true or false"),
    ({"count": ""}, "line 2 (id 'brady_bruising'), field 'count': None is not of type 'integer'"),
    ({"unit": "patients"}, "line 2 (id 'brady_bruising'), field 'unit': 'treatments' was expected"),
    ({"verification": "from memory"}, "field 'verification': 'from memory' is not one of"),
    ({"study": ""}, "line 2 (id 'brady_bruising'): 'study' is a required property"),
    ({"count_basis": "not reported"}, "line 2 (id 'brady_bruising'), field 'count': 576 is not of type 'null'"),
])
def test_loader_rejects_bad_adverse_event_rows_naming_row_and_field(tmp_path, changes, message):
    with pytest.raises(DataError) as problem:
        _load_bad(_write_with(tmp_path, "adverse_events", "brady_bruising", **changes), "adverse_events")
    assert message in str(problem.value)


def test_loader_rejects_a_row_with_neither_count_nor_percent(tmp_path):
    path = _write_with(tmp_path, "adverse_events", "witt_pain", percent="")
    with pytest.raises(DataError, match=r"line 2 \(id 'witt_pain'\)"):
        _load_bad(path, "adverse_events")


def test_loader_rejects_a_repeated_id(tmp_path):
    path = _write_with(tmp_path, "adverse_events", "brady_bruising")
    line = path.read_text(encoding="utf-8").splitlines()[1]
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 3 \(id 'brady_bruising'\), field 'id': 'brady_bruising' is used twice"):
        _load_bad(path, "adverse_events")


@pytest.mark.parametrize("changes, message", [
    ({"id": "case_one"}, "field 'id': 'case_one' does not match"),
    ({"onset": ""}, "line 2 (id 'ptx_patel2019'): 'onset' is a required property"),
    ({"ref": "unknown_case"}, "field 'ref': citation 'unknown_case' is not in references.csv"),
])
def test_loader_rejects_bad_pneumothorax_case_rows(tmp_path, changes, message):
    with pytest.raises(DataError) as problem:
        _load_bad(_write_with(tmp_path, "pneumothorax_cases", "ptx_patel2019", **changes), "pneumothorax_cases")
    assert message in str(problem.value)


def test_every_citation_resolves():
    for row in load("adverse_events") + load("pneumothorax_cases"):
        assert cite(row["ref"])


# --- the data equal the fact sheet ------------------------------------------------------------

BRADY_TYPES = ["bruising", "bleeding", "pain_during", "pain_after", "aggravation", "drowsiness", "headache",
               "nausea", "fatigue", "altered_emotions", "shaking", "itching", "claustrophobia", "numbness"]


def test_brady_rates_and_computed_counts_equal_the_sheet_table(fact_sheet, rows):
    for key in BRADY_TYPES:
        row = rows[f"brady_{key}"]
        line = f"| {row['category'].capitalize()} | {row['event']} | {row['percent']:g} | ~{row['count']} |"
        assert line in fact_sheet, line
        assert row["count"] == round(row["percent"] / 100 * 7629), "computed count = percentage x 7629"
        assert row["count_basis"] == "computed" and "not the paper's own count" in row["note"]


def test_brady_per_type_counts_add_to_the_sheets_1446_not_1463(fact_sheet, rows):
    total = sum(rows[f"brady_{k}"]["count"] for k in BRADY_TYPES)
    assert total == 1446 and "sum to about 1446, not 1463" in fact_sheet
    assert rows["brady_all_mild"]["count"] == 1463


# Each row's figures, with the sheet text they come from.
SHEET_TEXT = {
    "brady_all_mild": ["**7629 treatments**", "**1463 mild AEs (19.18%)**"],
    "brady_significant": ["**no significant AEs**", "**≤0.04%**"],
    "boyce_bleeding": ["bleeding 16%"],
    "boyce_bruising": ["bruising 7.7%"],
    "boyce_pain_during": ["pain during DN 5.9%"],
    "boyce_all_minor": ["**20,464 DN treatment sessions**", "**7531 minor AEs** = 36.7% of treatments"],
    "boyce_major": ["**20 major AEs**", "20/20,464 = 0.098%", "about 1 per 1,024 treatments"],
    "white_lost_needle": ["**31,822 consultations**", "needle lost or forgotten (5)"],
    "white_patient_forgotten": ["patient forgotten in the treatment room (2)"],
    "white_fainting": ["fainting (6)"],
    "white_needle_allergy": ["needle allergy (2)"],
    "white_cellulitis": ["cellulitis after treating an oedematous leg (1)"],
    "white_seizure": ["seizure shortly after needle insertion, probably reflex anoxic (1)"],
    "witt_any": ["229,230 patients", "About 9% of patients had at least one side effect"],
    "witt_needed_treatment": ["about 2% needed treatment for one"],
    "witt_bleeding": ["Bleeding/haematoma affected about 6% of patients"],
    "witt_pain": ["pain about 2%"],
    "witt_vegetative": ["vegetative symptoms about 1%"],
    "witt_pneumothorax": ["**2 pneumothoraces** occurred (one hospitalised, one observed)"],
    "baumler_any_patients": ["**9.31%** of patients (CI 5.10-14.62%)"],
    "baumler_any_treatments": ["**7.57%** of treatments (CI 1.43-17.95%)"],
    "baumler_serious_patients": ["**1.01 per 10,000 patients** (CI 0.23-2.33)"],
    "baumler_serious_treatments": ["**7.98 per million treatments** (CI 1.39-20.00)"],
}


def _numbers(*values):
    out = set()
    for v in values:
        if v is None:
            continue
        out.add(f"{v:g}")
        if isinstance(v, int) or float(v).is_integer():
            out.add(f"{int(v):,}")
    return out


def test_every_row_is_checked_against_the_sheet(rows):
    assert set(SHEET_TEXT) | {f"brady_{k}" for k in BRADY_TYPES} == set(rows)


@pytest.mark.parametrize("row_id", sorted(SHEET_TEXT))
def test_row_numbers_equal_the_sheet(fact_sheet, rows, row_id):
    row = rows[row_id]
    snippets = SHEET_TEXT[row_id]
    for snippet in snippets:
        assert snippet in fact_sheet, f"{snippet!r} is not in the fact sheet"
    text = " ".join(snippets)
    if row["percent"] is not None:
        shown = row["percent"]
        if row["id"].startswith("baumler_serious"):  # stored as percent, published per 10,000 / per million
            shown = round(row["percent"] * (100 if row["unit"] == "patients" else 10_000), 6)
        assert f"{shown:g}" in text, (row_id, shown)
    if row["count"] is not None and row["count_basis"] == "reported" and row["count"] != 0:
        assert _numbers(row["count"]) & set(re.findall(r"[\d,.]+", text)) or f"({row['count']})" in text
    if row["denominator"] and row_id in ("brady_all_mild", "boyce_all_minor", "white_lost_needle", "witt_any"):
        assert _numbers(row["denominator"]) & set(re.findall(r"[\d,]+", text))


def test_boyce_major_rate_is_20_over_20464_and_the_denominator_caveat_is_noted(rows, fact_sheet):
    row = rows["boyce_major"]
    assert row["percent"] == round(20 / 20464 * 100, 3)
    assert "20,494" in row["note"] and "20,494" in rows["boyce_all_minor"]["note"]
    assert "20,464 in one sentence and 20,494 in another" in fact_sheet


def test_brady_upper_bound_matches_the_rule_of_three(rows):
    row = rows["brady_significant"]
    assert row["count"] == 0 and row["upper_bound_percent"] == 0.04
    assert round(rule_of_three(row["denominator"]) * 100, 2) == row["upper_bound_percent"]


def test_acupuncture_rows_are_marked_as_context(rows):
    for row in rows.values():
        assert (row["needling"] == "acupuncture") == (row["ref"] not in DN_STUDIES)
    assert "context" in context_table_markdown().splitlines()[0]


def test_pneumothorax_cases_equal_the_sheet(fact_sheet):
    cases = {c["id"]: c for c in load("pneumothorax_cases")}
    assert len(cases) == 5
    for case in cases.values():
        age = re.match(r"(\d+)-year-old (woman|man)", case["patient"])
        assert age, case["patient"]
        assert f"| {age.group(1)} {'F' if age.group(2) == 'woman' else 'M'}" in fact_sheet
    assert "**2 h** after DN" in fact_sheet and "2 hours after" in cases["ptx_radiology"]["onset"]
    assert "**over 2 days**" in fact_sheet and "over 2 days" in cases["ptx_mintken2025"]["onset"]
    assert "3.5 cm apical PTX" in fact_sheet and "3.5 cm" in cases["ptx_evms"]["findings"]
    assert "**Bilateral** PTX" in fact_sheet and "both sides" in cases["ptx_irmedj2022"]["findings"]
    assert "Unusually sharp pain at insertion" in fact_sheet and "sharp pain" in cases["ptx_mintken2025"]["onset"]


# --- the calculations, against values worked out by hand ---------------------------------------

def test_expected_count_by_hand():
    assert expected_count(7.55, 200) == 15.1          # 0.0755 x 200
    assert expected_count(19.18, 7629) == pytest.approx(1463.2, abs=0.05)
    assert expected_count(36.7, 1000) == 367.0
    assert expected_count(0, 500) == 0


def test_chance_of_at_least_one_by_hand():
    assert chance_of_at_least_one(0.04, 400) == pytest.approx(0.1479, abs=1e-4)  # 1 - 0.9996^400
    assert chance_of_at_least_one(50, 2) == 0.75                                 # 1 - 0.5^2
    assert chance_of_at_least_one(100, 3) == 1
    assert chance_of_at_least_one(0, 10_000) == 0


def test_rule_of_three_and_exact_bound_by_hand():
    assert rule_of_three(1500) == 0.002
    assert rule_of_three(1000) == 0.003
    assert rule_of_three(7629) == pytest.approx(0.00039324, rel=1e-4)
    assert rule_of_three(1) == 1.0 and rule_of_three(2) == 1.0                   # capped at 100%
    assert exact_upper_bound(1) == pytest.approx(0.95)
    assert exact_upper_bound(10) == pytest.approx(0.25887, abs=1e-5)             # 1 - 0.05^0.1
    assert exact_upper_bound(1500) == pytest.approx(0.0019952, abs=1e-7)
    assert exact_upper_bound(7629) == pytest.approx(0.00039260, abs=1e-8)
    assert exact_upper_bound(30_000) * 30_000 == pytest.approx(-math.log(0.05), abs=1e-3)  # the "3"


def test_one_in_and_formatting():
    assert one_in(3 / 7629) == 2543
    assert one_in(0.003) == 333
    assert format_percent(0.0393236) == "0.0393%"
    assert format_percent(0.000798) == "0.000798%"
    assert format_percent(36.7) == "36.7%" and format_percent(0) == "0%"
    assert format_count(15.1) == "15.1" and format_count(0.03) == "0.03" and format_count(1463.2) == "1,463.2"


@pytest.mark.parametrize("call", [
    lambda: expected_count(150, 10), lambda: expected_count(5, -1), lambda: expected_count(5, 2.5),
    lambda: chance_of_at_least_one(-1, 10), lambda: rule_of_three(0), lambda: rule_of_three(True),
    lambda: exact_upper_bound(10, confidence=1.5), lambda: one_in(0), lambda: expected_count("7", 10),
])
def test_calculations_reject_nonsense(call):
    with pytest.raises(ValueError):
        call()


# --- plot helpers ------------------------------------------------------------------------------

def test_study_comparison_plots_the_data_file(rows):
    fig, (ax_mild, ax_serious) = plot_study_comparison()
    assert [p.get_height() for p in ax_mild.patches] == [
        rows["brady_all_mild"]["percent"], rows["boyce_all_minor"]["percent"], rows["baumler_any_treatments"]["percent"]]
    heights = [p.get_height() for p in ax_serious.patches]
    assert heights == pytest.approx([rows["brady_significant"]["upper_bound_percent"] * 100,
                                     rows["boyce_major"]["percent"] * 100,
                                     rows["baumler_serious_treatments"]["percent"] * 100])
    assert heights == pytest.approx([4, 9.8, 0.0798])
    brady_bar = ax_serious.patches[0]
    assert brady_bar.get_facecolor()[:3] == (1, 1, 1) and brady_bar.get_linestyle() == "--"
    hatches = [p.get_hatch() or "" for p in ax_mild.patches]
    assert len(set(hatches)) == 3, "studies differ by pattern, not colour alone"
    labels = [t.get_text() for t in ax_mild.get_xticklabels()]
    assert "acupuncture" in labels[2] and "context" in labels[2] and "dry needling" in labels[0]
    assert ax_mild.get_ylabel() == "Events per 100 treatments"
    assert ax_serious.get_ylabel() == "Events per 10,000 treatments"
    assert any("none seen" in t.get_text() for t in ax_serious.texts)
    alt = study_comparison_alt_text()
    for number in ("19.18", "36.7", "7.57", "upper bound 4", "9.8", "0.0798"):
        assert number in alt


def test_expected_counts_for_one_study(rows):
    fig, ax = plot_expected_counts("brady2014", 200)
    widths = [p.get_width() for p in ax.patches]
    types = sorted((rows[f"brady_{k}"] for k in BRADY_TYPES), key=lambda r: -r["percent"])
    assert widths == pytest.approx([r["percent"] * 2 for r in types] + [rows["brady_all_mild"]["percent"] * 2])
    assert widths[0] == pytest.approx(15.1)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Bruising" and labels[-1] == "All mild adverse events (total)"
    assert ax.patches[-1].get_hatch() == "xx"
    assert "200" in ax.get_xlabel() and "Brady et al. 2014" in ax.get_title()
    assert "15.1" in [t.get_text() for t in ax.texts]


def test_expected_counts_side_by_side(rows):
    fig, ax = plot_expected_counts(DN_STUDIES, 100)
    assert len(ax.patches) == 8
    widths = [p.get_width() for p in ax.patches]
    assert widths[:4] == pytest.approx([7.55, 4.65, 3.01, 19.18])
    assert widths[4:] == pytest.approx([7.7, 16, 5.9, 36.7])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Brady et al. 2014", "Boyce et al. 2020"]
    assert {p.get_hatch() or "" for p in ax.patches[:4]} != {p.get_hatch() or "" for p in ax.patches[4:]}
    alt = expected_counts_alt_text(DN_STUDIES, 100)
    assert "Bleeding 16.0" in alt and "Bruising 7.5" in alt  # 7.55 shown to one decimal


def test_rule_of_three_plot():
    fig, ax = plot_rule_of_three(1500)
    rule, exact, mark_rule, mark_exact = ax.lines[:4]
    ns = rule.get_xdata()
    assert list(rule.get_ydata()) == pytest.approx([min(300 / n, 100) for n in ns])
    assert list(exact.get_ydata()) == pytest.approx([(1 - 0.05 ** (1 / n)) * 100 for n in ns])
    assert rule.get_linestyle() != exact.get_linestyle()
    assert list(mark_rule.get_xdata()) == [1500] and mark_rule.get_ydata()[0] == pytest.approx(0.2)
    assert mark_exact.get_ydata()[0] == pytest.approx(0.19952, abs=1e-5)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "upper bound" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Rule of three: 3 / n" in labels and any("n = 1,500" in t for t in labels)
    assert "n = 1,500, where 3/n is 0.2%" in rule_of_three_alt_text(1500)


# --- tables ------------------------------------------------------------------------------------

def test_tables_come_from_the_data():
    table = rule_of_three_markdown((1000, 7629))
    assert "| 1,000 | 0.3% | 333 | 0.299% |" in table and "| 7,629 | 0.0393% | 2,543 | 0.0393% |" in table
    dn = dry_needling_table_markdown()
    assert "1463 mild AEs (19.18%)" in dn and "20 major AEs" in dn and "| 20,464 |" in dn
    cases = pneumothorax_cases_markdown()
    assert cases.count("\n| ") == 5 and "seen in a secondary source" in cases


# --- widgets, driven without a browser -----------------------------------------------------------

def test_explorer_one_study(capsys):
    explorer = AdverseEventExplorer()
    explorer.set(study="brady2014", treatments=200)
    assert explorer.data["brady2014"]["Bruising"] == 15.1
    assert list(explorer.data["brady2014"].values()) == [p.get_width() for p in explorer.ax.patches]
    serious = explorer.serious["brady2014"]
    assert serious["kind"] == "upper bound" and serious["rate_percent"] == 0.04
    assert serious["chance"] == pytest.approx(1 - 0.9996 ** 200)
    text = explorer.summary.value
    assert "about <b>38.4</b> in 200 treatments" in text          # 19.18% of 200
    assert "none were seen in 7,629 treatments" in text and "up to 7.69%" in text
    assert "Bar chart of the expected number of mild adverse events in 200 treatments" in capsys.readouterr().out


def test_explorer_side_by_side_and_linked_box():
    explorer = AdverseEventExplorer()
    explorer.set(study="both", treatments=1000)
    assert set(explorer.data) == set(DN_STUDIES)
    assert explorer.data["boyce2020"]["All minor adverse events"] == 367.0
    boyce = explorer.serious["boyce2020"]
    assert boyce["kind"] == "observed" and boyce["chance"] == pytest.approx(0.6249, abs=1e-4)
    assert "62.5%" in explorer.summary.value and "Major events" in explorer.summary.value
    assert len(explorer.ax.patches) == 8
    explorer.treatments_box.value = 155              # typing in the box moves the slider and redraws
    assert explorer.treatments.value == 155
    assert explorer.data["brady2014"]["Bruising"] == pytest.approx(7.55 * 1.55)


def test_explorer_controls_are_labelled_and_checked():
    explorer = AdverseEventExplorer()
    for control in (explorer.study, explorer.treatments, explorer.treatments_box):
        assert control.description
    assert explorer.treatments.continuous_update is False
    with pytest.raises(ValueError, match="study must be one of"):
        explorer.set(study="white2001")
    assert explorer.widget.children[-1] is explorer.out


def test_rule_of_three_calculator():
    calc = RuleOfThreeCalculator()
    assert calc.result["n"] == 7629 and calc.result["one_in_rule"] == 2543
    calc.set(1500)
    assert calc.result["rule_of_three"] == 0.002
    assert calc.result["exact"] == pytest.approx(0.0019952, abs=1e-7)
    assert "<b>0.2%</b>" in calc.answer.value and "1 in 500" in calc.answer.value
    assert "does <b>not</b> mean the risk is zero" in calc.answer.value
    assert "only rough" not in calc.answer.value
    assert calc.ax.lines[2].get_xdata()[0] == 1500
    calc.n_box.value = 20
    assert calc.n.value == 20 and calc.result["exact"] == pytest.approx(1 - 0.05 ** (1 / 20))
    assert "only rough" in calc.answer.value
    assert calc.n.description and calc.n_box.description and calc.n.continuous_update is False


def test_practice_checks_render_and_explain():
    ids = [p["id"] for p in load("practice") if p["id"].startswith("s04_")]
    assert len(ids) >= 5
    check = practice("s04_rule_of_three")
    check.choose(check.item["answer"])
    check.check_button.click()
    assert "Right" in check.feedback.value and "3/1000" in check.feedback.value
    check.choose(0)
    check.check_button.click()
    assert "Not quite" in check.feedback.value and "0.3%" in check.feedback.value


# --- lesson and quiz -----------------------------------------------------------------------------

def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_lesson_uses_only_existing_practice_checks_and_references():
    text = "\n".join(_src(c) for c in _cells(LESSON))
    practice_ids = {p["id"] for p in load("practice")}
    used = re.findall(r'practice\("(s04_[a-z_]+)"\)', text)
    assert used and set(used) <= practice_ids and len(used) == len(set(used))
    assert set(used) == {i for i in practice_ids if i.startswith("s04_")}, "every s04 check is used once"
    keys = json.loads(re.search(r"show_references\((\[.*?\])\)", text, re.S).group(1).replace("'", '"'))
    assert set(keys) <= reference_keys()
    for name in ("AdverseEventExplorer()", "RuleOfThreeCalculator()", "show_study_comparison()",
                 "DangerZoneExplorer()", "show_rhomboid_depths()", "show_pleura_reach()"):
        assert name in text
    assert "What the figure shows:" in text and "## Key points" in text and "## Next: the quiz" in text


def test_quiz_keys_follow_from_the_data(rows):
    questions = {q.number: q for q in read_questions(json.loads(QUIZ.read_text(encoding="utf-8")))}
    assert len(questions) == 16
    assert questions["4.2"].key == expected_count(rows["brady_bruising"]["percent"], 200)
    assert questions["4.4"].key == rule_of_three(1500) * 100
    assert questions["4.4"].tolerance >= abs(exact_upper_bound(1500) * 100 - 0.2)
    assert questions["4.3"].key is False
    assert questions["4.5"].kind == "multi" and questions["4.5"].normalised_key() == "ABCD"
    assert {q.kind for q in questions.values()} >= {"choice", "multi", "truefalse", "number"}
    cells = _cells(QUIZ)
    manual = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade") and
              c["metadata"]["nbgrader"].get("solution")]
    assert len(manual) == 1 and manual[0]["metadata"]["nbgrader"]["points"] == 3
    points = sum(q.points for q in questions.values()) + 3
    assert f"**17 questions worth {points:g} points**" in _src(cells[0]) and points == 19


def test_quiz_mark_scheme_credits_urgent_assessment_and_defers_to_local_policy():
    scheme = next(_src(c) for c in _cells(QUIZ) if "BEGIN MARK SCHEME" in _src(c))
    assert "urgent medical assessment" in scheme and "urgent medical help" in scheme
    assert "local emergency policy decides the details" in scheme
    assert "not** verified" in scheme


def test_mild_events_are_sorted_and_totals_exist():
    for ref in DN_STUDIES:
        percents = [r["percent"] for r in mild_events(ref)]
        assert percents == sorted(percents, reverse=True)
        assert total_mild(ref)["total"] is True
    assert serious_rate("brady2014") == (0.04, "upper bound")
    assert serious_rate("boyce2020") == (0.098, "observed")
    assert list(expected_events("boyce2020", 100, ["bleeding", "all_mild"])) == ["Bleeding", "All minor adverse events"]
    with pytest.raises(DataError, match="no rows for study 'nobody'"):
        rates("nobody")
