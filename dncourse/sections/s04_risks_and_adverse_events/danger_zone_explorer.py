"""Section 4 widget: the danger-zone explorer.

Pick a body region to see what a needle can reach there, what the studies
found (each point labelled with the kind of source: peer-reviewed study,
preprint, case report, guideline, course provider's advice), how to lower the
risk, and what was looked for but not found.  The content comes from
:mod:`dncourse.sections.s04_risks_and_adverse_events.danger_zones`.  The widget
offers no depth calculator: it says with every region that the numbers are
group averages, not a safe depth for a patient.
"""

from __future__ import annotations

from dncourse.sections.s04_risks_and_adverse_events.danger_zones import zone, zone_card_html, zones

__all__ = ["DangerZoneExplorer"]


class DangerZoneExplorer:
    """Choose a body region; read its danger-zone card.

    Drive it with ``explorer.set("neck_spine")``.  After each update,
    :attr:`region` holds the chosen region (with its points) and
    :attr:`card` (an HTML widget) the card shown.
    """

    def __init__(self, zone_id: str | None = None):
        from dncourse.ui.widgetkit import kit as w

        options = [(r["region"], r["id"]) for r in zones()]
        self.choice = w.Dropdown(options=options, value=zone_id or options[0][1], description="Body region:",
                                 style={"description_width": "initial"}, layout=w.Layout(width="460px"))
        self.card = w.HTML()
        self.region: dict = {}
        self.choice.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([
            w.HTML("<b>Danger-zone explorer.</b> Choose a body region to see what a needle can reach there, "
                   "what the studies found, and how to lower the risk. Each point says what kind of source "
                   "it comes from."),
            self.choice, self.card])
        self.update()

    @property
    def zone_ids(self) -> list[str]:
        """The regions on offer, in order."""
        return [value for _label, value in self.choice.options]

    def set(self, zone_id: str) -> None:
        """Choose the region ``zone_id`` (one of :attr:`zone_ids`)."""
        if zone_id not in self.zone_ids:
            raise ValueError(f"region must be one of {', '.join(self.zone_ids)}")
        self.choice.value = zone_id   # the observer updates the card

    def update(self) -> None:
        """Show the card of the region chosen now."""
        self.region = zone(self.choice.value)
        self.card.value = zone_card_html(self.choice.value)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
