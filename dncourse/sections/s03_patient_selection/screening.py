"""Screening a patient before dry needling: the rules engine (section 3).

Everything clinical lives in two data tables, read by the one loader:

* ``data/screening_inputs.json``: the items of the screening form (yes/no
  questions, choices and tick-box lists), their labels, options and defaults;
* ``data/screening_rules.csv``: one row per condition, with its category
  (``absolute``, ``avoid_area``, ``precaution`` or ``refer``: stop and refer,
  as for the red flags), the form answers that trigger it, what to do, why,
  the citation keys, the fact sheet's verification tag and where in the
  fact sheet it comes from.

This module holds no clinical case of its own.  :meth:`RuleSet.screen` fills
in the form's defaults, rejects any item or value the form does not know
(naming it), finds every rule whose trigger holds, and returns a
:class:`Result` whose decision is the most restrictive finding:

``do_not_needle`` (an absolute contraindication, or a reason to stop and refer) > ``avoid_area`` > ``precautions`` > ``proceed``.

A trigger is a list of ``item=value`` terms that must all hold; ``|`` between
values means any one of them (``area=chest|upper_back``).  For a yes/no item
the value is ``yes`` or ``no``; for a tick-box list the term holds when any of
the named boxes is ticked.

The widget in :mod:`dncourse.sections.s03_patient_selection.screening_widget` is one user of this module;
the lesson's tables and the tests are others.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from dncourse.ui.figures import show_plot
from dncourse.content.loader import DataError, load

__all__ = [
    "CATEGORIES",
    "DECISIONS",
    "SEVERITY",
    "ScreeningError",
    "Finding",
    "Result",
    "RuleSet",
    "screen",
    "rules_markdown",
    "show_rules",
    "sheet_section_markdown",
    "show_sheet_section_rules",
    "SUPPORT_LEVELS",
    "support_counts",
    "plot_rule_support",
    "show_rule_support",
    "rule_support_alt_text",
]

#: What each decision is called on screen, most restrictive first.
DECISIONS = {
    "do_not_needle": "Do not needle",
    "avoid_area": "Avoid this area",
    "precautions": "Needle with these precautions",
    "proceed": "Proceed",
}
#: Decisions in order of restriction: the first one any finding reaches wins.
SEVERITY = tuple(DECISIONS)
#: Each rule category, the decision it leads to, and how a heading names it.
CATEGORIES = {
    "absolute": ("do_not_needle", "Absolute contraindication"),
    "avoid_area": ("avoid_area", "Area to avoid"),
    "precaution": ("precautions", "Precaution"),
    "refer": ("do_not_needle", "Stop and refer"),
}

_YES_NO = {"yes": True, "no": False}


class ScreeningError(ValueError):
    """A patient description the screening form does not understand; the message names the item."""


@dataclass(frozen=True)
class Finding:
    """One rule that applies to the patient."""

    rule: dict

    @property
    def id(self) -> str:
        return self.rule["id"]

    @property
    def category(self) -> str:
        return self.rule["category"]

    @property
    def decision(self) -> str:
        return CATEGORIES[self.category][0]

    @property
    def heading(self) -> str:
        """'Absolute contraindication', 'Area to avoid', 'Precaution' or 'Stop and refer'."""
        return CATEGORIES[self.category][1]

    def citation(self) -> str:
        """The in-text citation of the rule's sources, e.g. 'WHO 1999; Kalichman & Vulfsons 2010'."""
        from dncourse.content.references import cite

        return cite(self.rule["ref"])

    def text(self) -> str:
        """The finding as plain text: heading, condition, what to do, why and the sources."""
        note = "" if self.rule["verification"] == "verified" else f" [{self.rule['verification']}]"
        return (f"{self.heading}: {self.rule['condition']}. What to do: {self.rule['action']} "
                f"Why: {self.rule['why']} ({self.citation()}){note}")


@dataclass
class Result:
    """The outcome of screening one patient."""

    decision: str
    findings: list[Finding] = field(default_factory=list)
    patient: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The decision in words, e.g. 'Needle with these precautions'."""
        return DECISIONS[self.decision]

    def by_category(self, category: str) -> list[Finding]:
        """The findings of one category, in the rules file's order."""
        return [f for f in self.findings if f.category == category]

    @property
    def rule_ids(self) -> list[str]:
        return [f.id for f in self.findings]

    def report(self) -> str:
        """The decision and every reason, with its citation, as plain text."""
        lines = [f"Decision: {self.label}."]
        if not self.findings:
            lines.append("No screening finding applies. Proceed with your usual care and checks.")
        for finding in self.findings:
            lines.append(f"- {finding.text()}")
        return "\n".join(lines)


def _parse_term(term: str) -> tuple[str, list[str]]:
    name, _, values = term.partition("=")
    return name, values.split("|")


class RuleSet:
    """The screening form and its rules, checked against each other when loaded.

    Parameters
    ----------
    rules, inputs
        Rows as :func:`dncourse.content.loader.load` returns them; by default the
        course's ``screening_rules`` and ``screening_inputs`` tables.

    Raises
    ------
    DataError
        When a rule's trigger names an item or a value the form does not have,
        or an item's default is not one of its options.
    """

    def __init__(self, rules: list[dict] | None = None, inputs: list[dict] | None = None):
        self.rules = rules if rules is not None else load("screening_rules")
        self.inputs = inputs if inputs is not None else load("screening_inputs")
        self.items = {item["id"]: item for item in self.inputs}
        for item in self.inputs:
            self._check_default(item)
        self._triggers = {}
        for rule in self.rules:
            if rule["category"] not in CATEGORIES:
                raise DataError(f"screening_rules, id {rule['id']!r}, field 'category': "
                                f"{rule['category']!r} is not one of {', '.join(CATEGORIES)}")
            self._triggers[rule["id"]] = [self._check_term(rule["id"], term) for term in rule["trigger"]]

    # -- checking the data -------------------------------------------------

    def values(self, name: str) -> list[str]:
        """The values item ``name`` can take ('yes'/'no' for a yes/no question)."""
        item = self.items[name]
        if item["kind"] == "yes_no":
            return list(_YES_NO)
        return [option["value"] for option in item["options"]]

    def _check_default(self, item: dict) -> None:
        where = f"screening_inputs, id {item['id']!r}, field 'default'"
        default = item["default"]
        if item["kind"] == "choice" and default not in self.values(item["id"]):
            raise DataError(f"{where}: {default!r} is not one of its options")
        if item["kind"] == "multi":
            unknown = [v for v in default if v not in self.values(item["id"])]
            if unknown:
                raise DataError(f"{where}: {', '.join(map(repr, unknown))} is not one of its options")

    def _check_term(self, rule_id: str, term: str) -> tuple[str, set]:
        where = f"screening_rules, id {rule_id!r}, field 'trigger'"
        name, values = _parse_term(term)
        if name not in self.items:
            raise DataError(f"{where}: {name!r} is not an item of the screening form "
                            f"(screening_inputs.json); the items are: {', '.join(self.items)}")
        unknown = [v for v in values if v not in self.values(name)]
        if unknown:
            raise DataError(f"{where}: {', '.join(map(repr, unknown))} is not a value of {name!r}; "
                            f"its values are: {', '.join(self.values(name))}")
        if self.items[name]["kind"] == "yes_no":
            return name, {_YES_NO[v] for v in values}
        return name, set(values)

    # -- reading a patient -------------------------------------------------

    def defaults(self) -> dict:
        """A patient with every item at its default (an empty form)."""
        return {name: (list(item["default"]) if item["kind"] == "multi" else item["default"])
                for name, item in self.items.items()}

    def normalise(self, patient: dict) -> dict:
        """``patient`` with defaults filled in and every item and value checked.

        Raises
        ------
        ScreeningError
            For an item the form does not have, or a value an item cannot take;
            the message names it and lists what is allowed.
        """
        if not isinstance(patient, dict):
            raise ScreeningError("describe the patient as a dict of screening items, "
                                 "for example {'consent_given': True, 'area': 'limb'}")
        unknown = [name for name in patient if name not in self.items]
        if unknown:
            raise ScreeningError(f"unknown screening item {', '.join(map(repr, unknown))}; "
                                 f"the items are: {', '.join(self.items)}")
        result = self.defaults()
        for name, value in patient.items():
            result[name] = self._value(name, value)
        return result

    def _value(self, name: str, value):
        item = self.items[name]
        label = f"{name!r} ({item['label']})"
        if item["kind"] == "yes_no":
            if isinstance(value, str) and value.strip().lower() in _YES_NO:
                return _YES_NO[value.strip().lower()]
            if not isinstance(value, bool):
                raise ScreeningError(f"{label} must be True or False, not {value!r}")
            return value
        allowed = self.values(name)
        if item["kind"] == "choice":
            if value not in allowed:
                raise ScreeningError(f"unknown value {value!r} for {label}; "
                                     f"the choices are: {', '.join(allowed)}")
            return value
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, (list, tuple, set, frozenset)):
            raise ScreeningError(f"{label} must be a list of values, not {value!r}")
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ScreeningError(f"unknown value {', '.join(map(repr, unknown))} in {label}; "
                                 f"the known values are: {', '.join(allowed)}")
        return [v for v in allowed if v in values]  # the form's order, no repeats

    # -- screening ---------------------------------------------------------

    def _holds(self, patient: dict, name: str, wanted: set) -> bool:
        value = patient[name]
        if self.items[name]["kind"] == "multi":
            return bool(wanted.intersection(value))
        return value in wanted

    def applies(self, rule_id: str, patient: dict) -> bool:
        """Whether rule ``rule_id`` applies to an already normalised ``patient``."""
        return all(self._holds(patient, name, wanted) for name, wanted in self._triggers[rule_id])

    def screen(self, patient: dict) -> Result:
        """Screen ``patient``: every rule that applies, and the most restrictive decision."""
        patient = self.normalise(patient)
        findings = [Finding(rule) for rule in self.rules if self.applies(rule["id"], patient)]
        findings.sort(key=lambda f: SEVERITY.index(f.decision))  # stable: file order within a category
        decision = findings[0].decision if findings else "proceed"
        return Result(decision=decision, findings=findings, patient=patient)


def screen(patient: dict) -> Result:
    """Screen ``patient`` with the course's rules; see :meth:`RuleSet.screen`."""
    return RuleSet().screen(patient)


def rules_markdown(category: str, rules: list[dict] | None = None) -> str:
    """The rules of one category as a Markdown table (condition, what to do, source)."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
    rules = rules if rules is not None else load("screening_rules")
    return _rules_table([r for r in rules if r["category"] == category], with_kind=False)


def show_rules(category: str) -> str:
    """Display :func:`rules_markdown` for ``category`` in the notebook."""
    from IPython.display import Markdown, display

    text = rules_markdown(category)
    display(Markdown(text))
    return text


def sheet_section_markdown(sheet_section: str, rules: list[dict] | None = None) -> str:
    """The rules that come from one section of the fact sheet (e.g. ``"13"``, electrical dry needling)
    as a Markdown table: kind of rule, condition, what to do, source; most restrictive kind first."""
    rules = rules if rules is not None else load("screening_rules")
    chosen = [r for r in rules if r["sheet_section"] == sheet_section]
    if not chosen:
        raise ValueError(f"no screening rule comes from section {sheet_section!r} of the fact sheet")
    chosen.sort(key=lambda r: SEVERITY.index(CATEGORIES[r["category"]][0]))  # stable: file order within a kind
    return _rules_table(chosen, with_kind=True)


def _rules_table(rules: list[dict], with_kind: bool) -> str:
    """``rules`` as a Markdown table: (kind,) condition, what to do, source with how firmly it was checked."""
    from dncourse.content.references import cite

    header = (["Kind"] if with_kind else []) + ["Condition", "What to do", "Source"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for rule in rules:
        source = cite(rule["ref"])
        if rule["verification"] != "verified":
            source += f" *({rule['verification']})*"
        cells = ([CATEGORIES[rule["category"]][1]] if with_kind else []) + [rule["condition"], rule["action"], source]
        lines.append("| " + " | ".join(html.escape(c, quote=False).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def show_sheet_section_rules(sheet_section: str) -> str:
    """Display :func:`sheet_section_markdown` for ``sheet_section`` in the notebook."""
    from IPython.display import Markdown, display

    text = sheet_section_markdown(sheet_section)
    display(Markdown(text))
    return text


#: How firmly the fact sheet checked a rule, grouped into three levels for plotting.
SUPPORT_LEVELS = {
    "confirmed in the primary record": ("verified",),
    "seen only in a secondary source": ("verified (secondary)", "verified (secondary, truncated)"),
    "weak, or only a heading seen": ("verified (secondary, weak)", "verified (heading only)"),
}
_PLURAL = {"absolute": "Absolute contraindications", "avoid_area": "Areas to avoid", "precaution": "Precautions",
           "refer": "Stop and refer"}


def support_counts(rules: list[dict] | None = None) -> dict[str, dict[str, int]]:
    """For each category, how many rules sit at each level of :data:`SUPPORT_LEVELS`."""
    rules = rules if rules is not None else load("screening_rules")
    counts = {category: {level: 0 for level in SUPPORT_LEVELS} for category in CATEGORIES}
    for rule in rules:
        level = next(name for name, tags in SUPPORT_LEVELS.items() if rule["verification"] in tags)
        counts[rule["category"]][level] += 1
    return counts


def plot_rule_support(rules: list[dict] | None = None):
    """Stacked bars: how many screening rules of each category rest on each level of evidence.

    Each level has its own colour **and** hatch pattern, and each bar segment
    is labelled with its count, so nothing rests on colour alone.  Returns
    ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from dncourse.ui.figures import PALETTE, course_style

    counts = support_counts(rules)
    names = [_PLURAL[c] for c in CATEGORIES]
    hatches = ["", "//", ".."]
    with course_style():
        fig, ax = plt.subplots(figsize=(6.2, 3.4))
        left = [0] * len(CATEGORIES)
        for i, level in enumerate(SUPPORT_LEVELS):
            widths = [counts[c][level] for c in CATEGORIES]
            bars = ax.barh(names, widths, left=left, color=PALETTE[i] if i == 0 else "white",
                           edgecolor=PALETTE[i], hatch=hatches[i], linewidth=1.5, label=level)
            for bar, width in zip(bars, widths):
                bar.set_visible(width > 0)  # an empty segment would still draw its edge
                if width:
                    ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2, str(width),
                            ha="center", va="center", fontsize=10, fontweight="bold",
                            color="white" if i == 0 else "black",
                            bbox=None if i == 0 else {"facecolor": "white", "edgecolor": "none", "pad": 1})
            left = [a + b for a, b in zip(left, widths)]
        ax.invert_yaxis()
        ax.set_xlabel("Number of screening rules in the course's rules file")
        ax.set_title("How firmly is each kind of screening rule supported?")
        handles = [Patch(facecolor=PALETTE[i] if i == 0 else "white", edgecolor=PALETTE[i], hatch=hatches[i],
                         linewidth=1.5, label=level) for i, level in enumerate(SUPPORT_LEVELS)]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, fontsize=9,
                  frameon=False)
    return fig, ax


def rule_support_alt_text(rules: list[dict] | None = None) -> str:
    """A sentence giving every count in :func:`plot_rule_support`, for the figure's alt text."""
    plural = _PLURAL
    counts = support_counts(rules)
    parts = []
    for category, levels in counts.items():
        detail = ", ".join(f"{level}: {n}" for level, n in levels.items())
        parts.append(f"{plural[category]}, {sum(levels.values())} rules ({detail})")
    return "Stacked bar chart of the screening rules by category and strength of support. " + "; ".join(parts) + "."


def show_rule_support(rules: list[dict] | None = None) -> None:
    """Show the figure of the support behind each screening rule (:func:`plot_rule_support`) with its alt text."""
    show_plot(plot_rule_support, rules, alt=rule_support_alt_text(rules))
