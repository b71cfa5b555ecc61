"""Practice checks: ungraded multiple-choice questions inside a lesson.

Each check comes from the ``practice`` table (one file per section in
``dncourse/content/data/practice/``), shows its explanation and its sources
after the learner answers, and can be driven without a browser
(``check.choose(1); check.check_button.click()``).
"""

from __future__ import annotations

import html

from dncourse.content.loader import DataError, load
from dncourse.content.references import cite

__all__ = ["PracticeCheck", "practice"]


class PracticeCheck:
    """One practice question with radio buttons, a Check button and feedback."""

    def __init__(self, item: dict):
        from dncourse.ui.widgetkit import kit as w

        if not 0 <= item["answer"] < len(item["options"]):
            raise DataError(f"practice.json, id {item['id']!r}, field 'answer': "
                            f"{item['answer']} is not the index of one of its options")
        self.item = item
        self.question = w.HTML(f"<b>Practice check.</b> {html.escape(item['question'])}")
        self.choices = w.RadioButtons(options=[(text, i) for i, text in enumerate(item["options"])],
                                      value=None, description="Your answer:",
                                      style={"description_width": "initial"},
                                      layout=w.Layout(width="auto"))
        self.check_button = w.Button(description="Check my answer", icon="check", layout=w.Layout(width="auto"),
                                     tooltip="Check my answer and see the explanation")
        self.feedback = w.HTML(value="")
        self.check_button.on_click(self._on_check)
        self.widget = w.VBox([self.question, self.choices, self.check_button, self.feedback])

    def choose(self, index: int) -> None:
        """Select option ``index`` (0 is the first), as a click would."""
        self.choices.value = index

    def _on_check(self, _button=None) -> None:
        item = self.item
        if self.choices.value is None:
            self.feedback.value = "<p>Choose one of the options first, then press <i>Check my answer</i>.</p>"
            return
        right = self.choices.value == item["answer"]
        verdict = "&#10004; Right." if right else "&#10008; Not quite."
        answer = html.escape(item["options"][item["answer"]])
        shown = "" if right else f" The answer is: <i>{answer}</i>."
        self.feedback.value = (
            f"<p><b>{verdict}</b>{shown}</p><p>{html.escape(item['explanation'])}</p>"
            + (f"<p><small>Source: {html.escape(cite(item['refs']))}</small></p>" if item.get("refs") else ""))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def practice(check_id: str) -> PracticeCheck:
    """The practice check ``check_id`` from the ``practice`` table, ready to display."""
    items = {item["id"]: item for item in load("practice")}
    if check_id not in items:
        raise DataError(f"no practice check called {check_id!r} in practice.json")
    return PracticeCheck(items[check_id])
