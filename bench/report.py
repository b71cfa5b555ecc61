"""The benchmark report: ``results.md`` (every figure beside its target) and ``ratios.png`` (the same as bars)."""

from __future__ import annotations

import math
from pathlib import Path

from bench.common import PART_GROUP, TARGETS

GROUP_TITLES = {"grading": "Grading", "lessons": "Lesson, headless", "browser": "Lesson in the browser",
                "import": "Import"}
TABLE_HEADER = "| Benchmark | What | Course (s) | Floor (s) | Ratio | Target | Met |"


def fmt(value, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, or "n/a" when it is missing or not finite."""
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def met_text(row: dict) -> str:
    """The Met column: yes, **no**, or (reported) for a figure without a target or without a ratio."""
    if row.get("ratio") is None or row.get("target") is None:
        return "(reported)"
    return "yes" if row["ratio"] <= row["target"] else "**no**"


def table_line(row: dict) -> str:
    """One row of the table; the Met column is worked out here from the ratio and the target."""
    target = "-" if row.get("target") is None else f"≤ {fmt(row['target'])}"
    return (f"| {GROUP_TITLES.get(row['group'], row['group'])} | {row['name']} | {fmt(row.get('seconds'))} | "
            f"{fmt(row.get('floor_seconds'))} | {fmt(row.get('ratio'))} | {target} | {met_text(row)} |")


def target_problems(results: dict) -> list[str]:
    """What is wrong with the figures of the parts that ran: a part without rows, a row without its target,
    a ratio that is not the course's time over the floor's, a time that is not a positive number.

    Rows without a target are allowed only as extras beside a part's targeted rows (``target`` None and
    ``ratio`` None, or a row the part marks as reported).
    """
    problems = []
    rows = results["rows"]
    for part, state in results["status"].items():
        if not state.startswith("ok") or part not in TARGETS:
            continue
        group = PART_GROUP[part]
        targeted = [r for r in rows if r["group"] == group and r.get("target") is not None]
        if not targeted:
            problems.append(f"{part}: no figure with its target ({TARGETS[part]})")
        for r in rows:
            if r["group"] != group:
                continue
            if r.get("target") is not None and r["target"] != TARGETS[part]:
                problems.append(f"{part}: {r['name']} has target {r['target']}, not {TARGETS[part]}")
            if r.get("ratio") is not None:
                course, floor = r.get("seconds"), r.get("floor_seconds")
                if not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in (course, floor)):
                    problems.append(f"{part}: {r['name']} has a ratio but no positive times")
                elif not math.isclose(r["ratio"], course / floor, rel_tol=1e-9):
                    problems.append(f"{part}: {r['name']} has ratio {r['ratio']}, not {course / floor}")
            elif r.get("target") is not None:
                problems.append(f"{part}: {r['name']} has a target but no ratio")
    return problems


def write_markdown(results: dict, out: Path) -> Path:
    """Write ``results.md`` in ``out``: the table, parts that did not run, and details per part."""
    rows = results["rows"]
    m = results["machine"]
    lines = ["# Benchmarks against the floor", "",
             f"Size **{results['size']}**, {m['before']['date']}; {m['before']['cores']} cores, Python "
             f"{m['before']['python']}; load average {m['before']['load_average'][0]} at the start and "
             f"{m['after']['load_average'][0]} at the end; {m['seconds'] / 60:.1f} min. "
             "Each ratio is the course's time divided by the floor's, measured alternately in the same run: "
             "lower is better, and it should be at most the target.", ""]
    if results["size"] == "tiny":
        lines += ["*Tiny size: a check that the benchmarks run; the figures mean nothing.*", ""]
    lines += [TABLE_HEADER, "|---|---|---|---|---|---|---|"]
    lines += [table_line(r) for r in rows]
    lines.append("")
    for part, state in results["status"].items():
        if not state.startswith("ok"):
            lines.append(f"- **{part}**: {state.splitlines()[0]}")
    lines.append("")
    grading = [r for r in rows if r["group"] == "grading"]
    if grading:
        lines += ["## Grading", ""]
        for r in grading:
            e = r.get("extra", {})
            lines.append(f"- {r['name']}: {fmt(e.get('per_submission'), 3)} s per submission against "
                         f"{fmt(e.get('nbgrader_per_submission'), 3)} s for plain `nbgrader autograde`; "
                         + ("every kernel in the bubblewrap sandbox" if e.get("sandboxed")
                            else "**no sandbox** (bubblewrap is not available here)")
                         + "; scores verified without running learner code.")
        lines.append("")
    imports = [r for r in rows if r["group"] == "import"]
    if imports:
        lines += ["## What importing the course package pulls in", ""]
        lines += [f"- `{r['name']}`: {r['note']}" for r in imports]
        lines.append("")
    lessons = [r for r in rows if r["group"] == "lessons"]
    if lessons:
        lines += ["## Lessons: heavy libraries each one loads (its floor loads them too)", ""]
        for r in lessons:
            e = r.get("extra", {})
            lines.append(f"- {r['name']}: {e.get('modules', '?')} modules; "
                         f"{', '.join(e.get('heavy_packages', [])) or 'no heavy library'}")
        lines.append("")
    path = Path(out) / "results.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_plot(results: dict, out: Path) -> Path:
    """Write ``ratios.png`` in ``out``: each ratio as a bar, its target as a black mark."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results["rows"] if r.get("ratio") is not None]
    fig, ax = plt.subplots(figsize=(8, max(3.5, 0.42 * len(rows) + 1.5)))
    labels = [f"{GROUP_TITLES.get(r['group'], r['group'])}: {r['name']}" for r in rows]
    colours = {"(reported)": "#999999", "yes": "#0072B2", "**no**": "#D55E00"}
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [r["ratio"] for r in rows], color=[colours[met_text(r)] for r in rows], height=0.6)
    for yi, r in zip(y, rows):
        if r.get("target") is not None:
            ax.plot([r["target"]] * 2, [yi - 0.4, yi + 0.4], color="black", linewidth=2)
        ax.text(r["ratio"], yi, f" {r['ratio']:.2f}", va="center", fontsize=8)
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("course time / floor time (lower is better); black mark: target")
    ax.set_title(f"Ratio to the floor ({results['size']} size); orange: above target, grey: no target", fontsize=10)
    fig.tight_layout()
    path = Path(out) / "ratios.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(results: dict, out: Path) -> tuple[Path, Path]:
    """Write ``results.md`` and ``ratios.png`` in ``out``; their paths."""
    out = Path(out)
    return write_markdown(results, out), write_plot(results, out)
