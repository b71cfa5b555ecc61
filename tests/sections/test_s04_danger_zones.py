"""Section 4.7, danger zones: the data against the fact sheet, the figures, the explorer, the quiz items, the lesson."""

import html
import json
import re

import pytest

from dncourse.answers import WrongAnswer, mark_answer
from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from dncourse.content.references import reference_list
from dncourse.instructor.quizspec import read_questions
from dncourse.sections.s04_risks_and_adverse_events.danger_zone_explorer import DangerZoneExplorer
from dncourse.sections.s04_risks_and_adverse_events.danger_zones import (CAUTION, KIND_LABELS, one_sd_window,
                                                                       pleura_reach_alt_text, pleura_reach_rows,
                                                                       plot_pleura_reach, plot_rhomboid_depths,
                                                                       reach_percent, rhomboid_alt_text,
                                                                       rhomboid_rows, zone, zone_card_html, zones)
from dncourse.ui.figures import Plot
from tests.support.course import ROOT
from tests.support.figures import agg_backend  # noqa: F401 (autouse fixture)

LESSON = ROOT / "notebooks" / "04-risks-and-adverse-events.ipynb"
QUIZ = ROOT / "source" / "s04-risks-and-adverse-events" / "s04-risks-and-adverse-events.ipynb"
NEW_CELLS = [f"c{n}" for n in range(40, 51)]


@pytest.fixture(scope="module")
def blocks(fact_sheet):
    """The fact sheet's text for each fact id: from '**[Nk]**' to the next fact or heading."""
    found = {}
    for match in re.finditer(r"\*\*\[(N\d+)\]\*\*", fact_sheet):
        rest = fact_sheet[match.start():]
        end = re.search(r"\n- \*\*\[N\d+\]\*\*|\n#{2,3} ", rest[5:])
        found[match.group(1)] = rest[:end.start() + 5 if end else len(rest)]
    assert len(found) >= 23
    return found


def _numbers(text):
    return re.findall(r"\d+(?:\.\d+)?", text)


def _has_number(text, number):
    return re.search(r"(?<![\d.])" + re.escape(number) + r"(?![\d])", text) is not None


# --- the data equal the fact sheet --------------------------------------------------------------

def test_rhomboid_rows_equal_fact_n1(blocks):
    n1 = blocks["N1"]
    assert "US study of 62 patients" in n1
    groups = [line for line in n1.splitlines() if line.strip().startswith("- BMI")]
    rows = rhomboid_rows()
    assert len(groups) == len(rows) == 3
    for row, line in zip(rows, groups):
        assert row["fact"] == "N1" and row["ref"] == "rhomboid2014" and row["patients"] == 62
        assert f"{row['muscle_cm']:g} ± {row['muscle_sd']:g} cm" in line.split(";")[0], (row["id"], line)
        assert f"{row['rib_cm']:g} ± {row['rib_sd']:g} cm" in line.split(";")[1], (row["id"], line)
        if row["margin_low_cm"] is None:
            assert "**could not be calculated**" in line and row["margin_published"] == "could not be calculated"
        else:
            assert f"{row['margin_low_cm']:g}–{row['margin_high_cm']:g} cm" in line


def test_the_safe_margin_rule_reproduces_the_published_margins_and_the_missing_one(blocks):
    rows = {r["id"]: r for r in rhomboid_rows()}
    assert one_sd_window(rows["bmi_under_23"]) == (1.4, 1.7, 0.3)       # the ~3 mm window, computed
    assert one_sd_window(rows["bmi_25_up"]) == (2.1, 2.2, 0.1)
    shallow, deep, width = one_sd_window(rows["bmi_23_to_25"])
    assert (shallow, deep) == (1.6, 1.5) and width < 0                # no window: the ranges overlap
    assert "about **3 mm**" in blocks["N1"] and "1.6 cm is **deeper** than" in blocks["N1"]
    for row in rows.values():
        if row["margin_low_cm"] is not None:
            assert one_sd_window(row)[:2] == (row["margin_low_cm"], row["margin_high_cm"])


def test_pleura_reach_rows_equal_fact_n5(blocks):
    n5 = blocks["N5"]
    rows = pleura_reach_rows()
    assert [(r["needle_mm"], r["reached"], r["specimens"]) for r in rows] == [(30, 0, 15), (40, 1, 15), (50, 4, 15),
                                                                             (60, 6, 15)]
    assert "15 prone specimens (mean age 74.9" in n5 and all(r["mean_age_years"] == 74.9 for r in rows)
    assert "A 30 mm needle never reached the pleural space" in n5
    assert "1/15 times with 40 mm, 4/15 with 50 mm and 6/15 with 60 mm" in n5
    assert [reach_percent(r) for r in rows] == [0, 6.7, 26.7, 40]
    assert "40 mm 6.7%, 50 mm 26.7%, 60 mm 40%" in n5


def test_every_point_rests_on_verbatim_fact_sheet_text(fact_sheet, blocks):
    for point in load("danger_zone_points"):
        assert point["sheet_text"] in fact_sheet, point["id"]
        for fact in point.get("facts", []):
            assert fact in blocks, (point["id"], fact)
        if point.get("facts"):
            assert any(point["sheet_text"] in blocks[f] for f in point["facts"]), point["id"]


def test_every_number_in_a_point_is_in_its_facts(fact_sheet, blocks):
    for point in load("danger_zone_points"):
        source = " ".join(blocks[f] for f in point.get("facts", [])) or fact_sheet
        missing = [n for n in _numbers(point["text"]) if not _has_number(source, n)]
        assert missing == [], (point["id"], missing)


def test_the_number_check_catches_a_wrong_number(blocks):
    assert _has_number(blocks["N5"], "74.9") and not _has_number(blocks["N5"], "7.49")
    assert not _has_number(blocks["N1"], "19")


def test_preprints_are_only_ever_presented_as_preprints(fact_sheet, blocks):
    refs = {r["id"]: r for r in load("references")}
    preprint_facts = {f for f, text in blocks.items() if "[verified (preprint)" in text}
    assert preprint_facts >= {"N2", "N13"}
    for point in load("danger_zone_points"):
        cites_preprint = any(refs[k]["verification"] == "preprint" for k in point.get("refs", []))
        from_preprint = bool(set(point.get("facts", [])) & preprint_facts)
        if point["kind"] == "preprint" or cites_preprint or from_preprint:
            assert point["kind"] == "preprint" and point["verification"] == "preprint", point["id"]
            assert "preprint (not yet peer-reviewed)" in point["text"], point["id"]
    for key in ("valera_preprint", "cervical_preprint"):
        assert refs[key]["verification"] == "preprint"
        assert "*(preprint: not peer-reviewed" in reference_list([key])


def test_course_provider_advice_is_labelled_as_not_a_guideline(blocks):
    assert "course-provider advice, not a guideline" in blocks["N7"]
    points = [p for p in load("danger_zone_points") if "N7" in p.get("facts", [])]
    assert points and all(p["kind"] == "course provider" and "not a guideline" in p["text"] for p in points)
    assert "not a guideline" in KIND_LABELS["course provider"]


def test_what_was_not_found_is_said_plainly(fact_sheet):
    not_found = {p["id"]: p["text"] for p in load("danger_zone_points") if p["kind"] == "not found"}
    assert "Vertebral artery: **no DN-specific depth or injury study was found.**" in fact_sheet
    assert any("Vertebral artery: no dry needling study" in t for t in not_found.values())
    assert any("femoral triangle" in t and "no dry needling" in t for t in not_found.values())
    assert any("Quadratus lumborum: no peer-reviewed study" in t for t in not_found.values())


def test_bracketing_is_a_risk_reducer_not_a_guarantee(blocks):
    assert "Teach bracketing as a risk-reducer, not a guarantee." in blocks["N8"]
    text = zone_card_html("upper_back")
    assert "rib-bracketing technique" in text and "no guarantee" in text and "Mintken et al. 2025" in text


def test_the_points_cover_the_danger_zone_facts():
    cited = {f for p in load("danger_zone_points") for f in p.get("facts", [])}
    wanted = {f"N{i}" for i in range(1, 24)} - {"N9"}   # N9 (how a pneumothorax presents) belongs to 4.5 / section 5
    assert wanted <= cited, sorted(wanted - cited)


def test_regions_are_short_and_every_point_belongs_to_one():
    regions = zones()
    assert [r["id"] for r in regions] == ["upper_back", "upper_trapezius", "neck_spine", "low_back", "forearm",
                                          "buttock"]
    for region in regions:
        assert len(region["region"]) <= 60 and region["points"]
    assert sum(len(r["points"]) for r in regions) == len(load("danger_zone_points"))
    with pytest.raises(DataError, match="no region 'knee'"):
        zone("knee")


def test_loader_rejects_a_preprint_point_that_does_not_say_so(tmp_path):
    source = (DATA_DIR / "danger_zone_points.csv").read_text(encoding="utf-8").splitlines()
    header = source[0]
    row = next(line for line in source if line.startswith("ub_preprint,"))
    path = tmp_path / "danger_zone_points.csv"
    path.write_text(header + "\n" + row.replace("A preprint (not yet peer-reviewed) of", "A study of") + "\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2 \(id 'ub_preprint'\), field 'text'"):
        load_file(path, DATA_DIR / "danger_zone_points.schema.json", reference_keys(), schema_check=True)


def test_loader_rejects_an_unknown_citation_in_a_point(tmp_path):
    source = (DATA_DIR / "danger_zone_points.csv").read_text(encoding="utf-8").splitlines()
    row = next(line for line in source if line.startswith("ub_bolster,"))
    path = tmp_path / "danger_zone_points.csv"
    path.write_text(source[0] + "\n" + row.replace("mitchell2018", "mitchell2099") + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="citation 'mitchell2099' is not in references.csv"):
        load_file(path, DATA_DIR / "danger_zone_points.schema.json", reference_keys(), schema_check=True)


# --- figures -----------------------------------------------------------------------------------

def _font_sizes(ax):
    texts = list(ax.texts) + [ax.title, ax.xaxis.label, ax.yaxis.label]
    texts += list(ax.get_xticklabels()) + list(ax.get_yticklabels())
    legend = ax.get_legend()
    if legend is not None:
        texts += list(legend.get_texts())
    return [t.get_fontsize() for t in texts if t.get_text()]


def test_rhomboid_figure_plots_the_data_file():
    rows = rhomboid_rows()
    fig, ax = plot_rhomboid_depths()
    means = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}
    muscle, rib = means["Skin to rhomboid major (mean, 1 SD)"], means["Skin to rib (mean, 1 SD)"]
    assert list(muscle.get_ydata()) == [r["muscle_cm"] for r in rows]
    assert list(rib.get_ydata()) == [r["rib_cm"] for r in rows]
    assert muscle.get_marker() != rib.get_marker()
    spreads = sorted(tuple(round(y, 2) for y in line.get_ydata()) for line in ax.lines if len(line.get_ydata()) == 2)
    assert spreads == sorted([(round(r["muscle_cm"] - r["muscle_sd"], 2), round(r["muscle_cm"] + r["muscle_sd"], 2))
                              for r in rows] +
                             [(round(r["rib_cm"] - r["rib_sd"], 2), round(r["rib_cm"] + r["rib_sd"], 2)) for r in rows])
    bands = [(round(p.get_y(), 2), round(p.get_y() + p.get_height(), 2), p.get_hatch()) for p in ax.patches]
    assert bands == [(1.4, 1.7, "//"), (1.5, 1.6, "xx"), (2.1, 2.2, "//")]
    assert ax.yaxis_inverted() and ax.get_ylabel() == "Depth below the skin (cm)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Ranges overlap: no safe margin" in labels and "Published safe margin" in labels
    assert min(_font_sizes(ax)) >= 9
    alt = rhomboid_alt_text()
    for number in ("1.2 cm (SD 0.2)", "2.7 cm (SD 0.5)", "1.4 to 1.7 cm", "2.1 to 2.2 cm",
                   "no safe margin could be calculated", "62 patients"):
        assert number in alt


def test_pleura_reach_figure_plots_the_data_file():
    fig, ax = plot_pleura_reach()
    assert [p.get_height() for p in ax.patches] == [0, 1, 4, 6]
    assert ax.get_ylim() == (0, 15)
    texts = [t.get_text() for t in ax.texts]
    assert "never\n(0 of 15)" in texts and "4 of 15\n(26.7%)" in texts
    assert any("may not apply to young, thin patients" in t for t in texts)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["30 mm", "40 mm", "50 mm", "60 mm"]
    assert min(_font_sizes(ax)) >= 9
    alt = pleura_reach_alt_text()
    assert "30 mm, 0 of 15 (0%); 40 mm, 1 of 15 (6.7%); 50 mm, 4 of 15 (26.7%); 60 mm, 6 of 15 (40%)" in alt


@pytest.mark.parametrize("draw, alt", [(plot_rhomboid_depths, rhomboid_alt_text),
                                       (plot_pleura_reach, pleura_reach_alt_text)])
def test_figures_render_as_svg_with_alt_text(draw, alt):
    data, metadata = Plot(draw).output(alt())
    assert data["image/svg+xml"].startswith("<?xml") and "<text" in data["image/svg+xml"]
    assert metadata["image/svg+xml"]["alt"] == alt() and 'alt="' in data["text/html"]


# --- the explorer, driven without a browser -----------------------------------------------------

def test_explorer_shows_each_region_with_its_sources_and_the_caution():
    explorer = DangerZoneExplorer()
    assert explorer.choice.value == "upper_back" and explorer.choice.description
    assert all(len(label) <= 60 for label, _value in explorer.choice.options)
    for zone_id in explorer.zone_ids:
        explorer.set(zone_id)
        card = explorer.card.value
        assert explorer.region["id"] == zone_id
        assert "At risk here:" in card and CAUTION in card and "not a safe depth for your patient" in card
        for point in explorer.region["points"]:
            assert f"[{html.escape(KIND_LABELS[point['kind']])}]" in card
    explorer.set("neck_spine")
    card = explorer.card.value
    assert "[Preprint, not yet peer-reviewed]" in card and "Berrigan et al. 2018" in card
    assert "emergency assessment" in card and "Vertebral artery: no dry needling study" in card
    explorer.choice.value = "upper_trapezius"                 # as a learner's click would
    assert "[Course provider&#x27;s advice, not a guideline]" in explorer.card.value
    assert "Kearns et al. 2022" in explorer.card.value
    with pytest.raises(ValueError, match="region must be one of"):
        explorer.set("knee")


def test_explorer_offers_no_depth_calculator():
    explorer = DangerZoneExplorer("upper_back")
    kinds = {type(w).__name__ for w in explorer.widget.children}
    assert kinds == {"HTML", "Dropdown"}, "a region picker and text only: no slider or number box for a depth"


# --- quiz items --------------------------------------------------------------------------------

KEYS = {"4.5": "ABCD", "4.11": "B", "4.12": "B", "4.13": "ABC", "4.14": "B", "4.15": "ABC", "4.16": "B", "4.17": "B"}


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell):
    return "".join(cell["source"])


def test_new_quiz_keys_and_marking():
    questions = {q.number: q for q in read_questions(json.loads(QUIZ.read_text(encoding="utf-8")))}
    for number, key in KEYS.items():
        question = questions[number]
        assert question.normalised_key() == key, number
        spec = dict(question.spec)
        mark_answer(number, key if question.kind == "choice" else ", ".join(key), question.kind, key=question.key, **spec)
        wrong = {"choice": "A", "multi": "A, B, C, D, E"}[question.kind]
        with pytest.raises(WrongAnswer):
            mark_answer(number, wrong, question.kind, key=question.key, **spec)


def test_q4_5_lists_only_symptoms_and_the_key_matches_the_sheet(fact_sheet):
    heading = next(_src(c) for c in _cells(QUIZ) if _src(c).startswith("## Question 4.5 "))
    assert "sharp pain as the needle went in" not in heading
    assert "during or after the session" in heading
    options = dict(re.findall(r"- \*\*([A-F])\.\*\* (.+)", heading))
    assert options["C"] == "Coughing up blood"
    signs = ("shortness of breath (especially on exertion), chest or pleuritic pain, dry cough, malaise, rapid "
             "breathing, haemoptysis")
    assert signs in fact_sheet                                   # C = haemoptysis, A, B and D are listed too
    lesson = "\n".join(_src(c) for c in _cells(LESSON))
    assert "coughing up blood" in lesson


def test_quiz_items_state_only_what_the_lesson_and_sheet_say():
    quiz = "\n".join(_src(c) for c in _cells(QUIZ))
    lesson = "\n".join(_src(c) for c in _cells(LESSON))
    for phrase in ("1.4 to 1.7 cm", "no safe margin could be calculated", "11 of 14 trials",
                   "180 days", "clean needle technique", "1 time in 15, a 50 mm needle 4 times"):
        assert phrase in lesson, phrase
    assert "1, 4 and 6 times in 15" in quiz and "may not hold for young, thin patients" in quiz
    assert "makes a pneumothorax impossible" in quiz                  # offered only as a wrong option (4.13 D)


# --- the lesson ----------------------------------------------------------------------------------

def test_lesson_has_objective_7_and_the_danger_zone_part():
    cells = {c["id"]: _src(c) for c in _cells(LESSON)}
    assert "7. name the danger zones" in cells["c00"] and "needle length, needle direction and body size" in cells["c00"]
    assert "about 50 minutes for the lesson" in cells["c00"]
    part = "\n".join(cells[c] for c in NEW_CELLS)
    assert part.startswith("## 4.7 Danger zones")
    assert "works out at about 3 mm" in part
    assert "group averages, not a safe depth" in part
    assert "A preprint (not yet peer-reviewed) of 59 healthy adults" in part
    assert "a preprint (not yet peer-reviewed) on a single cadaver" in part
    assert "this is a course provider's advice, not a guideline" in part
    assert "Bracketing lowers the risk but **does not remove it**" in part
    assert "**Vertebral artery:** no dry needling study" in part
    assert "**Takeaway:**" in cells["c49"]
    assert 'practice("s04_rhomboid_window")' in part and 'practice("s04_spine_pain")' in part


def test_lesson_part_numbers_are_in_the_fact_sheet(fact_sheet):
    part = "\n".join(_src(c) for c in _cells(LESSON) if c["id"] in NEW_CELLS)
    part = re.sub(r"(## |[Ss]ection )4\.\d", "", part)         # the lesson's own part numbers
    missing = [n for n in set(_numbers(part)) if not _has_number(fact_sheet, n)]
    assert missing == [], missing


def test_every_source_cited_in_the_part_is_in_the_reference_list():
    cells = {c["id"]: _src(c) for c in _cells(LESSON)}
    keys = set(json.loads(re.search(r"show_references\((\[.*?\])\)", cells["c32"], re.S).group(1).replace("'", '"')))
    cited = {k for p in load("danger_zone_points") for k in p.get("refs", [])}
    cited |= {r["ref"] for r in load("rhomboid_depths")} | {r["ref"] for r in load("pleura_reach")}
    assert cited <= keys, sorted(cited - keys)
    shorts = {r["id"]: r["short"] for r in load("references")}
    part = "\n".join(cells[c] for c in NEW_CELLS)
    for key in cited - {"irmedj2022", "mintken2025", "snyder2019", "sa_notice"}:
        assert shorts[key] in part or key == "valera_preprint", key
    assert "Valera-Calero et al., preprint" in part


def test_lesson_runs_headless_and_shows_the_figures_and_the_explorer():
    from dncourse.runner import run_notebook

    ran = run_notebook(LESSON)
    outputs = {c["id"]: c.get("outputs", []) for c in ran.cells}
    for cell, alt in (("c41", rhomboid_alt_text()), ("c44", pleura_reach_alt_text())):
        data = outputs[cell][0]["data"]
        assert data["text/plain"] == alt and "image/svg+xml" in data
    widget = outputs["c48"][0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in widget
    errors = [o for outs in outputs.values() for o in outs if o.get("output_type") == "error"]
    assert errors == []
