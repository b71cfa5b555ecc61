"""The benefits the marketing article claims, weighed against the evidence (section 2).

Each claim's verdict, what the best reviews found, for how long, against what
and how sure we can be come from ``data/benefits.csv``; this module only
formats them, as one card per benefit or as a summary table.
"""

from __future__ import annotations

import re

from dncourse.content.loader import DataError, load
from dncourse.content.references import cite

__all__ = ["benefits", "benefit_markdown", "show_benefit", "benefit_summary_markdown", "show_benefit_summary"]

_MINUS = re.compile(r"(?<![\w.-])-(?=\d)")


def _minus(text: str) -> str:
    """Show negative numbers with a true minus sign (screen readers say 'minus')."""
    return _MINUS.sub("\u2212", text)


def benefits() -> list[dict]:
    """The rows of ``benefits.csv`` in teaching order."""
    return sorted(load("benefits"), key=lambda r: r["order"])


def _row(benefit_id: str) -> dict:
    rows = {r["id"]: r for r in benefits()}
    if benefit_id not in rows:
        raise DataError(f"no benefit called {benefit_id!r} in benefits.csv; the benefits are: {', '.join(rows)}")
    return rows[benefit_id]


def benefit_markdown(benefit_id: str) -> str:
    """One benefit as a Markdown card: the article's words, the evidence and the verdict."""
    row = _row(benefit_id)
    return "\n\n".join([
        f"> **The article says:** \u201c{row['article_claim']}\u201d",
        f"**What the best reviews found.** {_minus(row['what_found'])}",
        f"**For how long.** {_minus(row['how_long'])}",
        f"**Against what.** {_minus(row['comparator'])}",
        f"**How sure we can be.** {_minus(row['certainty'])}",
        f"**Verdict: {row['verdict']}.**",
        f"<small>Sources: {cite(row['refs'])}</small>",
    ])


def show_benefit(benefit_id: str) -> str:
    """Display one benefit's card in the notebook; return its Markdown."""
    from IPython.display import Markdown, display

    text = benefit_markdown(benefit_id)
    display(Markdown(text))
    return text


def benefit_summary_markdown() -> str:
    """Every claimed benefit in one Markdown table: verdict, how long, against what, how sure."""
    lines = ["| Claimed benefit | Verdict | For how long | Against what | How sure we can be |",
             "|---|---|---|---|---|"]
    for row in benefits():
        cells = [row["benefit"], row["verdict"], row["how_long"], row["comparator"], row["certainty"]]
        lines.append("| " + " | ".join(_minus(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def show_benefit_summary() -> str:
    """Display the summary table in the notebook; return its Markdown."""
    from IPython.display import Markdown, display

    text = benefit_summary_markdown()
    display(Markdown(text))
    return text
