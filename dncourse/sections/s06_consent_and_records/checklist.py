"""Tick-box checklists that say what is missing and why it matters (section 6).

Two checklists share this widget:

* the **consent conversation** (``data/consent_elements.csv``): tick what you
  covered with the patient;
* the **treatment record** (``data/record_items.csv``): tick what a record holds.

Every element carries the words you might use, why it matters and its sources.
After :meth:`Checklist.check` (the *Show what is missing* button) the feedback
lists each missing element with its reason and citation.  Elements marked
``when = "when local policy asks"`` are reminders, not gaps.  Drive it without a
browser with ``tick("what_it_is")`` and ``check_button.click()``.
"""

from __future__ import annotations

import html

from dncourse.content.loader import DataError, load
from dncourse.content.references import cite

__all__ = ["Checklist", "consent_checklist", "record_checklist"]

ALWAYS = "always"


class Checklist:
    """A list of labelled tick boxes, a *Show what is missing* button and feedback.

    Parameters
    ----------
    items : list of dict
        Rows with ``id``, ``position``, ``element`` (the label), ``say``, ``why``,
        ``when`` and ``refs``, as in ``consent_elements.csv``.
    title : str
        The heading shown above the boxes.
    noun : str
        What the items are called in the feedback ("elements", "items").
    say_label : str
        How the ``say`` text is introduced ("What to say", "Example").
    """

    def __init__(self, items: list[dict], title: str, noun: str = "elements",
                 say_label: str = "What to say"):
        from dncourse.ui.widgetkit import kit as w

        if not items:
            raise DataError("a checklist needs at least one item")
        self.items = sorted(items, key=lambda r: r["position"])
        self.noun = noun
        self.say_label = say_label
        self.title = w.HTML(f"<b>{html.escape(title)}</b>")
        self.boxes = {
            row["id"]: w.Checkbox(value=False, description=row["element"], indent=False,
                                  layout=w.Layout(width="auto"))
            for row in self.items
        }
        self.check_button = w.Button(description="Show what is missing", icon="list",
                                     tooltip="Compare what you ticked with the full checklist",
                                     layout=w.Layout(width="auto"))
        self.clear_button = w.Button(description="Untick all", icon="eraser",
                                     tooltip="Start the checklist again",
                                     layout=w.Layout(width="auto"))
        self.feedback = w.HTML(value="")
        self.checked = False
        self.check_button.on_click(lambda _b: self.check())
        self.clear_button.on_click(lambda _b: self.clear())
        for box in self.boxes.values():
            box.observe(self._on_change, names="value")
        self.widget = w.VBox([self.title, *self.boxes.values(),
                              w.HBox([self.check_button, self.clear_button]), self.feedback])

    # -- driving it -----------------------------------------------------------
    def _row(self, item_id: str) -> dict:
        for row in self.items:
            if row["id"] == item_id:
                return row
        raise KeyError(f"no checklist item {item_id!r}; the items are: {', '.join(self.boxes)}")

    def tick(self, *item_ids: str) -> None:
        """Tick the boxes ``item_ids``, as a click would."""
        for item_id in item_ids:
            self._row(item_id)
            self.boxes[item_id].value = True

    def untick(self, *item_ids: str) -> None:
        """Untick the boxes ``item_ids``."""
        for item_id in item_ids:
            self._row(item_id)
            self.boxes[item_id].value = False

    def clear(self) -> None:
        """Untick every box and hide the feedback."""
        for box in self.boxes.values():
            box.value = False
        self.checked = False
        self.feedback.value = ""

    def _on_change(self, _change) -> None:
        if self.checked:  # once the feedback is showing, keep it up to date
            self.check()

    # -- what is covered ------------------------------------------------------
    @property
    def ticked(self) -> list[str]:
        """The ids of the ticked items, in checklist order."""
        return [row["id"] for row in self.items if self.boxes[row["id"]].value]

    def missing(self) -> list[dict]:
        """The essential items (``when == "always"``) not ticked, in checklist order."""
        return [row for row in self.items if row["when"] == ALWAYS and not self.boxes[row["id"]].value]

    def reminders(self) -> list[dict]:
        """The items that depend on local policy and are not ticked."""
        return [row for row in self.items if row["when"] != ALWAYS and not self.boxes[row["id"]].value]

    def report_html(self) -> str:
        """The feedback: how many essential items are covered, and each gap with its reason."""
        essential = [row for row in self.items if row["when"] == ALWAYS]
        missing, reminders = self.missing(), self.reminders()
        done = len(essential) - len(missing)
        parts = [f"<p><b>You covered {done} of {len(essential)} essential {self.noun}.</b></p>"]
        if missing:
            parts.append("<p>Missing, and why each one matters:</p><ul>")
            parts += [self._item_html(row) for row in missing]
            parts.append("</ul>")
        else:
            parts.append(f"<p>&#10004; Every essential {self.noun[:-1]} is covered.</p>")
        if reminders:
            parts.append("<p>Check your local policy for:</p><ul>")
            parts += [self._item_html(row) for row in reminders]
            parts.append("</ul>")
        return "".join(parts)

    def _item_html(self, row: dict) -> str:
        return (f"<li><b>{html.escape(row['element'])}</b>. {html.escape(row['why'])}"
                f"<br><i>{html.escape(self.say_label)}:</i> {html.escape(row['say'])}"
                f"<br><small>Source: {html.escape(cite(row['refs']))}</small></li>")

    def check(self) -> str:
        """Show the feedback (what the button does) and return it."""
        self.checked = True
        self.feedback.value = self.report_html()
        return self.feedback.value

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def consent_checklist() -> Checklist:
    """The consent conversation checklist, from ``consent_elements.csv``."""
    return Checklist(load("consent_elements"),
                     "Tick each element you covered in the consent conversation:",
                     noun="elements", say_label="What to say")


def record_checklist() -> Checklist:
    """The treatment record checklist, from ``record_items.csv``."""
    return Checklist(load("record_items"),
                     "Tick each item the treatment record holds:",
                     noun="items", say_label="Example")
