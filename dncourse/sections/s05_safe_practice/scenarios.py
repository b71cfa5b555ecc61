"""What do you do next? Branching adverse-event scenarios (section 5).

Each scenario in ``data/adverse_scenarios.json`` is a small decision tree:
*steps* offer choices, each choice names the ``next`` node, and the tree
ends at *end* nodes.  :func:`check_scenario` checks what the JSON Schema
cannot (every ``next`` exists, every node is reachable, no cycles, every
path reaches an end, one best choice per step, known citation keys).
:class:`ScenarioPlayer` plays the scenarios: every choice gets feedback and
its sources, and each scenario ends with a score.  It is driven without a
browser by :meth:`ScenarioPlayer.start`, :meth:`ScenarioPlayer.choose` and
:meth:`ScenarioPlayer.next` (or by clicking its buttons).
"""

from __future__ import annotations

import html

from dncourse.content.loader import DataError, load, reference_keys
from dncourse.content.references import cite

__all__ = ["POLICY_NOTES", "check_scenario", "load_scenarios", "scenario_paths", "feedback_text",
           "ScenarioPlayer"]

# What the player adds to feedback that the fact sheet does not fully confirm.
POLICY_NOTES = {
    "verified": "",
    "verified (secondary)": ("Seen only in a secondary source: where your local first-aid, emergency or "
                             "infection-control policy says otherwise, follow it."),
    "local policy": ("The course's sources do not confirm the details of this step: your local first-aid, "
                     "emergency and incident policy decides."),
}


def _nodes_by_id(scenario: dict) -> dict[str, dict]:
    where = f"scenario {scenario.get('id')!r}"
    nodes: dict[str, dict] = {}
    for node in scenario["nodes"]:
        if node["id"] in nodes:
            raise DataError(f"{where}: node id {node['id']!r} is used twice")
        nodes[node["id"]] = node
    return nodes


def check_scenario(scenario: dict, refs: set[str] | None = None) -> None:
    """Raise :class:`DataError` unless ``scenario`` is a sound decision tree.

    Checks: the start node and every choice's ``next`` exist (no dangling
    step); every node can be reached from the start; following choices never
    returns to a node already on the path (no cycles), so every path ends at
    an end node; each step has exactly one best choice and no two choices
    with the same label; and, when ``refs`` is given, every citation key is
    in it.  The message names the scenario, the node and the choice.
    """
    where = f"scenario {scenario.get('id')!r}"
    nodes = _nodes_by_id(scenario)
    if scenario["start"] not in nodes:
        raise DataError(f"{where}: start node {scenario['start']!r} does not exist")
    for node in nodes.values():
        here = f"{where}, node {node['id']!r}"
        if refs is not None:
            for key in node.get("refs", []):
                if key not in refs:
                    raise DataError(f"{here}, field 'refs': citation {key!r} is not in references.csv")
        if node.get("end"):
            continue
        choices = node["choices"]
        labels = [c["label"] for c in choices]
        if len(set(labels)) != len(labels):
            raise DataError(f"{here}: two choices have the same label")
        best = sum(bool(c["best"]) for c in choices)
        if best != 1:
            raise DataError(f"{here}: needs exactly one best choice, has {best}")
        for number, choice in enumerate(choices, start=1):
            if choice["next"] not in nodes:
                raise DataError(f"{here}, choice {number}: next node {choice['next']!r} does not exist")
            if refs is not None:
                for key in choice["refs"]:
                    if key not in refs:
                        raise DataError(
                            f"{here}, choice {number}, field 'refs': citation {key!r} is not in references.csv")
    # Depth-first walk from the start: finds cycles and unreachable nodes.
    state: dict[str, str] = {}  # "open" while on the current path, "done" afterwards

    def walk(node_id: str, path: list[str]) -> None:
        if state.get(node_id) == "open":
            loop = " -> ".join(path[path.index(node_id):] + [node_id])
            raise DataError(f"{where}: the steps go round in a cycle ({loop})")
        if state.get(node_id) == "done":
            return
        state[node_id] = "open"
        for choice in nodes[node_id].get("choices", []):
            walk(choice["next"], path + [node_id])
        state[node_id] = "done"

    walk(scenario["start"], [])
    unreachable = sorted(set(nodes) - set(state))
    if unreachable:
        raise DataError(f"{where}: node {', '.join(map(repr, unreachable))} cannot be reached from the start")


def scenario_paths(scenario: dict) -> list[list[tuple[str, int]]]:
    """Every way through ``scenario``: lists of (node id, choice index), each ending at an end node."""
    nodes = _nodes_by_id(scenario)
    paths = []

    def walk(node_id, path):
        node = nodes[node_id]
        if node.get("end"):
            paths.append(path)
            return
        for index, choice in enumerate(node["choices"]):
            walk(choice["next"], path + [(node_id, index)])

    walk(scenario["start"], [])
    return paths


def load_scenarios() -> list[dict]:
    """The scenarios of ``adverse_scenarios.json``, each checked with :func:`check_scenario`."""
    scenarios = load("adverse_scenarios")
    keys = reference_keys()
    for scenario in scenarios:
        check_scenario(scenario, keys)
    return scenarios


def feedback_text(choice: dict) -> str:
    """The feedback for ``choice`` as plain text: verdict, explanation, policy note and sources."""
    verdict = "Best choice." if choice["best"] else "Not the best choice."
    parts = [verdict, choice["feedback"]]
    note = POLICY_NOTES[choice["verification"]]
    if note:
        parts.append(note)
    if choice["refs"]:
        parts.append(f"Sources: {cite(choice['refs'])}.")
    return " ".join(parts)


class ScenarioPlayer:
    """Play the adverse-event scenarios one step at a time, with feedback and a score.

    Drive it with :meth:`start` (pick a scenario), :meth:`choose` (answer the
    current step) and :meth:`next` (go on), or with the widget's buttons.
    """

    def __init__(self, scenarios: list[dict] | None = None):
        from dncourse.ui.widgetkit import kit as w

        self.scenarios = scenarios if scenarios is not None else load_scenarios()
        self._by_id = {s["id"]: s for s in self.scenarios}
        self.picker = w.Dropdown(options=[(s["title"], s["id"]) for s in self.scenarios],
                                 description="Scenario:", style={"description_width": "initial"},
                                 layout=w.Layout(width="auto"))
        self.start_button = w.Button(description="Start this scenario", icon="play",
                                     tooltip="Start (or restart) the scenario chosen in the list",
                                     layout=w.Layout(width="auto", flex="0 0 auto"))
        self.start_button.on_click(lambda _b: self.start(self.picker.value))
        self.progress = w.HTML()
        self.setting = w.HTML()
        self.question = w.HTML()
        self.choice_box = w.VBox()
        self.feedback = w.HTML()
        self.next_button = w.Button(description="Continue", icon="arrow-right", disabled=True,
                                    tooltip="Go on to what happens next")
        self.next_button.on_click(lambda _b: self.next())
        self.summary = w.HTML()
        self.widget = w.VBox([w.HBox([self.picker, self.start_button]), self.progress, self.setting,
                              self.question, self.choice_box, self.feedback, self.next_button, self.summary])
        self.choice_buttons: list = []
        self._rows: list = []   # choice rows, reused from step to step (see _choice_rows)
        self.results: dict[str, tuple[int, int]] = {}  # scenario id -> (best choices, steps) when finished
        self.start(self.scenarios[0]["id"])

    # --- state -------------------------------------------------------------
    @property
    def scenario(self) -> dict:
        """The scenario being played."""
        return self._by_id[self.scenario_id]

    @property
    def node(self) -> dict:
        """The current node (a step or an end)."""
        return self._nodes[self.node_id]

    @property
    def finished(self) -> bool:
        """Whether the current scenario has reached an end."""
        return bool(self.node.get("end"))

    # --- actions -----------------------------------------------------------
    def start(self, scenario_id: str) -> None:
        """Start (or restart) the scenario ``scenario_id`` from its first step."""
        if scenario_id not in self._by_id:
            raise ValueError(f"no scenario {scenario_id!r}; choose one of {', '.join(self._by_id)}")
        self.scenario_id = scenario_id
        self.picker.value = scenario_id
        self._nodes = {n["id"]: n for n in self.scenario["nodes"]}
        self.node_id = self.scenario["start"]
        self.score = 0
        self.steps = 0
        self.chosen: int | None = None
        self.history: list[tuple[str, int]] = []
        self.setting.value = (f"<h4>{html.escape(self.scenario['title'])}</h4>"
                              f"<p>{html.escape(self.scenario['setting'])}</p>")
        self._show_node()

    def choose(self, index: int) -> bool:
        """Answer the current step with choice ``index`` (0 is the first); return whether it was best."""
        if self.finished:
            raise ValueError("this scenario has ended; start a scenario to play again")
        if self.chosen is not None:
            raise ValueError("this step is already answered; press Continue")
        choices = self.node["choices"]
        if not 0 <= index < len(choices):
            raise ValueError(f"choose a number from 0 to {len(choices) - 1}")
        choice = choices[index]
        self.chosen = index
        self.steps += 1
        self.score += bool(choice["best"])
        self.history.append((self.node_id, index))
        mark = "&#10004;" if choice["best"] else "&#10008;"
        verdict = "Best choice." if choice["best"] else "Not the best choice."
        note = POLICY_NOTES[choice["verification"]]
        self.feedback.value = (
            f"<p><b>{mark} {verdict}</b> {html.escape(choice['feedback'])}</p>"
            + (f"<p><i>{html.escape(note)}</i></p>" if note else "")
            + (f"<p><small>Sources: {html.escape(cite(choice['refs']))}</small></p>" if choice["refs"] else ""))
        for number, button in enumerate(self.choice_buttons):
            button.disabled = True
            button.button_style = "success" if number == index and choice["best"] else ""
        self.next_button.disabled = False
        self._show_progress()
        return bool(choice["best"])

    def next(self) -> None:
        """Go to the node the chosen option leads to (does nothing before a choice)."""
        if self.chosen is None or self.finished:
            return
        self.node_id = self.node["choices"][self.chosen]["next"]
        self.chosen = None
        self._show_node()

    # --- display -----------------------------------------------------------
    def _show_progress(self) -> None:
        self.progress.value = (f"<b>Step {self.steps + (0 if self.chosen is not None or self.finished else 1)}</b>"
                               f" &middot; best choices so far: {self.score} of {self.steps}")

    def _choice_rows(self, count: int) -> list:
        """The first ``count`` choice rows (a button and its words), made the first time they are needed."""
        from dncourse.ui.widgetkit import kit as w

        while len(self._rows) < count:
            index = len(self._rows)
            button = w.Button(description=f"Choose {'ABCD'[index]}", layout={"width": "110px", "flex": "0 0 auto"})
            button.on_click(lambda _b, index=index: self.choose(index))
            self._rows.append(w.HBox([button, w.HTML(layout={"flex": "1 1 auto"})]))
        return self._rows[:count]

    def _show_node(self) -> None:
        node = self.node
        self.feedback.value = ""
        self.next_button.disabled = True
        if node.get("end"):
            self.results[self.scenario_id] = (self.score, self.steps)
            self.question.value = (f"<p>{html.escape(node['text'])}</p>"
                                   + (f"<p><small>Sources: {html.escape(cite(node['refs']))}</small></p>"
                                      if node.get("refs") else ""))
            self.choice_box.children = ()
            self.choice_buttons = []
            self.summary.value = (f"<p><b>Your score for this scenario: {self.score} of {self.steps} "
                                  f"steps answered with the best choice.</b> {self.overall_text()}</p>"
                                  "<p>Choose another scenario in the list and press <i>Start this scenario</i>.</p>")
        else:
            self.question.value = f"<p><b>{html.escape(node['text'])}</b></p>"
            rows = self._choice_rows(len(node["choices"]))
            self.choice_buttons = [row.children[0] for row in rows]
            for index, (row, choice) in enumerate(zip(rows, node["choices"])):
                letter = "ABCD"[index]
                button, text = row.children
                button.disabled = False
                button.button_style = ""
                button.tooltip = f"{letter}: {choice['label']}"
                text.value = f"<p><b>{letter}.</b> {html.escape(choice['label'])}</p>"
            self.choice_box.children = tuple(rows)
            self.summary.value = ""
        self._show_progress()

    def overall_text(self) -> str:
        """The running total over every scenario finished so far."""
        best = sum(score for score, _ in self.results.values())
        steps = sum(total for _, total in self.results.values())
        return (f"Over {len(self.results)} of {len(self.scenarios)} scenarios finished: "
                f"{best} of {steps} best choices.")

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
