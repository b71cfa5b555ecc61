"""Myth or fact? A widget that checks a marketing article's claims (section 1).

The claims, the answers counted as right, the verdicts, the evidence and the
citations all come from ``data/myths.json``.  The learner judges one claim at
a time; after each answer the evidence and its sources are shown.
"""

from __future__ import annotations

import html

from dncourse.content.loader import load
from dncourse.content.references import cite

__all__ = ["CHOICES", "MythOrFact"]

CHOICES = {
    "supported": "Supported by the evidence",
    "needs context": "True, but needs context",
    "not supported": "Not supported, or false",
}


class MythOrFact:
    """Step through the claims of ``myths.json``; drive it with :meth:`answer` and :meth:`next`."""

    def __init__(self, claims: list[dict] | None = None):
        from dncourse.ui.widgetkit import kit as w

        self.claims = claims if claims is not None else load("myths")
        self.index = 0
        self.score = 0
        self.answered: dict[str, str] = {}
        self.progress = w.HTML()
        self.claim = w.HTML()
        self.buttons = []
        for key, text in CHOICES.items():
            button = w.Button(description=text, tooltip=f"I think this claim is: {text}",
                              layout=w.Layout(width="auto"))
            button.on_click(lambda _b, key=key: self.answer(key))
            self.buttons.append(button)
        self.feedback = w.HTML()
        self.next_button = w.Button(description="Next claim", icon="arrow-right", disabled=True,
                                    tooltip="Show the next claim from the article")
        self.next_button.on_click(lambda _b: self.next())
        self.widget = w.VBox([self.progress, self.claim, w.HBox(self.buttons), self.feedback,
                              self.next_button])
        self._show_claim()

    @property
    def current(self) -> dict:
        """The claim being judged now."""
        return self.claims[self.index]

    def _show_claim(self) -> None:
        self.progress.value = (f"<b>Claim {self.index + 1} of {len(self.claims)}</b> "
                               f"&middot; score so far: {self.score} of {len(self.answered)}")
        self.claim.value = (f"<blockquote>&ldquo;{html.escape(self.current['claim'])}&rdquo;</blockquote>"
                            "<p>What does the evidence say about this claim?</p>")
        self.feedback.value = ""
        for button in self.buttons:
            button.disabled = False
        self.next_button.disabled = True

    def answer(self, choice: str) -> bool:
        """Judge the current claim as ``choice`` (a key of :data:`CHOICES`); return whether right."""
        if choice not in CHOICES:
            raise ValueError(f"choose one of {', '.join(CHOICES)}")
        claim = self.current
        right = choice in claim["accept"]
        if claim["id"] not in self.answered:
            self.score += right
        self.answered[claim["id"]] = choice
        verdict = "&#10004; Well judged." if right else "&#10008; The evidence says otherwise."
        self.feedback.value = (
            f"<p><b>{verdict}</b> {html.escape(claim['verdict'])}</p>"
            f"<p>{html.escape(claim['evidence'])}</p>"
            f"<p><small>Sources: {html.escape(cite(claim['refs']))}</small></p>")
        for button in self.buttons:
            button.disabled = True
        last = self.index == len(self.claims) - 1
        self.next_button.disabled = last
        self.progress.value = (f"<b>Claim {self.index + 1} of {len(self.claims)}</b> "
                               f"&middot; score so far: {self.score} of {len(self.answered)}")
        if last:
            self.feedback.value += (f"<p><b>You have judged every claim: {self.score} of "
                                    f"{len(self.claims)} matched the evidence.</b></p>")
        return right

    def next(self) -> None:
        """Move to the next claim (does nothing after the last one)."""
        if self.index < len(self.claims) - 1:
            self.index += 1
            self._show_claim()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
