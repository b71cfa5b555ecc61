"""Section 4 widgets: the adverse-event explorer and the rule-of-three calculator.

Both read their numbers from ``data/adverse_events.csv`` (through
:mod:`dncourse.sections.s04_risks_and_adverse_events.adverse_events`) and do their arithmetic in
:mod:`dncourse.sections.s04_risks_and_adverse_events.risk`.  Each has a ``.widget`` (a VBox), shows itself in a
notebook, and has a :meth:`set` method so tests can drive it without a browser.
"""

from __future__ import annotations

from dncourse.sections.s04_risks_and_adverse_events.adverse_events import (DN_STUDIES, expected_counts_alt_text, expected_events,
                             plot_expected_counts, plot_rule_of_three, rule_of_three_alt_text,
                             serious_event, serious_rate, total_mild)
from dncourse.ui.figures import Plot, ShowsPlot
from dncourse.content.references import cite
from dncourse.sections.s04_risks_and_adverse_events.risk import (chance_of_at_least_one, exact_upper_bound, expected_count, format_count,
                   format_percent, one_in, rule_of_three)

__all__ = ["AdverseEventExplorer", "RuleOfThreeCalculator"]

_WIDE = {"description_width": "initial"}


def _number_pair(w, description, value, minimum, maximum, step, box_label):
    """A slider that redraws on release, with a labelled box to type the same value; kept in step."""
    slider = w.IntSlider(value=value, min=minimum, max=maximum, step=step, description=description,
                         continuous_update=False, style=_WIDE, layout=w.Layout(width="420px"))
    box = w.BoundedIntText(value=value, min=minimum, max=maximum, step=1, description=box_label,
                           style=_WIDE, layout=w.Layout(width="190px"))
    w.link((slider, "value"), (box, "value"))
    return slider, box


class AdverseEventExplorer(ShowsPlot):
    """Expected adverse events in a number of treatments, from one or both dry needling surveys.

    Drive it with ``explorer.set(study="both", treatments=400)``.  After each
    update, :attr:`data` holds the plotted numbers (``{study: {event: expected}}``),
    :attr:`serious` the serious-event figures, and :attr:`fig`/:attr:`ax` the figure.
    """

    STUDY_CHOICES = {"brady2014": "Brady et al. 2014 (Ireland, 7,629 treatments)",
                     "boyce2020": "Boyce et al. 2020 (USA, 20,464 treatments)",
                     "both": "Both surveys, side by side"}

    def __init__(self, treatments: int = 300):
        from dncourse.ui.widgetkit import kit as w

        self.study = w.Dropdown(options=[(text, key) for key, text in self.STUDY_CHOICES.items()],
                                value="brady2014", description="Study:", style=_WIDE,
                                layout=w.Layout(width="420px"))
        self.treatments, self.treatments_box = _number_pair(
            w, "Number of treatments:", treatments, 10, 5000, 10, "or type a number:")
        self.summary = w.HTML()
        self.out = w.Output()
        self.data: dict[str, dict[str, float]] = {}
        self.serious: dict[str, dict] = {}
        self.plot: Plot | None = None
        self.study.observe(lambda _change: self.update(), names="value")
        self.treatments.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([
            w.HTML("<b>Adverse-event explorer.</b> Choose a dry needling survey and a number of "
                   "treatments (for example, your clinic's month) to see how many mild events to "
                   "expect, and how likely a serious one is."),
            self.study, w.HBox([self.treatments, self.treatments_box]), self.summary, self.out])
        self.update()

    def set(self, study: str | None = None, treatments: int | None = None) -> None:
        """Choose the study (``"brady2014"``, ``"boyce2020"`` or ``"both"``) and/or the treatments."""
        if study is not None:
            if study not in self.STUDY_CHOICES:
                raise ValueError(f"study must be one of {', '.join(self.STUDY_CHOICES)}")
            self.study.value = study
        if treatments is not None:
            self.treatments.value = treatments  # the observer redraws

    @property
    def refs(self) -> list[str]:
        """The studies shown now."""
        return list(DN_STUDIES) if self.study.value == "both" else [self.study.value]

    def _serious_figures(self, ref: str, n: int) -> dict:
        rate, kind = serious_rate(ref)
        row = serious_event(ref)
        return {"rate_percent": rate, "kind": kind, "expected": expected_count(rate, n),
                "chance": chance_of_at_least_one(rate, n), "term": row["study_term"],
                "count": row["count"], "denominator": row["denominator"]}

    def _sentence(self, ref: str, n: int) -> str:
        mild = total_mild(ref)
        s = self.serious[ref]
        total = expected_count(mild["percent"], n)
        called = "" if mild["study_term"] == "mild" else f" (called <i>{mild['study_term']}</i>)"
        text = (f"<p><b>{cite(ref)}.</b> Mild events{called}: {mild['percent']:g}% of "
                f"treatments, so about <b>{format_count(total)}</b> in {n:,} treatments. ")
        if s["kind"] == "upper bound":
            text += (f"Serious events (called <i>{s['term']}</i> in this study): none were seen in "
                     f"{s['denominator']:,} treatments, so the risk is "
                     f"probably at most {format_percent(s['rate_percent'])} per treatment (an upper bound, "
                     f"not a measured rate). At that upper bound, the chance of at least one serious event "
                     f"in {n:,} treatments would be <b>up to {format_percent(s['chance'] * 100)}</b>; "
                     f"the true chance may be much lower.</p>")
        else:
            text += (f"Major events (as this study defined them, for example pneumothorax, excessive "
                     f"bleeding or prolonged aggravation): {s['count']} in {s['denominator']:,} treatments, "
                     f"{format_percent(s['rate_percent'])}. At that rate, about "
                     f"{format_count(s['expected'])} would be expected in {n:,} treatments, and the chance "
                     f"of at least one is <b>{format_percent(s['chance'] * 100)}</b>.</p>")
        return text

    def update(self) -> None:
        """Recompute the numbers and redraw the chart for the current choices."""
        n = int(self.treatments.value)
        refs = self.refs
        keys = None if len(refs) == 1 else ("bruising", "bleeding", "pain_during", "all_mild")
        self.data = {ref: expected_events(ref, n, keys) for ref in refs}
        self.serious = {ref: self._serious_figures(ref, n) for ref in refs}
        self.summary.value = "".join(self._sentence(ref, n) for ref in refs) + (
            "<p><small>These are averages from the surveys, not a forecast for your clinic. The two "
            "surveys counted events differently, so read them as a range.</small></p>")
        self.plot = Plot(plot_expected_counts, refs, n)
        with self.out:
            self.out.clear_output(wait=True)
            self.plot.show(alt=expected_counts_alt_text(refs, n))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class RuleOfThreeCalculator(ShowsPlot):
    """No events in n treatments: the 95% upper bound by the rule of three and exactly.

    Drive it with ``calc.set(1500)``; :attr:`result` then holds both bounds
    (as proportions) and :attr:`fig`/:attr:`ax` the plot.
    """

    def __init__(self, n: int = 7629):
        from dncourse.ui.widgetkit import kit as w

        self.n, self.n_box = _number_pair(w, "Treatments with no serious event (n):", n, 1, 100_000, 1,
                                          "or type n:")
        self.answer = w.HTML()
        self.out = w.Output()
        self.result: dict = {}
        self.plot: Plot | None = None
        self.n.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([
            w.HTML("<b>Rule-of-three calculator.</b> Set how many treatments were given with no serious "
                   "event, and see how high the risk could still be (95% upper bound)."),
            w.HBox([self.n, self.n_box]), self.answer, self.out])
        self.update()

    def set(self, n: int) -> None:
        """Set the number of treatments with no event (1 to 100,000)."""
        self.n.value = n

    def update(self) -> None:
        """Recompute both bounds, the text and the plot for the current n."""
        n = int(self.n.value)
        approx, exact = rule_of_three(n), exact_upper_bound(n)
        self.result = {"n": n, "rule_of_three": approx, "exact": exact,
                       "one_in_rule": one_in(approx), "one_in_exact": one_in(exact)}
        caution = ("" if n > 30 else
                   "<p><i>With 30 treatments or fewer the rule of three is only rough: use the exact "
                   "value.</i></p>")
        self.answer.value = (
            "<table>"
            f"<tr><td>Rule of three, 3 / n:</td><td><b>{format_percent(approx * 100)}</b></td>"
            f"<td>(about 1 in {one_in(approx):,} treatments)</td></tr>"
            f"<tr><td>Exact, 1 &minus; 0.05<sup>1/n</sup>:</td><td><b>{format_percent(exact * 100)}</b></td>"
            f"<td>(about 1 in {one_in(exact):,} treatments)</td></tr></table>"
            f"<p>No serious event in {n:,} treatments does <b>not</b> mean the risk is zero. It means "
            f"the risk is probably (with 95% confidence) below about 1 in {one_in(approx):,}.</p>" + caution)
        self.plot = Plot(plot_rule_of_three, n)
        with self.out:
            self.out.clear_output(wait=True)
            self.plot.show(alt=rule_of_three_alt_text(n))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
