"""The screening assistant: build a patient, see the decision and every reason (section 3).

The form is built from ``data/screening_inputs.json`` (one tick box, drop-down
or group of tick boxes per item) and the decision comes from the rules engine
in :mod:`dncourse.sections.s03_patient_selection.screening`, so the widget holds no clinical rule of its own.
Worked cases come from ``data/screening_cases.json``.

Drive it without a browser::

    tool = ScreeningAssistant()
    tool.set("consent_given", True)
    tool.set("medications", ["anticoagulant"])
    tool.result.decision          # 'precautions'
    tool.load_case("case_pregnant"); tool.explain_button.click()
"""

from __future__ import annotations

import html

from dncourse.content.loader import load
from dncourse.sections.s03_patient_selection.screening import CATEGORIES, RuleSet, ScreeningError

__all__ = ["ScreeningAssistant"]

_SYMBOLS = {  # a symbol and words, never colour alone
    "do_not_needle": "&#9940;",   # no entry
    "avoid_area": "&#9888;",      # warning sign
    "precautions": "&#9888;",
    "proceed": "&#10004;",        # tick
}
_NO_CASE = "(build your own patient)"


class ScreeningAssistant:
    """A screening form with a live decision, driven only by the data tables.

    Attributes
    ----------
    controls : dict
        Item id to its control: a ``Checkbox`` (yes/no), a ``Dropdown``
        (choice), or a dict of option value to ``Checkbox`` (tick-box list).
    decision : ipywidgets.HTML
        The decision and every reason, with its source.
    result : dncourse.sections.s03_patient_selection.screening.Result
        The last screening result.
    """

    def __init__(self, rules: RuleSet | None = None, cases: list[dict] | None = None):
        from dncourse.ui.widgetkit import kit as w

        self.rules = rules if rules is not None else RuleSet()
        self.cases = {case["id"]: case for case in (cases if cases is not None else load("screening_cases"))}
        for case in self.cases.values():
            self.rules.normalise(case["patient"])  # a case naming an unknown item fails here, loudly
        self._quiet = False
        self.case_id: str | None = None
        self.controls: dict = {}

        wide = w.Layout(width="auto")
        # A tick box in a list sits a little in from its heading; indent=True would keep an empty
        # description column (80px) beside it and cut the longer labels off.
        option_layout = w.Layout(width="auto", margin="0 0 0 24px")
        style = {"description_width": "initial"}
        groups: dict[str, list] = {}
        for item in self.rules.inputs:
            box = groups.setdefault(item["group"], [w.HTML(f"<b>{html.escape(item['group'])}</b>")])
            tip = item.get("help", item["label"])
            if item["kind"] == "yes_no":
                control = w.Checkbox(value=item["default"], description=item["label"], indent=False,
                                     tooltip=tip, layout=wide)
                control.observe(self._changed, names="value")
                box.append(control)
            elif item["kind"] == "choice":
                control = w.Dropdown(options=[(o["label"], o["value"]) for o in item["options"]],
                                     value=item["default"], description=f"{item['label']}:",
                                     tooltip=tip, style=style, layout=w.Layout(width="95%"))
                control.observe(self._changed, names="value")
                box.append(control)
            else:
                control = {}
                box.append(w.Label(value=f"{item['label']}:"))
                for option in item["options"]:
                    tick = w.Checkbox(value=option["value"] in item["default"], description=option["label"],
                                      indent=False, layout=option_layout)
                    tick.observe(self._changed, names="value")
                    control[option["value"]] = tick
                    box.append(tick)
            self.controls[item["id"]] = control
        columns = list(groups.values())
        half = self._split(columns)
        form = w.HBox([w.VBox([child for col in columns[:half] for child in col],
                              layout=w.Layout(width="50%")),
                       w.VBox([child for col in columns[half:] for child in col],
                              layout=w.Layout(width="50%"))])

        self.case_picker = w.Dropdown(
            options=[(_NO_CASE, None)] + [(case["title"], cid) for cid, case in self.cases.items()],
            value=None, description="Worked case:", style=style, layout=w.Layout(width="70%"))
        self.case_picker.observe(lambda change: self.load_case(change["new"]), names="value")
        self.case_text = w.HTML()
        self.explain_button = w.Button(description="Show the explanation", icon="lightbulb-o", disabled=True,
                                       tooltip="Show why this case gets its decision",
                                       layout=w.Layout(width="auto"))
        self.explain_button.on_click(lambda _b: self.explain())
        self.reset_button = w.Button(description="Clear the form", icon="eraser",
                                     tooltip="Start again from an empty form", layout=w.Layout(width="auto"))
        self.reset_button.on_click(lambda _b: self.reset())
        self.explanation = w.HTML()
        self.decision = w.HTML()
        intro = w.HTML("<p>Tick what applies to the patient. The decision below updates as you go; "
                       "the most restrictive finding decides, and every reason is listed with its source. "
                       "Or pick a worked case.</p>")
        self.widget = w.VBox([intro, w.HBox([self.case_picker, self.reset_button]), self.case_text,
                              self.explain_button, self.explanation, form,
                              w.HTML("<hr>"), self.decision])
        self.result = None
        self._update()

    @staticmethod
    def _split(columns: list[list]) -> int:
        """How many groups go in the left column, keeping the form's order, so that the columns are
        as close in length (counted in rows) as possible; ties go to the left column."""
        if len(columns) < 2:
            return len(columns)
        sizes = [len(col) for col in columns]
        total = sum(sizes)
        return min(range(1, len(columns)), key=lambda k: (abs(total - 2 * sum(sizes[:k])), -k))

    # -- reading and setting the form ------------------------------------

    def patient(self) -> dict:
        """The patient the form describes now, as the rules engine reads it."""
        patient = {}
        for name, control in self.controls.items():
            if isinstance(control, dict):
                patient[name] = [value for value, tick in control.items() if tick.value]
            else:
                patient[name] = control.value
        return patient

    def _put(self, name: str, value) -> None:
        control = self.controls[name]
        if isinstance(control, dict):
            for option, tick in control.items():
                tick.value = option in value
        else:
            control.value = value

    def set(self, name: str, value) -> None:
        """Set item ``name`` as a learner would (``True``, an option value, or a list of values).

        Raises :class:`dncourse.sections.s03_patient_selection.screening.ScreeningError` for an unknown item or value.
        """
        value = self.rules.normalise({name: value})[name]
        self._put(name, value)

    def set_patient(self, patient: dict) -> None:
        """Fill the form with ``patient``; items it leaves out go back to their defaults."""
        patient = self.rules.normalise(patient)  # checks everything before changing anything
        self._quiet = True
        try:
            for name, value in patient.items():
                self._put(name, value)
        finally:
            self._quiet = False
        self._update()

    def reset(self) -> None:
        """Empty the form and forget the worked case."""
        self._set_case(None)
        self.set_patient({})

    # -- worked cases ---------------------------------------------------------

    def _set_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self._quiet = True
        try:
            self.case_picker.value = case_id
        finally:
            self._quiet = False
        self.explanation.value = ""
        self.explain_button.disabled = case_id is None
        if case_id is None:
            self.case_text.value = ""
        else:
            case = self.cases[case_id]
            self.case_text.value = (f"<blockquote><b>{html.escape(case['title'])}.</b> "
                                    f"{html.escape(case['vignette'])}</blockquote>"
                                    "<p>The form below now describes this patient. What would you decide? "
                                    "Then read the decision, and press <i>Show the explanation</i>.</p>")

    def load_case(self, case_id: str | None) -> None:
        """Show worked case ``case_id`` and fill the form with its patient (``None``: no case)."""
        if self._quiet or case_id == self.case_id:
            return
        if case_id is not None and case_id not in self.cases:
            raise ScreeningError(f"no worked case called {case_id!r}; the cases are: {', '.join(self.cases)}")
        self._set_case(case_id)
        if case_id is not None:
            self.set_patient(self.cases[case_id]["patient"])

    def explain(self) -> None:
        """Show the explanation of the current worked case."""
        from dncourse.content.references import cite

        if self.case_id is None:
            self.explanation.value = "<p>Pick a worked case first.</p>"
            return
        case = self.cases[self.case_id]
        self.explanation.value = (f"<p><b>Explanation.</b> {html.escape(case['explanation'])}</p>"
                                  f"<p><small>Sources: {html.escape(cite(case['refs']))}</small></p>")

    # -- the decision ---------------------------------------------------------

    def _changed(self, _change=None) -> None:
        if not self._quiet:
            self._update()

    def _update(self) -> None:
        self.result = self.rules.screen(self.patient())
        self.decision.value = self.render(self.result)

    @staticmethod
    def render(result) -> str:
        """The decision and its reasons as HTML."""
        parts = [f"<h4>{_SYMBOLS[result.decision]} Decision: {html.escape(result.label)}</h4>"]
        if not result.findings:
            parts.append("<p>No screening finding applies. Proceed with your usual care, consent and checks, "
                         "and screen again at every visit.</p>")
        for category, (_decision, heading) in CATEGORIES.items():
            found = result.by_category(category)
            if not found:
                continue
            items = []
            for finding in found:
                rule = finding.rule
                note = "" if rule["verification"] == "verified" else f" ({html.escape(rule['verification'])})"
                items.append(f"<li><b>{html.escape(rule['condition'])}.</b> {html.escape(rule['action'])}"
                             f"<br><i>Why:</i> {html.escape(rule['why'])}"
                             f"<br><small>Source: {html.escape(finding.citation())}{note}</small></li>")
            parts.append(f"<p><b>{heading}</b></p><ul>{''.join(items)}</ul>")
        parts.append("<p><small>This tool supports, and does not replace, clinical judgement. Where your local "
                     "guideline or your employer's policy differs, follow them.</small></p>")
        return "".join(parts)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
