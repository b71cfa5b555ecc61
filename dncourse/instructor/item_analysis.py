"""Which questions did staff find hard?  Item analysis of one quiz.

For every question: its **difficulty** (the share of its points the cohort
earned; high means easy), its **discrimination** (the correlation between the
question's score and each learner's score on the rest of the quiz, the
"item-rest correlation": near 0 or negative means the question does not
separate stronger from weaker learners), and for choice questions how many
learners picked each option, read from the submitted answer cells without
running them.  The report is a CSV and an HTML page with charts.

A written question that nobody has marked yet has no figures and no flags:
it is shown as "not marked yet", since the only scores it has so far are the
zeros of answers left blank.  Once some answers are marked, its figures use
the answers with a score, and its status says how many still await marking.
"""

from __future__ import annotations

import csv
import html
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from dncourse.answers import AnswerFormatError, normalise
from dncourse.instructor.quizspec import literal_answer, nbgrader_meta, read_questions

__all__ = ["TOO_EASY", "TOO_HARD", "POOR_DISCRIMINATION", "NOT_MARKED", "Item", "analyse", "item_rows",
           "write_item_report"]

TOO_EASY = 0.90            # difficulty at or above this: almost everyone got it
TOO_HARD = 0.30            # difficulty at or below this: almost no one did
POOR_DISCRIMINATION = 0.20  # item-rest correlation below this
NOT_MARKED = "not marked yet"


@dataclass
class Item:
    """One question's statistics."""

    grade_id: str
    label: str
    max_points: float
    scores: dict[str, float] = field(default_factory=dict)   # learner -> points
    options: dict[str, int] = field(default_factory=dict)    # option -> learners who chose it
    difficulty: float | None = None
    discrimination: float | None = None
    flags: list[str] = field(default_factory=list)
    status: str = ""    # NOT_MARKED, or how many written answers still await marking

    @property
    def not_marked(self) -> bool:
        """Whether this is a written question nobody has marked yet (it has no figures)."""
        return self.status == NOT_MARKED


def _item_flags(item: Item) -> list[str]:
    flags = []
    if item.difficulty is not None and item.difficulty >= TOO_EASY:
        flags.append("too easy")
    if item.difficulty is not None and item.difficulty <= TOO_HARD:
        flags.append("too hard")
    if item.discrimination is None:
        flags.append("discrimination not computable (everyone scored the same)")
    elif item.discrimination < POOR_DISCRIMINATION:
        flags.append("discriminates badly" + (" (stronger learners did worse)" if item.discrimination < 0 else ""))
    return flags


def analyse(scores: dict[str, dict[str, float]], max_points: dict[str, float],
            labels: dict[str, str] | None = None,
            marking: dict[str, tuple[int, int]] | None = None) -> list[Item]:
    """Difficulty and item-rest discrimination from ``scores[learner][grade_id]``.

    Learners without a score for a question (a written answer not yet marked)
    are left out of that question's figures.  ``marking`` is
    :func:`dncourse.instructor.gradebook.marking_counts`: a question with
    answers awaiting marking and none marked yet is :data:`NOT_MARKED`, with
    no figures and no flags.
    """
    labels = labels or {}
    marking = marking or {}
    items = []
    for gid, maximum in max_points.items():
        item = Item(gid, labels.get(gid, gid), maximum)
        awaiting, marked = marking.get(gid, (0, 0))
        if awaiting and not marked:
            item.status = NOT_MARKED
            items.append(item)
            continue
        if awaiting:
            item.status = f"{awaiting} answer(s) not marked yet; figures from the others"
        item.scores = {learner: s[gid] for learner, s in scores.items() if s.get(gid) is not None}
        if item.scores and maximum > 0:
            item.difficulty = sum(item.scores.values()) / (len(item.scores) * maximum)
            own = [item.scores[learner] for learner in item.scores]
            rest = [sum(v for k, v in scores[learner].items() if k != gid and v is not None)
                    for learner in item.scores]
            try:
                item.discrimination = statistics.correlation(own, rest)
            except statistics.StatisticsError:
                item.discrimination = None
        item.flags = _item_flags(item)
        items.append(item)
    return items


def _option_label(question, value) -> str:
    if value is ...:
        return "blank"
    try:
        answer = normalise(value, question.kind, **question.spec)
    except AnswerFormatError:
        return "badly formed"
    if question.kind == "truefalse":
        return "True" if answer else "False"
    if question.kind == "number":
        return f"{answer:g}"
    return answer


def option_counts(root: Path, quiz: str, learners: list[str]) -> dict[str, dict[str, int]]:
    """For each auto-marked question, how many learners gave each answer (read statically)."""
    counts: dict[str, dict[str, int]] = {}
    for source in sorted((Path(root) / "source" / quiz).glob("*.ipynb")):
        questions = read_questions(source)
        for q in questions:
            options = q.spec.get("options", "") if q.kind == "choice" else ""
            counts[q.grade_id] = {letter: 0 for letter in options}
        for learner in learners:
            path = Path(root) / "submitted" / learner / quiz / source.name
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            cells = {nbgrader_meta(c).get("grade_id"): c for c in nb.get("cells", [])}
            for q in questions:
                cell = cells.get(q.answer_grade_id)
                src = cell.get("source", "") if cell else ""
                value, _ = literal_answer("".join(src) if isinstance(src, list) else src, q.variable)
                label = "blank" if cell is None else _option_label(q, value)
                counts[q.grade_id][label] = counts[q.grade_id].get(label, 0) + 1
    return counts


def item_rows(items: list[Item], counts: dict[str, dict[str, int]] | None = None) -> list[dict]:
    """One dict per question, as written to the CSV."""
    rows = []
    for item in items:
        opts = (counts or {}).get(item.grade_id, {})
        rows.append({
            "question": item.label,
            "grade_id": item.grade_id,
            "max_points": f"{item.max_points:g}",
            "learners": len(item.scores),
            "difficulty": "" if item.difficulty is None else f"{item.difficulty:.3f}",
            "discrimination": "" if item.discrimination is None else f"{item.discrimination:.3f}",
            "answers_given": "; ".join(f"{k}: {v}" for k, v in opts.items()),
            "flags": "; ".join(item.flags),
            "status": item.status,
        })
    return rows


def _chart(items: list[Item]) -> str:
    """Difficulty and discrimination side by side, as an <img> with alt text."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from dncourse.ui.figures import MARKERS, PALETTE, course_style, figure_png

    labels = [i.label for i in items]
    with course_style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * len(items) + 1.8), sharey=True)
        y = range(len(items))
        left.barh(y, [i.difficulty or 0 for i in items], color=PALETTE[0])
        left.axvline(TOO_EASY, color="0.3", linestyle="--", label=f"too easy (≥ {TOO_EASY:.2f})")
        left.axvline(TOO_HARD, color="0.3", linestyle=":", label=f"too hard (≤ {TOO_HARD:.2f})")
        left.set_xlim(0, 1)
        left.set_yticks(list(y), labels)
        left.invert_yaxis()
        left.set_xlabel("Difficulty: share of points earned")
        left.legend(fontsize=8, loc="lower right")
        disc = [i.discrimination if i.discrimination is not None else 0 for i in items]
        right.barh(y, disc, color=[PALETTE[3] if d < POOR_DISCRIMINATION else PALETTE[2] for d in disc],
                   hatch=None)
        for yi, d, item in zip(y, disc, items):
            if d < POOR_DISCRIMINATION and not item.not_marked:
                right.plot(max(d, 0) + 0.03, yi, marker=MARKERS[6], color="black", linestyle="none")
        right.axvline(POOR_DISCRIMINATION, color="0.3", linestyle="--",
                      label=f"poor below {POOR_DISCRIMINATION:.2f} (marked ✕)")
        right.axvline(0, color="0.5", linewidth=0.8)
        right.set_xlim(-1, 1)
        right.set_xlabel("Discrimination: item-rest correlation")
        right.legend(fontsize=8, loc="lower right")
        fig.suptitle("Item analysis")
        png = figure_png(fig)
        plt.close(fig)
    import base64

    alt = "; ".join(f"{i.label}: {NOT_MARKED}" if i.not_marked else
                    f"{i.label}: difficulty {i.difficulty or 0:.2f}, discrimination "
                    f"{'n/a' if i.discrimination is None else f'{i.discrimination:.2f}'}" for i in items)
    return (f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
            f'alt="Bar charts of difficulty and discrimination per question. {html.escape(alt)}">')


def write_item_report(out_dir: Path, quiz: str, items: list[Item], counts: dict[str, dict[str, int]],
                      extra_html: str = "") -> tuple[Path, Path]:
    """Write ``item-analysis.csv`` and ``item-analysis.html`` into ``out_dir``; return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = item_rows(items, counts)
    csv_path = out_dir / "item-analysis.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["question"])
        writer.writeheader()
        writer.writerows(rows)
    table = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in rows)
    head = "".join(f"<th>{html.escape(k.replace('_', ' '))}</th>" for k in (rows[0] if rows else {}))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Item analysis: {html.escape(quiz)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.3em .5em;text-align:left}}img{{max-width:100%}}</style></head>
<body><h1>Item analysis: {html.escape(quiz)}</h1>
<p>Difficulty is the share of a question's points the cohort earned (high = easy). Discrimination is the
correlation between a question's score and the rest of the quiz (low or negative = the question does not
separate stronger from weaker learners; check its wording and its key). Flags: too easy at or above
{TOO_EASY:.2f}, too hard at or below {TOO_HARD:.2f}, poor discrimination below {POOR_DISCRIMINATION:.2f}.
A written question nobody has marked yet is shown as "{NOT_MARKED}", without figures or flags.</p>
{_chart(items) if items else ''}
<h2>Questions</h2><table><tr>{head}</tr>{table}</table>
{extra_html}
</body></html>
"""
    html_path = out_dir / "item-analysis.html"
    html_path.write_text(page, encoding="utf-8")
    return csv_path, html_path
