"""The benchmark report: ``results.md`` (tables) and ``ratios.png`` (ratio per benchmark and its target)."""

from __future__ import annotations

import math
from pathlib import Path

GROUP_TITLES = {"lessons": "Lesson, headless", "browser": "Lesson in the browser", "grading": "Grading",
                "import": "Import", "parallel": "Parallel grading"}


def _f(value, digits=2, unit="") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a" if value is None else ("never" if value == float("inf") else "n/a")
    return f"{value:.{digits}f}{unit}"


def _met(row) -> str:
    if row["met"] is None:
        return "(reported)"
    return "yes" if row["met"] else "**no**"


def ratio_rows(results) -> list[dict]:
    """Rows with a ratio against a floor (the parallel speed-up is shown apart)."""
    return [r for r in results["rows"] if r["group"] != "parallel" and r["ratio"] is not None]


def write_markdown(results, out: Path) -> Path:
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
    lines += ["| Benchmark | What | Course (s) | Floor (s) | Ratio | Target | Met |", "|---|---|---|---|---|---|---|"]
    for r in ratio_rows(results):
        lines.append(f"| {GROUP_TITLES.get(r['group'], r['group'])} | {r['name']} | {_f(r['seconds'])} | "
                     f"{_f(r['floor_seconds'])} | {_f(r['ratio'])} | {_f(r['target'])} | {_met(r)} |")
    lines.append("")
    for part, state in results["status"].items():
        if not state.startswith("ok"):
            lines.append(f"- **{part}**: {state.splitlines()[0]}")
    lines.append("")

    startup = next((r for r in rows if r["name"].startswith("start-up")), None)
    nbg = next((r for r in rows if r["name"].startswith("from nbgrader")), None)
    if startup:
        lines += ["## Fixed start-up cost of `dncourse grade`", "",
                  "Before the first learner is graded; paid once per run (and once per worker with `--workers`).", "",
                  "| Phase | Seconds |", "|---|---|"]
        lines += [f"| {k} | {_f(v)} |" for k, v in startup["extra"]["breakdown"].items()]
        lines += [f"| **total** | **{_f(startup['seconds'])}** |", "",
                  f"Without `dncourse.fastimport` (the IRI grammar built at import): "
                  f"{_f(startup['extra']['without_fastimport'])} s, so it saves "
                  f"{_f(startup['extra']['saved_by_fastimport'])} s per process. A process that only imports "
                  f"nbgrader's API takes {_f(startup['floor_seconds'])} s.", ""]
    if nbg:
        lines += ["Where importing nbgrader goes (`python -X importtime`, own time by top-level package, "
                  "without the deferral):", "", "| Package | Seconds |", "|---|---|"]
        lines += [f"| {k} | {_f(v)} |" for k, v in list(nbg["extra"]["self_seconds_by_package"].items())[:10]]
        lines.append("")
    grading = next((r for r in rows if r["group"] == "grading" and r["name"].startswith("dncourse grade")), None)
    if grading:
        lines += ["## Grading, per submission", "", "| Phase | Seconds per submission |", "|---|---|"]
        for k, v in grading["extra"]["phases_per_submission"].items():
            lines.append(f"| {k} | {_f(v, 3)} |")
        lines += [f"| floor: one-cell notebook, same Execute and kernel | {_f(grading['floor_seconds'], 3)} |", "",
                  f"Protection during the run: {grading['extra']['protection']}", ""]
        cold = grading["extra"].get("cold_seconds_per_submission")
        if cold:
            lines += ["Each learner's kernel is started while nbgrader is still busy with the learner before "
                      "(`dncourse/warm_kernels.py`). The same cohort graded again with every kernel started when "
                      f"it is needed, as nbgrader alone does: {_f(cold, 3)} s per submission (ratio "
                      f"{_f(cold / grading['floor_seconds'])}); the scores were the same.", ""]
    par = next((r for r in rows if r["group"] == "parallel"), None)
    if par:
        e = par["extra"]
        small, large = e["sizes"]
        lines += ["## Serial (SQLite) against parallel (PostgreSQL) grading", "",
                  f"{e['workers']} workers on {e['cores']} cores; results identical to the serial run "
                  "(scores per grade cell, problems, verified scores).", "",
                  f"| | Serial, SQLite | Parallel, PostgreSQL, {e['workers']} workers |", "|---|---|---|",
                  *[f"| {n} learners (s) | {_f(e['serial_seconds'][str(n)])} | {_f(e['parallel_seconds'][str(n)])} |"
                    for n in (small, large)],
                  f"| seconds per submission (slope) | {_f(e['serial_per_submission'])} | "
                  f"{_f(e['parallel_per_submission'])} |",
                  f"| fixed seconds (intercept) | {_f(e['serial_fixed'])} | {_f(e['parallel_fixed'])} |", "",
                  f"Speed-up at {large} learners: **{_f(par['ratio'])}x** (per submission: "
                  f"{_f(e['slope_speedup'])}x). "
                  + (f"Parallel grading starts to pay from about **{_f(e['break_even_learners'], 0)} learners**."
                     if math.isfinite(e["break_even_learners"]) else
                     f"Parallel grading **never pays** on this machine's {e['cores']} cores: serial grading "
                     "already keeps a second core busy by starting each learner's kernel one learner ahead."),
                  ""]
    imports = [r for r in rows if r["group"] == "import" and r["ratio"] is not None]
    if imports:
        lines += ["## What importing the course package pulls in", ""]
        for r in imports:
            lines.append(f"- `{r['name']}`: {r['note']}")
        lines.append("")
    lessons = [r for r in rows if r["group"] == "lessons"]
    if lessons:
        lines += ["## Lessons: heavy libraries each one loads (its floor loads them too)", ""]
        for r in lessons:
            lines.append(f"- {r['name']}: {r['extra'].get('modules', '?')} modules; "
                         f"{', '.join(r['extra'].get('heavy_packages', [])) or 'no heavy library'}")
        lines.append("")
    path = out / "results.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_plot(results, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = ratio_rows(results)
    par = next((r for r in results["rows"] if r["group"] == "parallel"), None)
    fig, axes = plt.subplots(1, 2 if par else 1, figsize=(13 if par else 8, max(3.5, 0.42 * len(rows) + 1.5)),
                             squeeze=False)
    ax = axes[0][0]
    labels = [f"{GROUP_TITLES.get(r['group'], r['group'])}: {r['name']}" for r in rows]
    values = [r["ratio"] for r in rows]
    colours = ["#999999" if r["met"] is None else "#0072B2" if r["met"] else "#D55E00" for r in rows]
    y = list(range(len(rows)))[::-1]
    ax.barh(y, values, color=colours, height=0.6)
    for yi, r in zip(y, rows):
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [yi - 0.4, yi + 0.4], color="black", linewidth=2)
        ax.text(r["ratio"], yi, f" {r['ratio']:.2f}", va="center", fontsize=8)
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("course time / floor time (lower is better); black mark: target")
    ax.set_title(f"Ratio to the floor ({results['size']} size); orange: above target, grey: no target",
                 fontsize=10)
    if par:
        e = par["extra"]
        ax2 = axes[0][1]
        top = max(e["sizes"]) * 1.1
        n = [0, top]
        for mode, colour, label in (("serial", "#D55E00", "serial, SQLite"),
                                    ("parallel", "#0072B2", f"parallel, PostgreSQL, {e['workers']} workers")):
            fixed, slope = e[f"{mode}_fixed"], e[f"{mode}_per_submission"]
            ax2.plot(n, [fixed + slope * x for x in n], color=colour, label=label)
            ax2.plot(e["sizes"], [e[f"{mode}_seconds"][str(s)] for s in e["sizes"]], "o", color=colour)
        if math.isfinite(e["break_even_learners"]) and e["break_even_learners"] <= top:
            ax2.axvline(e["break_even_learners"], color="grey", linestyle="--", linewidth=0.8)
            ax2.text(e["break_even_learners"], 0, f" pays from {e['break_even_learners']:.0f}", fontsize=8,
                     va="bottom")
        ax2.set_xlabel("learners")
        ax2.set_ylabel("seconds to grade the cohort")
        ax2.set_title(f"Speed-up {par['ratio']:.2f}x at {max(e['sizes'])} learners", fontsize=10)
        ax2.legend(fontsize=8)
    fig.tight_layout()
    path = out / "ratios.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(results, out: Path) -> tuple[Path, Path]:
    out = Path(out)
    return write_markdown(results, out), write_plot(results, out)
