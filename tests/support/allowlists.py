"""Known problems the browser tests tolerate, each with its reason; anything new fails.

1. ``ALLOWED``: the axe-core violations that come from JupyterLab, nbgrader or
   ipywidgets themselves.
2. ``KNOWN_CUT_OFF_LABELS``: widget labels of the course that are cut off on
   screen (shown with an ellipsis), waiting for their owners to fix them.  A
   lesson where such a label is shown in full fails too, so that the entry is
   removed once fixed.

The axe-core allowlist:

Each entry names the rule, a pattern that the offending element must match,
and why it is there.  The pattern is searched in the element's HTML as
axe-core reports it, after a line with the element and its ancestors (tag and
classes, innermost first, separated by `` < ``).  Anything else that axe-core reports on a page of the
course is a new violation and fails the browser tests.  Remove an entry when
the upstream project fixes it.
"""

from __future__ import annotations

import re

ALLOWED = [
    # JupyterLab 4.6: toolbar buttons are <jp-button> (Jupyter UI toolkit) with an
    # aria-pressed attribute that axe does not allow on their role.  nbgrader's
    # Validate button is one of them.
    ("aria-allowed-attr", r"\n<jp-button\b", "JupyterLab toolbar buttons (jp-button) carry aria-pressed"),
    # JupyterLab 4.6: CodeMirror's editable area (role=textbox) has no accessible name.
    ("aria-input-field-name", r'class="cm-content\b', "JupyterLab's code editor (CodeMirror) has no label"),
    # ipywidgets 8.1: the slider handle (noUiSlider, role=slider) has no accessible
    # name; the course puts a labelled number box beside every slider for this reason.
    ("aria-input-field-name", r'class="noUi-handle\b', "ipywidgets slider handles have no accessible name"),
    # JupyterLab 4.6: the notebook's cell list has role=feed but its cells are not articles.
    ("aria-required-children", r'class="jp-WindowedPanel-viewport\b', "JupyterLab's notebook viewport (role=feed)"),
    # JupyterLab 4.6: the collapse button beside a markdown heading has no text or label.
    ("button-name", r'class="jp-Button jp-collapseHeadingButton"', "JupyterLab's heading-collapse buttons"),
]

_COMPILED = [(rule, re.compile(pattern), why) for rule, pattern, why in ALLOWED]


def explain(rule: str, ancestry: str, html: str) -> str | None:
    """Why this violation is allowed, or None when it is new."""
    where = f"{ancestry}\n{html}"
    for allowed_rule, pattern, why in _COMPILED:
        if rule == allowed_rule and pattern.search(where):
            return why
    return None


def unexplained(violations: list[dict]) -> list[str]:
    """The violations (one line per element) that the allowlist does not explain."""
    problems = []
    for violation in violations:
        for node in violation["nodes"]:
            if explain(violation["id"], node.get("ancestry", ""), node["html"]) is None:
                problems.append(f"{violation['id']} ({violation['impact']}): {violation['help']} - "
                                f"{node['target']} - {node['html'][:160]}")
    return problems


# Button and tick-box labels that the course's widgets cut off (text-overflow:
# ellipsis), found by tests/browser/test_lessons.py at a 1280x900 window.
# label -> where it comes from and how to fix it.
KNOWN_CUT_OFF_LABELS: dict[str, str] = {}


def label_problems(labels: list[dict]) -> list[str]:
    """New cut-off labels, and known ones that this page now shows in full (remove them from the list).

    ``labels`` has one item per visible widget label: ``{"text", "cut_off"}``.
    """
    problems = []
    cut = {item["text"] for item in labels if item["cut_off"]}
    shown_in_full = {item["text"] for item in labels if not item["cut_off"]}
    for text in sorted(cut - set(KNOWN_CUT_OFF_LABELS)):
        problems.append(f"the label '{text}' is cut off on screen")
    for text in sorted((shown_in_full - cut) & set(KNOWN_CUT_OFF_LABELS)):
        problems.append(f"the label '{text}' is now shown in full: remove it from KNOWN_CUT_OFF_LABELS")
    return problems
