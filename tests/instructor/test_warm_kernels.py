"""Grading kernels started one learner ahead (dncourse/warm_kernels.py).

The pool must give every notebook a fresh kernel that runs beside the
learner's files, lose no output, stop every kernel it started, and change no
score: grading with and without it gives the same gradebook.
"""

from __future__ import annotations

import json
import os
import sys

import nbformat
import pytest

from dncourse import warm_kernels
from dncourse.warm_kernels import KernelPool, pooled, warm_execute_class


def _notebook(*sources, kernel="python3"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return nb


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def test_the_pool_starts_the_next_kernel_ahead_and_stops_every_kernel():
    from jupyter_core.utils import run_sync

    pool = KernelPool("python3")
    try:
        km, folder = pool.take()
        assert run_sync(km.is_alive)() and folder.is_dir() and folder.parent == pool.folder
        assert pool.started == 2                              # the next learner's kernel is starting already
        spare_km, _spare_folder = pool._ready[0]
        second, second_folder = pool.take()
        assert second is spare_km and second_folder != folder and pool.started == 3
        pool.release(km, folder)
        pool.release(second, second_folder)
        managers = [km, second] + [k for k, _ in pool._ready]
    finally:
        pool.close()
    assert not any(run_sync(k.is_alive)() for k in managers)   # used and spare kernels alike
    assert not pool.folder.exists()


def test_a_pool_needs_a_spare_kernel():
    with pytest.raises(ValueError, match="at least one spare"):
        KernelPool("python3", spare=0)


def test_the_notebook_runs_beside_the_learners_files_and_loses_no_output(tmp_path):
    learner = tmp_path / "autograded" / "learner001" / "quiz"
    learner.mkdir(parents=True)
    (learner / "data.txt").write_text("the learner's data", encoding="utf-8")
    (learner / "extra").mkdir()
    (learner / "extra" / "more.txt").write_text("more", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("not to be copied", encoding="utf-8")
    (learner / "link.txt").symlink_to(secret)
    WarmExecute = warm_execute_class()
    code = ("import os, json\n"
            "print(json.dumps({'cwd': os.getcwd(), 'data': open('data.txt').read(),"
            " 'more': open('extra/more.txt').read(), 'link': os.path.islink('link.txt'),"
            " 'target': os.readlink('link.txt')}))")
    seen = []
    with pooled("python3") as pool:
        for _ in range(3):    # the first kernel is taken the moment it starts; the others were started ahead
            nb = _notebook(code, "print('second cell')")
            WarmExecute(kernel_name="").preprocess(nb, {"metadata": {"path": str(learner)}})
            seen.append((json.loads(_stdout(nb.cells[0])), _stdout(nb.cells[1])))
        assert pool.started == 4
    for facts, second in seen:
        assert facts["data"] == "the learner's data" and facts["more"] == "more"
        assert facts["link"] is True and facts["target"] == str(secret)   # a link is copied, not followed
        assert facts["cwd"] != str(learner) and "dncourse-grading-kernels-" in facts["cwd"]
        assert second == "second cell\n"
    assert len({facts["cwd"] for facts, _ in seen}) == 3                 # a fresh kernel and folder each time
    assert (learner / "data.txt").read_text(encoding="utf-8") == "the learner's data"


def test_a_notebook_for_another_kernel_runs_the_usual_way(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "other-python"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Other Python", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join([str(tmp_path), os.environ.get("JUPYTER_PATH", "")]))
    WarmExecute = warm_execute_class()
    with pooled("python3") as pool:
        nb = _notebook("import os; print(os.getcwd())", kernel="other-python")
        WarmExecute(kernel_name="").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
        assert pool.started == 0 and _stdout(nb.cells[0]).strip() == str(tmp_path)


def test_without_a_pool_warm_execute_is_nbgraders_execute(tmp_path):
    assert warm_kernels._ACTIVE is None
    nb = _notebook("import os; print(os.getcwd())")
    warm_execute_class()(kernel_name="").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert _stdout(nb.cells[0]).strip() == str(tmp_path)


def test_one_pool_at_a_time():
    with pooled("python3"):
        with pytest.raises(RuntimeError, match="already in use"):
            with pooled("python3"):
                pass
    assert warm_kernels._ACTIVE is None


# --- the same grades with and without warm kernels ----------------------------------------------

QUIZ = "s01-what-is-dry-needling"
ATTACKERS = ("atk_shadow_mark_answer", "atk_file_access", "atk_process_exit")


def _graded_cohort(tmp, warm):
    from conftest import make_course
    from tests.support.attack_corpus import build_corpus
    from dncourse.instructor.demo_cohort import make_demo_cohort
    from dncourse.instructor.gradebook import quiz_scores
    from dncourse.instructor.grading import grade_quiz
    from dncourse.instructor.nbgrader_course import open_course

    root = make_course(tmp)
    api = open_course(root)
    assert api.generate_assignment(QUIZ)["success"]
    make_demo_cohort(root, QUIZ, 3)
    corpus = build_corpus(root, QUIZ)
    for learner in ATTACKERS:
        nb, when, _attack = corpus[learner]
        folder = root / "submitted" / learner / QUIZ
        folder.mkdir(parents=True)
        (folder / f"{QUIZ}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        (folder / "timestamp.txt").write_text(when)
    taken = []
    real_take = KernelPool.take
    KernelPool.take = lambda self: taken.append(self.folder) or real_take(self)
    try:
        summary = grade_quiz(root, QUIZ, progress=False, api=api, warm=warm)
    finally:
        KernelPool.take = real_take
    return root, summary, quiz_scores(root, QUIZ), taken


@pytest.fixture(scope="module")
def warm_and_cold(tmp_path_factory):
    return (_graded_cohort(tmp_path_factory.mktemp("warm"), True),
            _graded_cohort(tmp_path_factory.mktemp("cold"), False))


def test_warm_kernels_change_no_grade(warm_and_cold):
    (warm_root, warm, warm_scores, taken), (cold_root, cold, cold_scores, cold_taken) = warm_and_cold
    assert len(taken) == 6 and cold_taken == []    # every learner's kernel came from the pool, or none
    assert warm_scores == cold_scores
    assert len({sum(v or 0 for v in row.values()) for row in warm_scores[0].values()}) > 1, "a mixed cohort"
    assert warm.graded == cold.graded and warm.scores == cold.scores and warm.verified == cold.verified
    assert warm.protection == cold.protection

    def problems(summary, root):
        return [str(p).replace(str(root), "<course>") for p in summary.problems]

    assert problems(warm, warm_root) == problems(cold, cold_root)
    flagged = "\n".join(problems(warm, warm_root))
    assert "atk_shadow_mark_answer: INTEGRITY" in flagged and "atk_file_access: INTEGRITY" in flagged


def test_warm_kernels_leave_no_folder_behind(warm_and_cold):
    (_, _, _, taken), _cold = warm_and_cold
    assert taken and not any(folder.exists() for folder in taken)   # kernels are checked in the pool test
    assert warm_kernels._ACTIVE is None
