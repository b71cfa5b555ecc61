"""Canaries: unique lines planted inside every secret region of a quiz, to prove none leaks.

A test plants them in a copy of ``source/``, builds what learners get
(``release/``, feedback, the learner edition) and checks that no canary is in it.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from tests.support.course import cell_text

__all__ = ["REGIONS", "plant_canaries"]

#: The opening marker of each kind of secret region, and the canary line put just inside it.
REGIONS = [
    (re.compile(r"^(\s*)### BEGIN SOLUTION$"), "# {canary}"),
    (re.compile(r"^(\s*)=== BEGIN SOLUTION ===$"), "{canary}"),
    (re.compile(r"^(\s*)### BEGIN HIDDEN TESTS$"), "# {canary}"),
    (re.compile(r"^(\s*)### BEGIN MARK SCHEME$"), "{canary}"),
]


def plant_canaries(nb_path: Path) -> list[str]:
    """Put a unique canary line just inside every secret region of a notebook; return the canaries."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    planted = []
    for cell in nb["cells"]:
        out = []
        for line in cell_text(cell).split("\n"):
            out.append(line)
            for pattern, template in REGIONS:
                match = pattern.match(line)
                if match:
                    canary = f"CANARY{uuid.uuid4().hex}"
                    out.append(match.group(1) + template.format(canary=canary))
                    planted.append(canary)
        cell["source"] = "\n".join(out)
    Path(nb_path).write_text(json.dumps(nb), encoding="utf-8")
    return planted
