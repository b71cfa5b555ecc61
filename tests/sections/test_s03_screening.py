"""Section 3: the screening data files, the rules engine, and the data checked against the fact sheet."""

import html
import json
import re

import pytest

from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from dncourse.sections.s03_patient_selection.screening import (CATEGORIES, DECISIONS, SEVERITY, SUPPORT_LEVELS, RuleSet, ScreeningError,
                                plot_rule_support, rule_support_alt_text, rules_markdown, sheet_section_markdown,
                                support_counts, screen)
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
    ({"red_flags": ["cancer_history"]}, "do_not_needle", "red_flag_cancer"),
    ({"red_flags": ["weight_loss"]}, "do_not_needle", "red_flag_weight_loss"),
    ({"red_flags": ["fever"]}, "do_not_needle", "red_flag_fever"),
    ({"red_flags": ["progressive_neuro"]}, "do_not_needle", "red_flag_neuro"),
    ({"red_flags": ["cauda_equina"]}, "do_not_needle", "red_flag_cauda_equina"),
    ({"electrical": True}, "precautions", "electrical_needling"),
    ({"implanted_device": True}, "proceed", None),  # a device matters only when current is planned
])
def test_each_category_gives_its_decision(rules, patient, decision, rule):
    result = rules.screen({**CONSENTED, **patient})
    assert result.decision == decision
    assert ids(result) == ({rule} if rule else set())


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
    facts = numbers - {"26", "31", "35", "42", "44", "50", "58", "63", "66", "70", "71", "74"}
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
    assert "Absolute contraindications, 4 rules" in alt and "Areas to avoid, 11 rules" in alt
    assert "Precautions, 17 rules" in alt and "Stop and refer, 7 rules" in alt
    plt.close(fig)


# --- issue 19: red flags, statins, electrical dry needling, lymphoedema ----------------------------

def _fact(sheet, fact_id):
    """The text of one numbered fact of the sheet's Part II, from its bullet to the next numbered fact or heading."""
    start = sheet.index(f"**[{fact_id}]**")
    ends = [i for i in (sheet.find("**[N", start + 5), sheet.find("\n## ", start), sheet.find("\n### ", start)) if i > 0]
    return sheet[start:min(ends)]


def _part_ii_section(sheet, number):
    start = sheet.index(f"\n## {number}. ")
    return sheet[start:sheet.index("\n## ", start + 5)]


RED_FLAGS = {"cancer_history": "red_flag_cancer", "weight_loss": "red_flag_weight_loss", "fever": "red_flag_fever",
             "progressive_neuro": "red_flag_neuro", "cauda_equina": "red_flag_cauda_equina"}


def test_the_five_red_flags_of_the_brief_are_on_the_form_and_each_is_a_stop_and_refer_rule(rules):
    assert set(rules.values("red_flags")) == set(RED_FLAGS)
    by_id = {r["id"]: r for r in load("screening_rules")}
    for flag, rule_id in RED_FLAGS.items():
        rule = by_id[rule_id]
        assert rule["category"] == "refer" and rule["trigger"] == [f"red_flags={flag}"]
        assert rule["action"].startswith("Do not needle") and "medical assessment" in rule["action"]
        assert rule["sheet_section"] == "14"
        # a red flag stops needling even when every other answer is fine, and whatever else is listed
        result = rules.screen({**CONSENTED, "red_flags": [flag], "medications": ["anticoagulant"]})
        assert result.decision == "do_not_needle" and result.findings[0].heading == "Stop and refer"


def test_cauda_equina_is_taught_as_an_emergency_without_claiming_the_unconfirmed_steps():
    rule = {r["id"]: r for r in load("screening_rules")}["red_flag_cauda_equina"]
    assert "emergency" in rule["action"] and "without delay" in rule["action"]
    assert "clinic's emergency procedure" in rule["action"]
    assert "action steps were not confirmed" in rule["why"]
    for sign in ("saddle", "bladder", "bowel", "sexual", "both legs"):
        assert sign in rule["condition"]


def test_red_flags_are_not_a_checklist_that_clears(rules):
    """Without a red flag ticked, nothing in the rules claims the patient is cleared of a serious cause."""
    text = " ".join(r["why"] + " " + r["action"] for r in load("screening_rules")).lower()
    assert "proves nothing on its own" in text and "poor sensitivity" in text
    assert not re.search(r"rule[sd]? out (a )?serious|cleared of", text)


def test_rules_from_part_ii_rest_on_facts_of_their_own_section(fact_sheet):
    part_ii = [r for r in load("screening_rules") if r["sheet_section"] in ("13", "14")]
    assert {r["sheet_section"] for r in part_ii} == {"13", "14"}
    for rule in part_ii:
        assert rule.get("sheet_facts"), rule["id"]
        section = _part_ii_section(fact_sheet, rule["sheet_section"])
        for fact_id in rule["sheet_facts"]:
            assert f"**[{fact_id}]**" in section, (rule["id"], fact_id)


@pytest.mark.parametrize("fact_id, words", [
    ("N41", ["cardiac problems (angina, cardiac arrest, interference with a demand pacemaker)", "20–30 min"]),
    ("N42", ["contraindicated in any patient with a pacemaker", "stimulation across the chest", "[verified (secondary)"]),
    ("N43", ["should be used with caution", "**Lower-limb** stimulation", "51 patients", "parallel to the pacemaker lead"]),
    ("N44", ["not be applied over the heart or brain", "pacemaker or medication pump", "[verified]"]),
    ("N45", ["trunk, abdomen or pelvis in pregnancy", "controversial", "No guideline-level source was found"]),
    ("N46", ["100 experts in 19 countries", "cauda equina syndrome, spinal fracture"]),
    ("N47", ["no high-quality evidence for the diagnostic accuracy of most red flags", "false reassurance"]),
    ("N48", ["previous history of cancer", "0.3% to 4.6%", "0.3% to 1.2%", "[verified (secondary)"]),
    ("N49", ["16 national low-back-pain guidelines", "46 different red flags", "unintentional weight loss",
             "Night pain or pain at rest"]),
    ("N50", ["**urgent action**", "reduced perineal (saddle) sensation", "poor sensitivity", "fever",
             "progressive motor weakness affecting more than one nerve root", "emergency surgical treatment",
             "wording for these flags was **not retrieved**"]),
    ("N55", ["symmetrical and proximal", "within 4–6 weeks of starting a statin"]),
    ("N56", ["7–29%"]),
    ("N57", ["not stop the statin", "**bilateral**", ">12 weeks"]),
])
def test_the_facts_the_new_rules_and_lesson_parts_use_are_in_the_sheet(fact_sheet, fact_id, words):
    fact = _fact(fact_sheet, fact_id)
    for word in words:
        assert word in fact, (fact_id, word)


def test_what_the_sheet_did_not_find_stays_unconfirmed(fact_sheet):
    appendix_c = fact_sheet[fact_sheet.index("## Appendix C."):fact_sheet.index("## Appendix D.")]
    assert "**epilepsy** as an electrical DN contraindication in a guideline" in appendix_c
    assert "its CES action steps" in appendix_c
    text = " ".join(" ".join(str(v) for v in r.values()) for r in load("screening_rules")).lower()
    # no rule makes epilepsy a contraindication to electrical needling
    for rule in load("screening_rules"):
        if any(term.startswith("electrical=") for term in rule["trigger"]):
            assert "epilep" not in (rule["condition"] + rule["action"] + rule["why"]).lower(), rule["id"]
    for phrase in ("do not let the patient drive", "keep the patient upright", "finucane et al. 2020 advise"):
        assert phrase not in text


def test_electrical_needling_rules(rules):
    by_id = {r["id"]: r for r in load("screening_rules")}
    device = {**CONSENTED, "electrical": True, "implanted_device": True}
    for area in ("chest", "upper_back", "neck_shoulder"):
        result = rules.screen({**device, "area": area})
        assert result.decision == "avoid_area" and "electrical_device_chest" in ids(result), area
    result = rules.screen({**device, "area": "limb"})
    assert result.decision == "precautions"
    assert ids(result) == {"electrical_needling", "electrical_device"}
    # no current over the heart or the head, device or not
    assert "electrical_heart_brain" in ids(rules.screen({**CONSENTED, "electrical": True, "area": "head"}))
    assert "electrical_heart_brain" in ids(rules.screen({**CONSENTED, "electrical": True, "area": "chest"}))
    assert "electrical_heart_brain" not in ids(rules.screen({**CONSENTED, "electrical": True, "area": "limb"}))
    pregnant = rules.screen({**CONSENTED, "electrical": True, "pregnant": True, "area": "upper_back"})
    assert pregnant.decision == "avoid_area" and "electrical_pregnancy_trunk" in ids(pregnant)
    # without current, a device or the chest adds no electrical rule
    plain = rules.screen({**CONSENTED, "implanted_device": True, "area": "chest"})
    assert not {i for i in ids(plain) if i.startswith("electrical")}
    assert "no current across the chest" in by_id["electrical_device_chest"]["action"]
    assert by_id["electrical_pregnancy_trunk"]["verification"] == "verified (secondary)"


def test_the_electrical_rules_table_lists_section_13_most_restrictive_first():
    text = sheet_section_markdown("13")
    rows = [r for r in load("screening_rules") if r["sheet_section"] == "13"]
    assert text.count("\n") == 1 + len(rows)
    for rule in rows:
        assert html.escape(rule["condition"], quote=False) in text
    kinds = [line.split("|")[1].strip() for line in text.splitlines()[2:]]
    assert kinds == sorted(kinds, key=["Area to avoid", "Precaution"].index)
    with pytest.raises(ValueError, match="no screening rule comes from section '99'"):
        sheet_section_markdown("99")


def test_the_statin_rule_says_what_to_do_plainly():
    rule = {r["id"]: r for r in load("screening_rules")}["myalgia_medicine"]
    assert rule["category"] == "refer" and rule["sheet_facts"] == ["N55", "N56", "N57"]
    for words in ("Do not needle today", "both sides", "thighs", "4-6 weeks", "increasing its dose",
                  "back to their prescriber", "Never advise stopping the statin"):
        assert words in rule["action"], words


def test_lymphoedema_covers_limbs_at_risk_of_it(fact_sheet, rules):
    row = _table_4_2(fact_sheet)["Lymphoedema (affected limb)"]
    assert "limbs at risk of lymphoedema" in row["says"]
    rule = {r["id"]: r for r in load("screening_rules")}["lymphoedema"]
    assert "at risk" in rule["condition"] and "at risk" in rule["action"]
    assert "uk_clinic_lymphoedema" in rule["ref"]
    label = next(o["label"] for i in load("screening_inputs") if i["id"] == "at_site" for o in i["options"]
                 if o["value"] == "lymphoedema")
    assert "at risk" in label


def test_pneumothorax_timing_gives_no_cut_off():
    """Correction C2 of the fact sheet: '2 days' is the longest delay seen, not an upper limit."""
    text = " ".join(r["why"] for r in load("screening_rules")) + " ".join(c["explanation"] for c in load("screening_cases"))
    assert "hours to days later" not in text
    assert "no safe cut-off" in {r["id"]: r for r in load("screening_rules")}["thorax"]["why"]


def test_the_new_cases_cover_red_flags_and_electrical_needling(rules):
    cases = {c["id"]: c for c in load("screening_cases")}
    expected_rules = {"case_red_flag_cancer": "red_flag_cancer", "case_cauda_equina": "red_flag_cauda_equina",
                      "case_pacemaker_upper_back": "electrical_device_chest", "case_pacemaker_calf": "electrical_device"}
    for case_id, rule_id in expected_rules.items():
        assert rule_id in ids(rules.screen(cases[case_id]["patient"])), case_id
