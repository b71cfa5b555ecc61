"""A synthetic cohort, so anyone can try the whole instructor path.

:func:`make_demo_cohort` writes N learners' submissions of a quiz into a
course's ``submitted/`` folder, as ``nbgrader collect`` would.  A fixed seed
makes the cohort the same every time.  Learners are strong, average or weak;
a few leave answers blank or type them badly, some write a free-text answer,
and one submits late.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dncourse.instructor.quizspec import nbgrader_meta, read_questions

__all__ = ["DUE", "make_demo_cohort", "learner_ids"]

#: The due date the demo sets for every quiz; the late learner submits after it.
DUE = datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)
_ABILITY = [0.92, 0.75, 0.55, 0.35]
_BAD = {"choice": ["E", ["A"], ""], "multi": ["", 42], "order": ["AB"], "truefalse": ["perhaps", None],
        "number": ["about ten", ""]}
_WRITTEN = [
    "Dry needling puts a needle through the skin, so it is invasive. Bruising and soreness are common; "
    "serious problems are rare but possible.",
    "It is safe and works for everyone.",
    "I am not sure.",
]


def learner_ids(n: int) -> list[str]:
    """The demo learners' ids: learner001, learner002, ..."""
    return [f"learner{i:03d}" for i in range(1, n + 1)]


def _wrong(q, key, rng):
    if q.kind in ("choice", "multi"):
        options = [o for o in q.spec.get("options", "ABCD") if o != key]
        return rng.choice(options) if q.kind == "choice" else "".join(sorted(rng.sample(options, 1)))
    if q.kind == "order":
        return key[::-1]
    if q.kind == "truefalse":
        return not key
    return float(key) + rng.choice([-1, 1]) * (10 * (q.tolerance + 1))


def _answers(questions, ability, rng, sloppy):
    answers = {}
    for q in questions:
        key = q.normalised_key()
        roll = rng.random()
        if sloppy and roll < 0.15:
            answers[q.number] = ...
        elif sloppy and roll < 0.3:
            answers[q.number] = rng.choice(_BAD[q.kind])
        elif rng.random() < ability:
            answers[q.number] = key if q.kind != "multi" else ", ".join(key)
        else:
            answers[q.number] = _wrong(q, key, rng)
    return answers


def make_demo_cohort(root: Path, quiz: str, n: int, seed: int = 2026) -> list[str]:
    """Write ``n`` synthetic submissions of ``quiz`` into ``root/submitted``; return the learner ids.

    Needs ``release/<quiz>/`` in the course (the student version the learners answer).
    """
    root = Path(root)
    release = sorted((root / "release" / quiz).glob("*.ipynb"))
    if not release:
        raise FileNotFoundError(f"no release/{quiz}/ notebook in {root}: generate the quiz first")
    rng = random.Random(f"{seed}-{quiz}")
    questions = {path.name: read_questions(root / "source" / quiz / path.name) for path in release}
    learners = learner_ids(n)
    late = learners[-1] if n else None
    for index, learner in enumerate(learners):
        ability = _ABILITY[index % len(_ABILITY)]
        sloppy = index % 5 == 4
        folder = root / "submitted" / learner / quiz
        folder.mkdir(parents=True, exist_ok=True)
        for path in release:
            nb = json.loads(path.read_text(encoding="utf-8"))
            answers = _answers(questions[path.name], ability, rng, sloppy)
            by_cell = {q.answer_grade_id: q for q in questions[path.name]}
            for cell in nb["cells"]:
                meta = nbgrader_meta(cell)
                q = by_cell.get(meta.get("grade_id"))
                if q is not None:
                    value = answers[q.number]
                    cell["source"] = f"{q.variable} = {'...' if value is ... else repr(value)}\n"
                elif cell["cell_type"] == "markdown" and meta.get("grade") and meta.get("solution"):
                    if rng.random() < 0.8:
                        cell["source"] = rng.choice(_WRITTEN)
                elif cell["cell_type"] == "code" and cell.get("source", "") in ('NAME = ""', ['NAME = ""']):
                    cell["source"] = f'NAME = "Demo {learner}"'
            (folder / path.name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
        when = DUE - timedelta(days=1, minutes=7 * index)
        if learner == late:
            when = DUE + timedelta(hours=26)
        (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
    return learners
