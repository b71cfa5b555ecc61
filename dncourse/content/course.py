"""The course map: sections, their lessons, quizzes and times (``data/sections.csv``)."""

from __future__ import annotations

from dncourse.content.loader import load

__all__ = ["PASS_MARK", "sections", "course_map_markdown", "show_course_map"]

#: The share of a quiz's points needed to pass it (the final assessment and the
#: training records read it from here, and only here).
PASS_MARK = 0.8


def sections(ready_only: bool = False) -> list[dict]:
    """The rows of ``sections.csv`` in section order."""
    rows = sorted(load("sections"), key=lambda r: r["number"])
    return [r for r in rows if r["ready"]] if ready_only else rows


def course_map_markdown(link_prefix: str = "") -> str:
    """The course map as a Markdown table; lesson links start with ``link_prefix``."""
    lines = ["| Section | What you will learn | Time |", "|---|---|---|"]
    for row in sections():
        title = f"{row['number']}. {row['title']}"
        if row["ready"] and row["lesson"]:
            title = f"[{title}]({link_prefix}{row['lesson']})"
        elif not row["ready"]:
            title += " *(in preparation)*"
        minutes = row["lesson_minutes"] + row["quiz_minutes"]
        lines.append(f"| {title} | {row['learn']} | {minutes} min |")
    return "\n".join(lines)


def show_course_map() -> str:
    """Display the course map in a notebook (links relative to ``notebooks/``)."""
    from IPython.display import Markdown, display

    text = course_map_markdown(link_prefix="../").replace("](../notebooks/", "](")
    display(Markdown(text))
    return text
