"""Safe session sequencer: put the steps of a clean needling session in order (section 5).

The steps, their right positions, the reason for each position and the
sources come from ``data/session_steps.csv``.  The learner moves steps up
and down, then checks; every misplaced step is shown with the reason it
belongs elsewhere.  Tests drive it with :meth:`SessionSequencer.set_order`,
:meth:`SessionSequencer.move` or the buttons' ``click()``.
"""

from __future__ import annotations

import html
import random

from dncourse.content.loader import DataError, load
from dncourse.content.references import cite

__all__ = ["SessionSequencer", "misplaced_steps", "check_positions"]


def check_positions(steps: list[dict]) -> None:
    """Raise :class:`DataError` unless the steps' positions are exactly 1, 2, ... n."""
    positions = sorted(step["position"] for step in steps)
    if positions != list(range(1, len(steps) + 1)):
        raise DataError("session_steps.csv, field 'position': the positions must be 1 to "
                        f"{len(steps)}, each used once; found {positions}")


def misplaced_steps(order: list[str], steps: list[dict]) -> list[tuple[str, int, int]]:
    """The steps of ``order`` (a list of step ids) that are out of place.

    Returns ``(step id, position now, right position)`` for each, positions counted from 1.
    """
    right = {step["id"]: step["position"] for step in steps}
    if sorted(order) != sorted(right):
        raise ValueError("the order must list every step id exactly once")
    return [(step_id, now, right[step_id]) for now, step_id in enumerate(order, start=1)
            if right[step_id] != now]


class SessionSequencer:
    """The steps of a needling session, shuffled, for the learner to put in order."""

    def __init__(self, steps: list[dict] | None = None, seed: int = 5):
        from dncourse.ui.widgetkit import kit as w

        self.steps = steps if steps is not None else load("session_steps")
        check_positions(self.steps)
        self._by_id = {step["id"]: step for step in self.steps}
        self.seed = seed
        self.order = self._shuffled()
        self.intro = w.HTML("<p><b>Put the steps of a needling session in order.</b> Use <i>Up</i> and "
                            "<i>Down</i> to move a step, then press <i>Check my order</i>.</p>")
        self.rows_box = w.VBox()
        self.check_button = w.Button(description="Check my order", icon="check",
                                     tooltip="Check the order and see why misplaced steps belong elsewhere")
        self.check_button.on_click(lambda _b: self.check())
        self.shuffle_button = w.Button(description="Shuffle again", icon="random",
                                       tooltip="Start again with the steps in a new order")
        self.shuffle_button.on_click(lambda _b: self.shuffle())
        self.feedback = w.HTML()
        self.widget = w.VBox([self.intro, self.rows_box, w.HBox([self.check_button, self.shuffle_button]),
                              self.feedback])
        self._build_rows()
        self._draw()

    def _shuffled(self) -> list[str]:
        ids = [step["id"] for step in sorted(self.steps, key=lambda s: s["position"])]
        order = ids[:]
        rng = random.Random(self.seed)
        while order == ids and len(ids) > 1:
            rng.shuffle(order)
        return order

    # --- actions -----------------------------------------------------------
    def set_order(self, order: list[str]) -> None:
        """Put the steps in ``order`` (a list of every step id once)."""
        if sorted(order) != sorted(self._by_id):
            raise ValueError("the order must list every step id exactly once")
        self.order = list(order)
        self.feedback.value = ""
        self._draw()

    def move(self, step_id: str, position: int) -> None:
        """Move step ``step_id`` to ``position`` (1 is the first); the others shift."""
        if step_id not in self._by_id:
            raise ValueError(f"no step {step_id!r}")
        if not 1 <= position <= len(self.order):
            raise ValueError(f"position must be from 1 to {len(self.order)}")
        order = [s for s in self.order if s != step_id]
        order.insert(position - 1, step_id)
        self.set_order(order)

    def shuffle(self) -> None:
        """Start again with a new shuffled order."""
        self.seed += 1
        self.set_order(self._shuffled())

    def check(self) -> list[tuple[str, int, int]]:
        """Show which steps are misplaced, and why; return them (see :func:`misplaced_steps`)."""
        wrong = misplaced_steps(self.order, self.steps)
        right = len(self.order) - len(wrong)
        if not wrong:
            text = (f"<p><b>&#10004; All {len(self.order)} steps are in the right order.</b> "
                    "That is the clean needle routine.</p>")
        else:
            items = []
            for step_id, now, should in wrong:
                step = self._by_id[step_id]
                items.append(f"<li><b>&#10008; &ldquo;{html.escape(step['step'])}&rdquo;</b> is step {now} in "
                             f"your order, but belongs at step {should}. {html.escape(step['reason'])} "
                             f"<small>(Sources: {html.escape(cite(step['refs']))})</small></li>")
            text = (f"<p><b>{right} of {len(self.order)} steps are in the right place.</b> "
                    "Move the steps marked &#10008;, then check again.</p><ul>" + "".join(items) + "</ul>")
        self.feedback.value = text
        self._draw(marks={step_id for step_id, _, _ in wrong})
        return wrong

    # --- display -----------------------------------------------------------
    def _build_rows(self) -> None:
        """One row per position (Up, Down, the step's text), made once; :meth:`_draw` fills them in."""
        from dncourse.ui.widgetkit import kit as w

        rows, self.up_buttons, self.down_buttons, self._texts = [], [], [], []
        for index in range(len(self.order)):
            up = w.Button(description="Up", icon="arrow-up", layout={"width": "70px"})
            down = w.Button(description="Down", icon="arrow-down",
                            layout={"width": "auto", "min_width": "80px", "flex": "0 0 auto"})
            up.on_click(lambda _b, index=index: self.move(self.order[index], index))
            down.on_click(lambda _b, index=index: self.move(self.order[index], index + 2))
            text = w.HTML(layout={"flex": "1 1 auto"})
            self.up_buttons.append(up)
            self.down_buttons.append(down)
            self._texts.append(text)
            rows.append(w.HBox([up, down, text]))
        self.rows_box.children = tuple(rows)

    def _draw(self, marks: set[str] | None = None) -> None:
        """Show the steps in their current order (the rows stay; their words and buttons change)."""
        last = len(self.order) - 1
        for index, step_id in enumerate(self.order):
            step = self._by_id[step_id]
            mark = " &#10008;" if marks and step_id in marks else ""
            self.up_buttons[index].disabled = index == 0
            self.up_buttons[index].tooltip = f"Move up: {step['step']}"
            self.down_buttons[index].disabled = index == last
            self.down_buttons[index].tooltip = f"Move down: {step['step']}"
            self._texts[index].value = f"<p><b>{index + 1}.</b> {html.escape(step['step'])}{mark}</p>"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
