"""Grading kernels started one learner ahead (dncourse/instructor/kernels.py), with real kernels.

Every notebook must get a fresh kernel that runs beside a copy of the
learner's files and loses no output; every kernel the pool started is
stopped and every folder removed; nothing is left set after a run; and
grading with and without kernels started ahead gives the same grades.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import sys

import nbformat
import pytest
from jupyter_core.utils import run_sync

from dncourse.instructor import grading, kernels
from dncourse.instructor.kernels import AheadExecute, KernelPool, PromptKernelClient, kernels_started_ahead
from dncourse.runner import SlicedKernelClient
from tests.support.course import make_course


def _notebook(*sources, kernel="python3"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return nb


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def test_the_pool_starts_the_next_kernel_ahead_and_stops_every_kernel():
    with KernelPool("python3") as pool:
        km, folder = pool.take()
        assert run_sync(km.is_alive)() and folder.is_dir() and folder.parent == pool.folder
        assert pool.started == 2                              # the next learner's kernel is starting already
        client = km.client()
        assert isinstance(client, PromptKernelClient) and isinstance(client, SlicedKernelClient)
        second, second_folder = pool.take()
        assert second is not km and second_folder != folder and pool.started == 3
        pool.release(km, folder)
        pool.release(second, second_folder)   # the first one is cleaned up now
        assert not run_sync(km.is_alive)() and not folder.exists()
        managers = [km, second] + pool.waiting()
        assert len(managers) == 3 and run_sync(managers[-1].is_alive)()
    assert not any(run_sync(k.is_alive)() for k in managers)   # used and spare kernels alike
    assert not pool.folder.exists()


def test_a_pool_refuses_bad_settings():
    with pytest.raises(ValueError, match="at least one spare"):
        KernelPool("python3", spare=0)
    with pytest.raises(ValueError, match="name of a kernelspec"):
        KernelPool("")


def test_a_pool_is_shared_not_copied_by_the_configuration():
    with KernelPool("python3") as pool:
        assert copy.deepcopy(pool) is pool


def test_the_notebook_runs_beside_a_copy_of_the_learners_files_and_loses_no_output(tmp_path):
    learner = tmp_path / "autograded" / "learner001" / "quiz"
    (learner / "extra").mkdir(parents=True)
    (learner / "data.txt").write_text("the learner's data", encoding="utf-8")
    (learner / "extra" / "more.txt").write_text("more", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("not to be copied", encoding="utf-8")
    (learner / "link.txt").symlink_to(secret)
    code = ("import os, json\n"
            "print(json.dumps({'cwd': os.getcwd(), 'data': open('data.txt').read(),"
            " 'more': open('extra/more.txt').read(), 'link': os.path.islink('link.txt'),"
            " 'target': os.readlink('link.txt')}))\n"
            "open('data.txt', 'w').write('changed by the notebook')")
    seen, folders = [], []
    with KernelPool("python3") as pool:
        execute = AheadExecute(kernel_name="", kernel_pool=pool)
        for _ in range(3):    # the first kernel was started before it was needed, as the others
            nb = _notebook(code, "print('second cell')")
            execute.preprocess(nb, {"metadata": {"path": str(learner)}})
            seen.append((json.loads(_stdout(nb.cells[0])), _stdout(nb.cells[1])))
        assert pool.started == 4
        folders = [pool.folder / facts["cwd"].rsplit("/", 1)[-1] for facts, _ in seen]
    for facts, second in seen:
        assert facts["data"] == "the learner's data" and facts["more"] == "more"
        assert facts["link"] is True and facts["target"] == str(secret)   # a link is copied, not followed
        assert facts["cwd"] != str(learner) and "dncourse-grading-kernels-" in facts["cwd"]
        assert second == "second cell\n"
    assert len({facts["cwd"] for facts, _ in seen}) == 3                 # a fresh kernel and folder each time
    assert (learner / "data.txt").read_text(encoding="utf-8") == "the learner's data"
    assert not any(folder.exists() for folder in folders)


def test_a_notebook_for_another_kernel_runs_the_usual_way(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "other-python"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Other Python", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join([str(tmp_path), os.environ.get("JUPYTER_PATH", "")]))
    with KernelPool("python3") as pool:
        nb = _notebook("import os; print(os.getcwd())", kernel="other-python")
        AheadExecute(kernel_name="", kernel_pool=pool).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
        assert pool.started == 0 and _stdout(nb.cells[0]).strip() == str(tmp_path)


def test_without_a_pool_ahead_execute_is_nbgraders_execute(tmp_path):
    nb = _notebook("import os; print(os.getcwd())")
    AheadExecute(kernel_name="").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert _stdout(nb.cells[0]).strip() == str(tmp_path)


def test_a_kernel_that_died_before_it_replied_fails_as_grading_retries_it(tmp_path):
    """The message is the one :func:`grading._autograde_one` grades once more on; the next kernel works."""
    with KernelPool("python3") as pool:
        pool.fill()
        dead = pool.waiting()[0]
        run_sync(dead.signal_kernel)(signal.SIGKILL)
        execute = AheadExecute(kernel_name="", kernel_pool=pool, startup_timeout=20)
        with pytest.raises(RuntimeError, match=grading.KERNEL_NEVER_STARTED):
            execute.preprocess(_notebook("print('never runs')"), {"metadata": {"path": str(tmp_path)}})
        nb = _notebook("print('graded')")
        execute.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
        assert _stdout(nb.cells[0]) == "graded\n"


def test_kernels_started_ahead_sets_the_api_for_the_block_only(tmp_path):
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from dncourse.instructor.nbgrader_course import open_course

    api = open_course(make_course(tmp_path))
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    with kernels_started_ahead(api) as pool:
        assert api.config.AheadExecute.kernel_pool is pool
        assert AheadExecute in api.config.Autograde.autograde_preprocessors
        assert Execute not in api.config.Autograde.autograde_preprocessors
        assert pool.started == 1                                 # the first learner's kernel is starting
        spare = pool.waiting()[0]
    assert api.config.get("AheadExecute", {}).get("kernel_pool") is None
    assert list(api.config.Autograde.autograde_preprocessors) == list(default)
    assert not run_sync(spare.is_alive)() and not pool.folder.exists()
    leftovers = [name for module in (kernels, grading) for name, value in vars(module).items()
                 if isinstance(value, KernelPool)]
    assert leftovers == []


# --- the same grades with and without kernels started ahead ------------------------------------

QUIZ = "s01-what-is-dry-needling"
ATTACKERS = ("atk_shadow_mark_answer", "atk_process_exit")
REPORTER = "files_reporter"
REPORT = "\nimport os\nprint('CWD=' + os.getcwd())\nprint('DATA=' + open('notes.txt').read())\n"


def _graded_cohort(generated, tmp, ahead):
    from dncourse.instructor.demo_cohort import make_demo_cohort
    from dncourse.instructor.gradebook import quiz_scores
    from dncourse.instructor.grading import grade_quiz
    from dncourse.instructor.nbgrader_course import open_course
    from dncourse.instructor.quizspec import nbgrader_meta
    from tests.support.attack_corpus import build_corpus

    root = shutil.copytree(generated, tmp / "course")
    api = open_course(root)
    make_demo_cohort(root, QUIZ, 2)
    corpus = build_corpus(root, QUIZ)
    for learner in ATTACKERS:
        nb, when, _attack = corpus[learner]
        folder = root / "submitted" / learner / QUIZ
        folder.mkdir(parents=True)
        (folder / f"{QUIZ}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        (folder / "timestamp.txt").write_text(when)
    # a learner whose notebook prints its folder and reads a file submitted beside it
    source = root / "submitted" / "learner001" / QUIZ
    folder = root / "submitted" / REPORTER / QUIZ
    folder.mkdir(parents=True)
    nb = json.loads((source / f"{QUIZ}.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if nbgrader_meta(c).get("solution") and c["cell_type"] == "code")
    first["source"] = "".join(first["source"]) + REPORT
    (folder / f"{QUIZ}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (folder / "notes.txt").write_text("submitted beside the notebook", encoding="utf-8")
    (folder / "timestamp.txt").write_text((source / "timestamp.txt").read_text())
    path_before = os.environ.get("JUPYTER_PATH")
    summary = grade_quiz(root, QUIZ, progress=False, api=api, kernels_ahead=ahead)
    assert os.environ.get("JUPYTER_PATH") == path_before, "the sandbox's kernelspec is on JUPYTER_PATH for the run only"
    graded = nbformat.read(root / "autograded" / REPORTER / QUIZ / f"{QUIZ}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    return root, summary, quiz_scores(root, QUIZ), printed, api


@pytest.fixture(scope="module")
def ahead_and_not(generated_course, tmp_path_factory):
    """The same small cohort graded with kernels started ahead and with nbgrader's own kernels."""
    return (_graded_cohort(generated_course, tmp_path_factory.mktemp("ahead"), True),
            _graded_cohort(generated_course, tmp_path_factory.mktemp("not-ahead"), False))


def test_kernels_started_ahead_change_no_grade(ahead_and_not):
    (ahead_root, ahead, ahead_scores, _, _), (root, plain, plain_scores, _, _) = ahead_and_not
    assert ahead_scores == plain_scores
    assert len({sum(v or 0 for v in row.values()) for row in ahead_scores[0].values()}) > 1, "a mixed cohort"
    assert ahead.graded == plain.graded and ahead.scores == plain.scores and ahead.verified == plain.verified
    assert ahead.protection == plain.protection

    def problems(summary, course):
        return [str(p).replace(str(course), "<course>") for p in summary.problems]

    assert problems(ahead, ahead_root) == problems(plain, root)
    flagged = "\n".join(problems(ahead, ahead_root))
    assert "atk_shadow_mark_answer: INTEGRITY" in flagged and "atk_process_exit: autograde failed" in flagged


def test_the_learners_files_are_beside_the_notebook_in_either_way(ahead_and_not):
    (_, _, _, ahead_printed, _), (root, _, _, plain_printed, _) = ahead_and_not
    assert "DATA=submitted beside the notebook" in ahead_printed
    assert "DATA=submitted beside the notebook" in plain_printed
    assert "dncourse-grading-kernels-" in ahead_printed                     # a kernel from the pool
    assert f"CWD={root / 'autograded' / REPORTER / QUIZ}" in plain_printed  # nbgrader's own kernel


def test_a_grading_run_leaves_nothing_set_and_no_kernel_folder(ahead_and_not, tmp_path_factory):
    (_, _, _, printed, api), _ = ahead_and_not
    cwd = printed.split("CWD=", 1)[1].splitlines()[0]
    pool_folder = os.path.dirname(cwd)
    assert "dncourse-grading-kernels-" in pool_folder and not os.path.exists(pool_folder)
    assert api.config.get("AheadExecute", {}).get("kernel_pool") is None
    assert AheadExecute not in api.config.get("Autograde", {}).get("autograde_preprocessors", [])
