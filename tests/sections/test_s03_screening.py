"""Section 3: the screening data files, the rules engine, and the data checked against the fact sheet."""

import json
import re

import pytest

from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from dncourse.sections.s03_patient_selection.screening import (CATEGORIES, DECISIONS, SEVERITY, SUPPORT_LEVELS, RuleSet, ScreeningError,
                                plot_rule_support, rule_support_alt_text, rules_markdown, support_counts,
                                screen)
from tests.support.course import csv_with_rows_edited

CONSENTED = {"consent_given": True}


@pytest.fixture(scope="module")
def rules():
    return RuleSet()


def ids(result):
    return set(result.rule_ids)


# --- the data files load and the loader rejects bad rows -------------------------------------

@pytest.mark.parametrize("table", ["screening_rules", "screening_inputs", "screening_cases"])
def test_section_3_tables_load(table):
    assert load(table)


def _rules_csv(tmp_path, change):
    """A copy of screening_rules.csv whose second data row is changed by ``change(row)``."""
    return csv_with_rows_edited(tmp_path, "screening_rules", lambda rows: change(rows[1]))


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(category="forbidden"), "line 3 (id 'no_consent'), field 'category': 'forbidden' is not one of"),
    (lambda r: r.update(ref="who1999;nobody2020"), "line 3 (id 'no_consent'), field 'ref': citation 'nobody2020'"),
    (lambda r: r.update(why=""), "line 3 (id 'no_consent'): 'why' is a required property"),
    (lambda r: r.update(trigger="consent given"), "line 3 (id 'no_consent'), field 'trigger.0'"),
    (lambda r: r.update(verification="probably"), "line 3 (id 'no_consent'), field 'verification'"),
    (lambda r: r.update(sheet_row=""), "line 3 (id 'no_consent'): 'sheet_row' is a required property"),
    (lambda r: r.update(id="unwilling"), "line 3 (id 'unwilling'), field 'id': 'unwilling' is used twice"),
])
def test_loader_rejects_a_bad_rule_naming_row_and_field(tmp_path, change, message):
    with pytest.raises(DataError) as problem:
        load_file(_rules_csv(tmp_path, change), DATA_DIR / "screening_rules.schema.json", reference_keys(), schema_check=True)
    assert message in str(problem.value)


@pytest.mark.parametrize("table, index, change, message", [
    ("screening_inputs", 0, {"default": "no"}, "row 1 (id 'consent_given'), field 'default'"),
    ("screening_inputs", 5, {"options": None}, "row 6 (id 'age_group')"),
    ("screening_cases", 2, {"expected": "maybe"}, "row 3 (id 'case_anticoagulant'), field 'expected'"),
    ("screening_cases", 0, {"refs": ["nobody2020"]}, "row 1 (id 'case_calf'), field 'refs': citation 'nobody2020'"),
])
def test_loader_rejects_bad_form_items_and_cases(tmp_path, table, index, change, message):
    rows = json.loads((DATA_DIR / f"{table}.json").read_text(encoding="utf-8"))
    for key, value in change.items():
        if value is None:
            rows[index].pop(key)
        else:
            rows[index][key] = value
    path = tmp_path / f"{table}.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(DataError) as problem:
        load_file(path, DATA_DIR / f"{table}.schema.json", reference_keys(), schema_check=True)
    assert message in str(problem.value)


def test_a_trigger_naming_an_unknown_item_or_value_is_rejected_when_the_rules_are_read():
    rule = dict(load("screening_rules")[0])
    with pytest.raises(DataError, match=r"id 'unwilling', field 'trigger': 'phobia' is not an item"):
        RuleSet(rules=[dict(rule, trigger=["phobia=yes"])])
    with pytest.raises(DataError, match=r"'sometimes' is not a value of 'unwilling'"):
        RuleSet(rules=[dict(rule, trigger=["unwilling=sometimes"])])
    with pytest.raises(DataError, match=r"'lung' is not a value of 'area'"):
        RuleSet(rules=[dict(rule, trigger=["area=chest|lung"])])


def test_a_default_that_is_not_an_option_is_rejected():
    inputs = load("screening_inputs")
    area = next(item for item in inputs if item["id"] == "area")
    area["default"] = "elbow"
    with pytest.raises(DataError, match=r"id 'area', field 'default': 'elbow' is not one of its options"):
        RuleSet(inputs=inputs)


# --- the rules engine ----------------------------------------------------------------------

def test_an_empty_form_means_no_consent_and_do_not_needle(rules):
    result = rules.screen({})
    assert result.decision == "do_not_needle"
    assert ids(result) == {"no_consent"}
    assert result.label == "Do not needle"


@pytest.mark.parametrize("consent", [False, "no", "No"])
def test_missing_consent_is_an_absolute_contraindication(rules, consent):
    result = rules.screen({"consent_given": consent, "medications": ["anticoagulant"]})
    assert result.decision == "do_not_needle"
    assert result.findings[0].id == "no_consent"
    assert "anticoagulant" in ids(result)  # every reason is still listed


def test_consent_and_nothing_else_means_proceed(rules):
    result = rules.screen({"consent_given": "yes"})
    assert result.decision == "proceed" and result.findings == []
    assert result.report().startswith("Decision: Proceed.")


@pytest.mark.parametrize("patient, decision, rule", [
    ({"unwilling": True}, "do_not_needle", "unwilling"),
    ({"cannot_communicate": True}, "do_not_needle", "cannot_communicate"),
    ({"emergency": True}, "do_not_needle", "emergency"),
    ({"at_site": ["infected_skin"]}, "avoid_area", "infected_skin"),
    ({"at_site": ["lymphoedema"]}, "avoid_area", "lymphoedema"),
    ({"area": "orbit"}, "avoid_area", "never_needled"),
    ({"area": "anterior_neck"}, "avoid_area", "never_needled"),
    ({"medications": ["anticoagulant"]}, "precautions", "anticoagulant"),
    ({"conditions": ["diabetes"]}, "precautions", "diabetes"),
    ({"pregnant": True, "area": "limb"}, "precautions", "pregnancy"),
    ({"drives_after": True}, "precautions", "drives_after"),
    ({"area": "upper_back"}, "precautions", "thorax"),
])
def test_each_category_gives_its_decision(rules, patient, decision, rule):
    result = rules.screen({**CONSENTED, **patient})
    assert result.decision == decision
    assert ids(result) == {rule}


def _patient_for(rules, rule):
    """A consenting patient built from the rule's own trigger (first value of each term)."""
    patient = dict(CONSENTED)
    for term in rule["trigger"]:
        name, _, values = term.partition("=")
        value = values.split("|")[0]
        kind = rules.items[name]["kind"]
        patient[name] = {"yes": True, "no": False}[value] if kind == "yes_no" else (
            [value] if kind == "multi" else value)
    return patient


@pytest.mark.parametrize("rule", load("screening_rules"), ids=lambda r: r["id"])
def test_every_rule_in_the_file_can_fire_and_sets_at_least_its_own_decision(rules, rule):
    result = rules.screen(_patient_for(rules, rule))
    assert rule["id"] in ids(result)
    own = CATEGORIES[rule["category"]][0]
    assert SEVERITY.index(result.decision) <= SEVERITY.index(own)


def test_the_most_restrictive_finding_wins_and_every_reason_is_listed(rules):
    patient = {**CONSENTED, "unwilling": True, "at_site": ["varicose_veins"], "conditions": ["epilepsy"]}
    result = rules.screen(patient)
    assert result.decision == "do_not_needle"
    assert [f.category for f in result.findings] == ["absolute", "avoid_area", "precaution"]
    assert ids(result) == {"unwilling", "varicose_veins", "epilepsy"}
    # without the absolute one, the area to avoid decides; without that, the precaution
    del patient["unwilling"]
    assert rules.screen(patient).decision == "avoid_area"
    patient["at_site"] = []
    assert rules.screen(patient).decision == "precautions"


def test_several_precautions_are_all_listed(rules):
    result = rules.screen({**CONSENTED, "area": "chest", "build": "thin", "drives_after": True,
                           "medications": ["anticoagulant"]})
    assert result.decision == "precautions"
    assert ids(result) == {"thorax", "thin_thorax", "drives_after", "anticoagulant"}


def test_combination_rules_need_every_term(rules):
    assert "pregnancy_trunk" not in ids(rules.screen({**CONSENTED, "pregnant": True, "area": "limb"}))
    assert "pregnancy_trunk" in ids(rules.screen({**CONSENTED, "pregnant": True, "area": "abdomen"}))
    assert "pregnancy_trunk" not in ids(rules.screen({**CONSENTED, "area": "lower_back"}))
    assert "thin_thorax" not in ids(rules.screen({**CONSENTED, "build": "thin", "area": "limb"}))
    assert "thin_thorax" not in ids(rules.screen({**CONSENTED, "area": "chest"}))
    assert "infant_scalp" in ids(rules.screen({**CONSENTED, "age_group": "infant", "area": "head"}))
    assert "infant_scalp" not in ids(rules.screen({**CONSENTED, "age_group": "child", "area": "head"}))


@pytest.mark.parametrize("area", ["chest", "upper_back", "neck_shoulder"])
def test_any_listed_value_fires_a_rule(rules, area):
    assert "thorax" in ids(rules.screen({**CONSENTED, "area": area}))


@pytest.mark.parametrize("patient, named", [
    ({"conditions": ["haemophilia"]}, "'haemophilia'"),
    ({"conditions": "statin_myopathy"}, "'statin_myopathy'"),
    ({"medications": ["anticoagulant", "aspirin"]}, "'aspirin'"),
    ({"area": "knee"}, "'knee'"),
    ({"smoker": True}, "unknown screening item 'smoker'"),
    ({"pregnant": "perhaps"}, "'pregnant' (Pregnant) must be True or False"),
])
def test_an_unknown_item_or_value_is_an_error_that_names_it(rules, patient, named):
    with pytest.raises(ScreeningError) as problem:
        rules.screen({**CONSENTED, **patient})
    assert named in str(problem.value)


def test_a_patient_must_be_a_dict(rules):
    with pytest.raises(ScreeningError, match="as a dict"):
        rules.screen(["pregnant"])


def test_the_engine_holds_no_case_of_its_own():
    """Made-up rules on a made-up form behave by the same logic: the data decides."""
    inputs = [{"id": "tattoo", "group": "Skin", "label": "Fresh tattoo", "kind": "yes_no", "default": False},
              {"id": "colour", "group": "Skin", "label": "Colour", "kind": "choice", "default": "red",
               "options": [{"value": "red", "label": "Red"}, {"value": "blue", "label": "Blue"}]}]
    base = {"action": "Do something sensible here.", "why": "Because the made-up rule says so.",
            "ref": ["who1999"], "verification": "verified", "sheet_section": "4.1"}
    made_up = [dict(base, id="r1", condition="Fresh tattoo", category="avoid_area", trigger=["tattoo=yes"]),
               dict(base, id="r2", condition="Blue", category="absolute", trigger=["colour=blue", "tattoo=yes"])]
    engine = RuleSet(rules=made_up, inputs=inputs)
    assert engine.screen({}).decision == "proceed"
    assert engine.screen({"tattoo": True}).decision == "avoid_area"
    assert engine.screen({"colour": "blue"}).decision == "proceed"
    result = engine.screen({"tattoo": True, "colour": "blue"})
    assert result.decision == "do_not_needle" and result.rule_ids == ["r2", "r1"]
    with pytest.raises(ScreeningError, match="'consent_given'"):
        engine.screen({"consent_given": True})


def test_the_report_gives_every_reason_with_its_citation(rules):
    result = rules.screen({"pregnant": True, "area": "lower_back"})
    report = result.report()
    assert report.startswith("Decision: Do not needle.")
    for finding in result.findings:
        assert finding.rule["condition"] in report
        assert finding.citation() in report
    assert "WHO 1999" in report and "AACP 2012 erratum" in report


def test_module_level_screen_uses_the_course_rules():
    assert screen({"consent_given": True, "emergency": True}).decision == "do_not_needle"
    assert list(DECISIONS) == list(SEVERITY) == ["do_not_needle", "avoid_area", "precautions", "proceed"]


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_the_lesson_tables_list_exactly_one_category(category):
    text = rules_markdown(category)
    rows = load("screening_rules")
    for rule in rows:
        listed = f"| {rule['condition']} |" in text.replace("&amp;", "&")
        assert listed == (rule["category"] == category), rule["id"]
    assert text.count("\n") == 1 + sum(r["category"] == category for r in rows)
    with pytest.raises(ValueError):
        rules_markdown("maybe")


# --- the worked cases ----------------------------------------------------------------------

def test_there_are_enough_worked_cases_and_they_cover_every_decision():
    cases = load("screening_cases")
    assert len(cases) >= 5
    assert {case["expected"] for case in cases} == set(DECISIONS)


@pytest.mark.parametrize("case", load("screening_cases"), ids=lambda c: c["id"])
def test_each_worked_case_gets_its_stated_decision(rules, case):
    assert rules.screen(case["patient"]).decision == case["expected"]


# --- the data against the fact sheet -------------------------------------------------------

def _table_4_2(sheet):
    start = sheet.index("### 4.2 Contraindications / precautions table")
    end = sheet.index("\n## 5.", start)
    rows = {}
    for line in sheet[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("Condition", "---"):
            rows[cells[0]] = {"classification": cells[1], "says": cells[2], "tag": cells[3].split(":")[0].strip()}
    return rows


# Which rule categories each wording of the sheet's "Usual classification" column allows.
_CLASSIFICATION_WORDS = {
    "absolute": "absolute", "contraindication": "absolute",
    "avoid": "avoid_area", "do not needle": "avoid_area", "point-specific": "avoid_area",
    "precaution": "precaution", "relative": "precaution", "high-risk": "precaution",
}


def test_the_sheet_table_is_found_and_every_row_is_covered_by_a_rule(fact_sheet):
    table = _table_4_2(fact_sheet)
    assert len(table) == 18
    covered = {rule.get("sheet_row") for rule in load("screening_rules")}
    assert set(table) <= covered, set(table) - covered


@pytest.mark.parametrize("rule", [r for r in load("screening_rules") if r["sheet_section"] == "4.2"],
                         ids=lambda r: r["id"])
def test_each_rule_matches_its_row_of_the_sheet_table(fact_sheet, rule):
    table = _table_4_2(fact_sheet)
    assert rule["sheet_row"] in table, f"{rule['id']}: {rule['sheet_row']!r} is not a row of table 4.2"
    row = table[rule["sheet_row"]]
    assert rule["verification"] == row["tag"]
    allowed = {cat for word, cat in _CLASSIFICATION_WORDS.items() if word in row["classification"].lower()}
    if re.search(r"\bavoid|never needle|do not needle", row["says"], re.I):
        allowed.add("avoid_area")  # the row names a site to avoid (e.g. an infant's scalp, a tumour site)
    assert rule["category"] in allowed, (rule["id"], row["classification"])


def test_rules_from_other_sheet_sections_match_their_tagged_text(fact_sheet):
    by_id = {r["id"]: r for r in load("screening_rules")}
    assert "Thin patients (low BMI) are at higher risk because the skin-to-pleura distance is short" in fact_sheet
    assert "24 F, junior doctor, low-normal BMI" in fact_sheet and by_id["thin_thorax"]["ref"] == ["irmedj2022"]
    kearns = fact_sheet[fact_sheet.index("- Kearns G, Fernández-de-las-Peñas C"):]
    kearns = kearns[:kearns.index("- WHO (1999)")]
    assert "cause myalgia/myopathy" in kearns and "[verified]" in kearns
    for rule_id in ("myalgia_medicine", "possible_non_msk"):
        assert by_id[rule_id]["sheet_section"] == "4.1" and by_id[rule_id]["verification"] == "verified"


def test_every_number_in_the_rules_and_cases_is_in_the_fact_sheet(fact_sheet):
    text = " ".join(r["why"] + " " + r["action"] for r in load("screening_rules"))
    text += " ".join(c["vignette"] + " " + c["explanation"] for c in load("screening_cases"))
    numbers = set(re.findall(r"\d[\d,.]*\d%?|\d%?", text))
    # ages in the made-up vignettes are not facts
    facts = numbers - {"26", "31", "35", "42", "50", "58", "63", "71"}
    missing = sorted(n for n in facts if n not in fact_sheet)
    assert not missing, missing
    for key_fact in ("24.4%", "31,822", "BL31-34", "LI4, SP6, BL60, BL67", "1 in 4-5"):
        assert key_fact in fact_sheet
    assert "24.4%" in text and "31,822" in text and "BL31-34" in text


def test_nothing_the_sheet_leaves_unconfirmed_is_stated_as_fact():
    text = " ".join(" ".join(str(v) for v in r.values()) for r in load("screening_rules")).lower()
    for phrase in ("reduced breath sounds", "aacp 2021 lists", "iscp lists", "asap lists"):
        assert phrase not in text
    weak = {r["id"] for r in load("screening_rules") if r["verification"] != "verified"}
    for rule in load("screening_rules"):
        if rule["id"] in weak:
            assert re.search(r"secondary source|secondary sources|weak|only the heading", rule["why"], re.I), rule["id"]


# --- the evidence-support figure -----------------------------------------------------------

def test_support_counts_add_up_to_the_rules_file():
    rules_rows = load("screening_rules")
    counts = support_counts()
    for category in CATEGORIES:
        assert sum(counts[category].values()) == sum(r["category"] == category for r in rules_rows)
    # hand-counted from the file: the absolute contraindications rest mostly on secondary sources
    assert counts["absolute"] == {"confirmed in the primary record": 1, "seen only in a secondary source": 3,
                                  "weak, or only a heading seen": 0}


def test_the_support_plot_draws_the_counts_with_hatches_and_a_full_legend():
    import matplotlib.pyplot as plt

    fig, ax = plot_rule_support()
    counts = support_counts()
    expected = [counts[c][level] for level in SUPPORT_LEVELS for c in CATEGORIES]
    bars = [p for p in ax.patches]
    assert [p.get_width() for p in bars] == expected
    assert len({p.get_hatch() or "" for p in bars}) == 3  # a pattern per level, not colour alone
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Absolute contraindications", "Areas to avoid",
                                                           "Precautions", "Stop and refer"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(SUPPORT_LEVELS)
    assert "Number of screening rules" in ax.get_xlabel()
    shown_numbers = sorted(int(t.get_text()) for t in ax.texts)
    assert shown_numbers == sorted(n for n in expected if n)
    alt = rule_support_alt_text()
    assert "Absolute contraindications, 4 rules" in alt and "Precautions, 15 rules" in alt and "Stop and refer, 2 rules" in alt
    plt.close(fig)
