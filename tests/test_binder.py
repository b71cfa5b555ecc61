"""Binder and the learner's JupyterLab, tested without Docker.

* ``repo2docker --no-build --debug .`` shows the image Binder would build: from
  ``environment.yml``, with Python 3.11, then ``postBuild``.
* ``postBuild`` is run for real into a throw-away Python environment that
  stands in for Binder's (it sees the course's installed packages, so nothing
  is downloaded; pip gets no package index): it installs the course package
  (editable, without build isolation) and the learner settings into that
  environment.  Then a Jupyter server started from that environment, exactly
  as Binder starts it, answers 404 for the Formgrader, validates a quiz, and
  JupyterLab lists the widgets manager as enabled and OK.
* The same holds for the local learner configuration that ``make lab`` uses
  (``jupyter/learner``), and, to show these tests can fail, the Formgrader is
  there in the instructor's configuration.
* The learner settings themselves: nbgrader's authoring tools disabled and
  locked with Validate kept, no news, and every default shortcut that deletes,
  cuts, merges, splits, pastes or retypes a cell switched off; no kernel
  set-up (no IPython configuration or kernel extension), and ``make lab``
  opens JupyterLab with no step that runs notebooks first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from dncourse.content.loader import DATA_DIR
from tests.support.course import ROOT, release_quiz_paths
from tests.support.jlab import JupyterServer
from tests.support.scripts import learner_settings, pins

BIN = Path(sys.executable).parent
LEARNER = ROOT / "jupyter" / "learner"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

NBGRADER_AUTHORING = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list"]
VALIDATE = "@jupyter/nbgrader:validate-assignment"
MATHJAX = "@jupyterlab/mathjax-extension:plugin"
# TeX math as JupyterLab's Markdown would typeset it: $...$, $$, \(, \[ or \begin{.
TEX_MATH = re.compile(r"\$[^$\s][^$\n]*\$|\$\$|\\\(|\\\[|\\begin\{")
# Commands a learner must not reach by a stray key: they delete, cut, merge,
# split, paste over or retype cells.
PROTECTED_COMMANDS = {
    "notebook:delete-cell", "notebook:cut-cell", "notebook:merge-cells", "notebook:merge-cell-above",
    "notebook:merge-cell-below", "notebook:split-cell-at-cursor", "notebook:paste-cell-below",
    "notebook:paste-cell-above", "notebook:paste-and-replace-cell", "notebook:change-cell-to-code",
    "notebook:change-cell-to-markdown", "notebook:change-cell-to-raw",
    *(f"notebook:change-cell-to-heading-{n}" for n in range(1, 7)),
}


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _quiz() -> str:
    return str(release_quiz_paths()[0].relative_to(ROOT))


# ---------------------------------------------------------------------------
# repo2docker and postBuild as files
# ---------------------------------------------------------------------------

def test_repo2docker_builds_from_environment_yml_with_python_311():
    repo2docker = BIN / "repo2docker"
    assert repo2docker.exists(), "jupyter-repo2docker is missing (requirements-test.txt)"
    run = subprocess.run([str(repo2docker), "--no-build", "--debug", "."], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert pins().read_python(ROOT / "environment.yml") == "3.11"
    assert "Building conda environment for python=3.11" in out
    env_step = out.index('--file "environment.yml"')
    assert "COPY --chown=0:0 src/environment.yml" in out
    assert out.index("RUN ./postBuild") > env_step, "postBuild runs after the environment is installed"
    # A binder/ folder would make repo2docker ignore environment.yml and postBuild at
    # the top; a top-level package.json would add an npm install of the test tools.
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert "package.json" not in out and not (ROOT / "package.json").exists()


def test_postbuild_is_a_strict_bash_script():
    text = (ROOT / "postBuild").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert text.startswith("#!/usr/bin/env bash\n")
    assert lines[0] == "set -euo pipefail", "set -euo pipefail must come before any command"
    assert "jupyter/install_learner_settings.py" in text and "pip install" in text
    assert os.access(ROOT / "postBuild", os.X_OK)
    staged = subprocess.run(["git", "ls-files", "-s", "postBuild"], cwd=ROOT, capture_output=True, text=True)
    if staged.returncode == 0 and staged.stdout:
        assert staged.stdout.startswith("100755"), "postBuild must be executable in git"
    assert subprocess.run(["bash", "-n", str(ROOT / "postBuild")]).returncode == 0


# ---------------------------------------------------------------------------
# The learner settings (jupyter/learner)
# ---------------------------------------------------------------------------

def test_learner_page_config_disables_and_locks_the_authoring_tools_but_keeps_validate():
    config = _json(LEARNER / "labconfig" / "page_config.json")
    disabled = {k for k, v in config["disabledExtensions"].items() if v}
    locked = {k for k, v in config["lockedExtensions"].items() if v}
    assert set(NBGRADER_AUTHORING) <= disabled
    assert VALIDATE not in disabled
    assert set(NBGRADER_AUTHORING) | {VALIDATE} <= locked


def test_learner_page_config_leaves_out_mathjax_which_no_course_text_uses():
    config = _json(LEARNER / "labconfig" / "page_config.json")
    assert config["disabledExtensions"].get(MATHJAX) is True and config["lockedExtensions"].get(MATHJAX) is True
    # With MathJax off, TeX would show as raw dollar signs: no text a learner sees may rely on it.
    texts = []
    for folder in ("notebooks", "source", "release"):
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            for index, cell in enumerate(_json(path)["cells"]):
                if cell["cell_type"] == "markdown":
                    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                    texts.append((f"{path.relative_to(ROOT)}, cell {index}", source))
    data = sorted(p for p in DATA_DIR.rglob("*.*")
                  if p.suffix in (".json", ".csv") and not p.name.endswith(".schema.json"))
    texts += [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in data]
    assert len(texts) > 100 and any("notebooks" in name for name, _ in texts) and data
    uses_tex = [name for name, text in texts if TEX_MATH.search(text)]
    assert uses_tex == [], f"TeX math, which the learner's JupyterLab does not typeset: {uses_tex}"
    assert TEX_MATH.search("a fall of $x$ points") and TEX_MATH.search(r"\(x\)") and not TEX_MATH.search("costs $40")


def test_learner_server_config_turns_off_the_authoring_server_extensions():
    config = _json(LEARNER / "jupyter_server_config.json")
    extensions = config["ServerApp"]["jpserver_extensions"]
    for name in ("formgrader", "course_list", "assignment_list"):
        assert extensions[f"nbgrader.server_extensions.{name}"] is False
    assert extensions["nbgrader.server_extensions.validate_assignment"] is True
    assert config["LabApp"]["news_url"] is None


def _default_shortcuts() -> list[dict]:
    """Every shortcut that JupyterLab's and Notebook 7's plugins define, from their installed schemas."""
    import jupyterlab
    import notebook

    found = []
    roots = [Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas",
             Path(jupyterlab.__file__).parent / "schemas", Path(notebook.__file__).parent / "schemas"]
    for root in roots:
        for schema in root.rglob("*.json"):
            try:
                found += json.loads(schema.read_text(encoding="utf-8")).get("jupyter.lab.shortcuts", [])
            except (ValueError, AttributeError):
                continue
    return found


def test_learner_overrides_switch_off_news_the_delete_button_and_cell_breaking_shortcuts():
    overrides = _json(LEARNER / "lab-settings" / "overrides.json")
    news = overrides["@jupyterlab/apputils-extension:notification"]
    assert news == {"fetchNews": "false", "checkForUpdates": False}
    toolbar = overrides["@jupyterlab/cell-toolbar-extension:plugin"]["toolbar"]
    assert {"name": "delete-cell", "disabled": True} in toolbar

    disabled = {(s["command"], tuple(s["keys"]), s.get("selector"))
                for s in overrides["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"] if s.get("disabled")}
    defaults = [s for s in _default_shortcuts() if s["command"] in PROTECTED_COMMANDS and not s.get("disabled")]
    assert {s["command"] for s in defaults} >= {"notebook:delete-cell", "notebook:change-cell-to-markdown"}, \
        "JupyterLab's default shortcuts were not found"
    missing = [s for s in defaults if (s["command"], tuple(s["keys"]), s.get("selector")) not in disabled]
    assert missing == [], "default shortcuts that can still delete, merge, split, paste or retype a cell"
    # and nothing else is switched off by mistake
    assert {command for command, _, _ in disabled} <= PROTECTED_COMMANDS


def test_installer_merges_with_what_is_there(tmp_path):
    existing = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    existing.parent.mkdir(parents=True)
    existing.write_text(json.dumps({"disabledExtensions": {"some-other:plugin": True}, "other": 1}))
    install, merge = learner_settings().install, learner_settings().merge
    written = install(tmp_path)
    assert len(written) == 3 and all(p.is_relative_to(tmp_path) for p in written)
    assert existing in written
    assert not (tmp_path / "etc" / "ipython").exists(), "the learner's kernels get no IPython configuration"
    config = _json(existing)
    assert config["other"] == 1 and config["disabledExtensions"]["some-other:plugin"] is True
    assert config["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    install(tmp_path)  # a second run changes nothing
    assert _json(existing) == config
    assert merge({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}) == {"a": {"b": 3, "c": 2}}


def test_learner_configuration_has_no_kernel_set_up():
    """The learner's kernels are plain IPython kernels: no kernel extension, no IPython configuration."""
    files = sorted(p.relative_to(LEARNER).as_posix() for p in LEARNER.rglob("*") if p.is_file())
    assert files == ["jupyter_server_config.json", "lab-settings/overrides.json", "labconfig/page_config.json"]
    assert sorted(learner_settings().FILES) == files
    text = "".join((LEARNER / name).read_text(encoding="utf-8") for name in files)
    for word in ("IPKernelApp", "InteractiveShellApp", '"extensions"', "exec_lines", "dncourse"):
        assert word not in text, f"the learner configuration sets up kernels ({word})"


# What a step that runs a notebook before JupyterLab opens would show in `make -n`.
RUNS_NOTEBOOKS = ("dncourse.runner", "dncourse.instructor", "nbconvert", "nbclient", "--execute", "papermill",
                  "predraw")


def test_make_lab_runs_the_learner_configuration_and_no_notebook_first():
    for flags in (["-n"], ["-n", "-B"]):   # as it is now, and from a fresh checkout
        run = subprocess.run(["make", *flags, "lab"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert f"JUPYTER_CONFIG_PATH={LEARNER}" in run.stdout
        assert f"--LabServerApp.app_settings_dir={LEARNER / 'lab-settings'}" in run.stdout
        assert "jupyter lab" in run.stdout and run.stdout.count(".ipynb") == 1, run.stdout
        assert [word for word in RUNS_NOTEBOOKS if word in run.stdout] == [], run.stdout
        # the learner's own folder, with copies of the lessons and student quizzes, is what JupyterLab serves
        assert "-m dncourse.learner_folder my-course" in run.stdout
        assert f"--ServerApp.root_dir={ROOT / 'my-course'}" in run.stdout
        assert "--LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb" in run.stdout


# ---------------------------------------------------------------------------
# Servers: Binder's (after postBuild), make lab's, and the instructor's
# ---------------------------------------------------------------------------

def _copy_course(target: Path) -> Path:
    """The repository's files, as Binder checks them out (no .git, no .venv, no build output)."""
    ignore = shutil.ignore_patterns(".git", ".venv", "node_modules", "test-artifacts", "build", "__pycache__",
                                    "*.egg-info", ".pytest_cache", ".ipynb_checkpoints", "gradebook.db")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    return target


def _binder_like_prefix(prefix: Path) -> Path:
    """A new Python environment that sees the course's installed packages, as Binder's env would have them.

    Jupyter's installed configuration (``etc/jupyter``) is copied, the
    JupyterLab application and extensions are linked; postBuild then writes
    into this environment and nothing else.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True, timeout=120)
    site = next((prefix / "lib").glob("python3.*/site-packages"))
    course_site = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_relative_to(sys.prefix))
    (site / "_course_packages.pth").write_text(f"import site; site.addsitedir({str(course_site)!r})\n")
    shutil.copytree(Path(sys.prefix) / "etc" / "jupyter", prefix / "etc" / "jupyter")
    share = prefix / "share" / "jupyter"
    (share / "lab").mkdir(parents=True)
    (share / "labextensions").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "labextensions")
    for name in ("static", "schemas", "themes"):
        (share / "lab" / name).symlink_to(Path(sys.prefix) / "share" / "jupyter" / "lab" / name)
    return prefix


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    """postBuild run into a Binder-like environment, and a server started from it as Binder does."""
    tmp = tmp_path_factory.mktemp("binder")
    prefix = _binder_like_prefix(tmp / "env")
    repo = _copy_course(tmp / "repo")
    ours = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    before = ours.read_bytes() if ours.exists() else None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PIP_"))}
    env["PATH"] = f"{prefix / 'bin'}{os.pathsep}{env['PATH']}"
    env["PIP_NO_INDEX"] = "1"   # postBuild must need nothing that Binder's environment.yml did not install
    build = subprocess.run(["bash", "postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    installed = [prefix / destination for destination in learner_settings().FILES.values()]
    assert [path for path in installed if not path.is_file()] == [], "postBuild left out learner settings"
    # the course package is installed into Binder's environment, editable, from the checkout
    where = subprocess.run([str(prefix / "bin" / "python"), "-c", "import dncourse; print(dncourse.__file__)"],
                           cwd=tmp, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.strip() == str(repo / "dncourse" / "__init__.py"), where.stdout + where.stderr
    assert (ours.read_bytes() if ours.exists() else None) == before, "postBuild wrote outside its environment"
    server = JupyterServer(root=repo, workdir=tmp / "state", learner=False, python=str(prefix / "bin" / "python"))
    server.start()
    yield server, prefix, build.stdout + build.stderr
    server.stop()


@pytest.fixture(scope="module")
def local_learner(tmp_path_factory):
    """The configuration `make lab` runs (jupyter/learner), from the course's own environment, serving
    the learner's own folder as `make lab` prepares it."""
    from dncourse.learner_folder import prepare_learner_folder

    tmp = tmp_path_factory.mktemp("learner")
    prepare_learner_folder(tmp / "my-course", root=_copy_course(tmp / "repo"))
    server = JupyterServer(root=tmp / "my-course", workdir=tmp / "state", learner=True)
    server.start()
    yield server
    server.stop()


def _validate(server: JupyterServer) -> dict:
    body = urllib.parse.urlencode({"path": _quiz()}).encode()
    status, out = server.request("/assignments/validate", data=body, method="POST")
    assert status == 200, out[:500]
    return json.loads(out)


def _page_config(server: JupyterServer) -> dict:
    status, html = server.request("/lab")
    assert status == 200
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html.decode(), re.S)
    return json.loads(match.group(1))


def _assert_learner_server(server: JupyterServer) -> None:
    assert server.request("/formgrader")[0] == 404
    result = _validate(server)
    assert result["success"] is True, result
    failed = result["value"]["failed"]
    assert failed and "check_answer" in failed[0]["source"], "the unanswered quiz fails validation"
    config = _page_config(server)
    assert set(NBGRADER_AUTHORING) <= set(config["disabledExtensions"])
    assert VALIDATE not in config["disabledExtensions"] and VALIDATE in config["lockedExtensions"]
    assert MATHJAX in config["disabledExtensions"]
    assert config.get("newsUrl") in (None, "")
    status, body = server.request("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert status == 200 and json.loads(body)["schema"]["properties"]["fetchNews"]["default"] == "false"
    status, body = server.request("/lab/api/settings/@jupyterlab/shortcuts-extension:shortcuts")
    shortcuts = json.loads(body)["schema"]["properties"]["shortcuts"]["default"]
    assert {"notebook:delete-cell", "notebook:change-cell-to-raw"} <= {s["command"] for s in shortcuts if s.get("disabled")}


def _labextension_list(command: list[str], env_extra: dict | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(env_extra or {})
    run = subprocess.run(command + ["list"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    return ANSI.sub("", run.stdout + run.stderr)


def _assert_extension_list(listing: str) -> None:
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled\s+OK", listing), listing
    disabled = listing.split("Disabled extensions:", 1)[1]
    for plugin in NBGRADER_AUTHORING:
        assert re.search(rf"^\s*{re.escape(plugin)}\s*$", disabled, re.M), plugin
    assert VALIDATE not in disabled


def test_binder_learner_server(binder):
    server, _, build_log = binder
    assert "learner configuration: wrote" in build_log
    _assert_learner_server(server)


def test_binder_labextension_list(binder):
    _, prefix, _ = binder
    # the environment has no `jupyter` script of its own: this is what `jupyter labextension` runs
    _assert_extension_list(_labextension_list([str(prefix / "bin" / "python"), "-m", "jupyterlab.labextensions"]))


def test_local_learner_server(local_learner):
    _assert_learner_server(local_learner)
    status, body = local_learner.request("/api/contents")
    assert status == 200
    assert sorted(item["name"] for item in json.loads(body)["content"]) == ["notebooks", "release"]
    assert local_learner.request("/api/contents/source")[0] == 404
    status, body = local_learner.request("/api/contents/release")
    assert {item["name"] for item in json.loads(body)["content"]} == {p.name for p in (ROOT / "release").iterdir()}


def test_local_learner_labextension_list():
    _assert_extension_list(_labextension_list([str(BIN / "jupyter"), "labextension"],
                                              {"JUPYTER_CONFIG_PATH": str(LEARNER)}))


def test_instructor_configuration_keeps_the_formgrader(tmp_path):
    """Without the learner configuration the Formgrader is served: the 404s above are the configuration's doing."""
    server = JupyterServer(root=_copy_course(tmp_path / "repo"), workdir=tmp_path / "state", learner=False)
    server.start()
    try:
        assert server.request("/formgrader")[0] in (200, 302)
        assert "@jupyter/nbgrader:formgrader" not in _page_config(server)["disabledExtensions"]
    finally:
        server.stop()
