"""Small risk calculations for section 4, kept apart from any widget or plot.

Every function takes plain numbers and returns plain numbers, so the tests can
check them against values worked out by hand.  Rates are given as
**percentages** (7.55 means 7.55%), as in ``data/adverse_events.csv``;
probabilities are returned as **proportions** between 0 and 1, unless the name
says otherwise.
"""

from __future__ import annotations

import math

__all__ = [
    "expected_count",
    "chance_of_at_least_one",
    "rule_of_three",
    "exact_upper_bound",
    "one_in",
    "format_percent",
    "format_count",
]


def _check_percent(percent: float) -> float:
    if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not math.isfinite(percent):
        raise ValueError(f"a rate must be a number of percent, not {percent!r}")
    if not 0 <= percent <= 100:
        raise ValueError(f"a rate must be between 0 and 100 percent, not {percent}")
    return float(percent)


def _check_count(n: int, name: str, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"{name} must be a whole number, not {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {n}")
    return n


def expected_count(percent: float, treatments: int) -> float:
    """Expected number of events in ``treatments`` treatments at ``percent`` per treatment.

    >>> expected_count(7.55, 200)   # bruising in Brady et al. 2014
    15.1
    """
    percent = _check_percent(percent)
    treatments = _check_count(treatments, "the number of treatments", 0)
    return round(percent / 100 * treatments, 10)


def chance_of_at_least_one(percent: float, treatments: int) -> float:
    """Chance (0 to 1) of at least one event in ``treatments`` independent treatments.

    Each treatment is assumed to carry the same risk, ``percent``:
    1 - (1 - p) ** n.
    """
    p = _check_percent(percent) / 100
    treatments = _check_count(treatments, "the number of treatments", 0)
    return 1 - (1 - p) ** treatments


def rule_of_three(n: int) -> float:
    """Approximate 95% upper bound (0 to 1) of a risk after 0 events in ``n`` exposures: 3 / n.

    The 3 comes from -ln(0.05) = 2.996 (Hanley & Lippman-Hand 1983).  The
    approximation is reasonable for n above about 30; for n below 3 it would
    exceed 1, so it is capped at 1.
    """
    n = _check_count(n, "the number of treatments", 1)
    return min(3 / n, 1.0)


def exact_upper_bound(n: int, confidence: float = 0.95) -> float:
    """Exact upper bound (0 to 1) after 0 events in ``n`` exposures: 1 - (1 - confidence) ** (1 / n).

    It is the largest risk for which seeing no event in ``n`` tries still has a
    chance of at least 1 - confidence (5%).
    """
    n = _check_count(n, "the number of treatments", 1)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return 1 - (1 - confidence) ** (1 / n)


def one_in(proportion: float) -> int:
    """The rate as "1 in N" (N rounded to a whole number); 0 has no such form."""
    if not 0 < proportion <= 1:
        raise ValueError(f"'1 in N' needs a proportion above 0 and at most 1, not {proportion}")
    return round(1 / proportion)


def format_percent(percent: float) -> str:
    """A percentage for people, with 3 significant figures: '19.2%', '0.0393%', '0%'."""
    if percent == 0:
        return "0%"
    if percent >= 10:
        return f"{percent:.1f}%"
    text = f"{percent:.3g}"
    if "e" in text:  # very small rates: write them out in full
        text = f"{percent:.10f}".rstrip("0")
    return f"{text}%"


def format_count(count: float) -> str:
    """An expected number of events: one decimal from 1 upwards, two below 1 ('15.1', '0.03')."""
    return f"{count:,.1f}" if count >= 1 else f"{count:.2f}"
