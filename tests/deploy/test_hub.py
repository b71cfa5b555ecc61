"""The clinic hub (``deploy/hub``) for real: JupyterHub 6.1, nbgrader's exchange, real accounts, Chromium.

On this machine, as root, with no container engine: the test makes two
learners, an instructor and a grader account (``useradd``, random names),
lays out the hub with ``deploy/hub/setup_hub.py``, releases quiz s01 as the
grader and starts JupyterHub with ``deploy/hub/jupyterhub_config.py`` (one
shared password for the trial, random ports), with the hub's environment built
by ``make hub-deps`` and configurable-http-proxy from npm. Then, in Chromium:

1. a learner logs in, opens the Assignments tab, fetches s01, answers a few
   questions (some right, some wrong), runs Validate and submits;
2. a second learner submits other answers;
3. collection and ``dncourse grade`` run as the grader; the instructor opens
   the course's Formgrader in its own tab and sees both submissions, and the
   Courses list of their own server finds it (nbgrader #1831); feedback is
   generated and released;
4. each learner fetches feedback and sees their own score, the score their
   answers earn by the quiz's key, and no hidden test, mark scheme or answer;
5. a learner gets an error status from the Formgrader, and cannot read the
   course's ``source/``, the gradebook or another learner's work, list the
   exchange's inbound folder, or overwrite or move another learner's submission.

Skipped with the reason when this is not root, ``useradd`` is missing, or the
hub's environment, the proxy, Chromium or Playwright is missing; under
``CI=true`` it fails instead. Every process it started is stopped and every
account it made removed (with its home folder), also when a step fails.
Screenshots go to ``test-artifacts/hub/``.
"""

from __future__ import annotations

import ast
import filecmp
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.course import IN_CI, ROOT
from tests.support.jlab import CHROMIUM, CHROMIUM_ARGS, free_port

HUB_DIR = ROOT / "deploy" / "hub"
VENV = Path(os.environ.get("DNCOURSE_HUB_VENV", "/opt/dncourse-hub/venv"))
PROXY = HUB_DIR / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE = "dry-needling-safety"
QUIZ = "s01-what-is-dry-needling"
SOURCE = ROOT / "source" / QUIZ / f"{QUIZ}.ipynb"
ARTIFACTS = ROOT / "test-artifacts" / "hub"
PASSWORD = "clinic-trial-" + secrets.token_hex(6)
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"

# What each learner types into which answer cell (Python literals); every other
# question is left as it is ("..."), which earns nothing.
ANSWERS = {
    "first": {"answer_1_1": '"B"', "answer_1_2": "False", "answer_1_3": '"A"'},
    "second": {"answer_1_1": '"C"', "answer_1_4": '"A, C"', "answer_1_5": "1984", "answer_1_7": '"A"'},
}


# ---------------------------------------------------------------------------
# What this machine must have
# ---------------------------------------------------------------------------

def _stale_package_files() -> list[str]:
    """Files of the course package that differ between this checkout and the hub's environment."""
    found = sorted(VENV.glob("lib/python3.*/site-packages/dncourse"))
    if not found:
        return ["dncourse (not installed)"]
    stale = []
    for path in (ROOT / "dncourse").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".csv", ".json"):
            installed = found[0] / path.relative_to(ROOT / "dncourse")
            if not installed.exists() or not filecmp.cmp(path, installed, shallow=False):
                stale.append(str(path.relative_to(ROOT)))
    return stale


def missing_reason() -> str | None:
    """Why the hub cannot be tested here (a sentence with the fix), or None."""
    if os.geteuid() != 0:
        return "the hub test makes system accounts and runs JupyterHub as root: run it as root"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            return f"`{tool}` is missing (Debian package passwd or util-linux)"
    if not (VENV / "bin" / "jupyterhub").exists():
        return f"the hub's environment is missing at {VENV}: run `make hub-deps` (deploy/hub/install.sh)"
    if not PROXY.exists():
        return "configurable-http-proxy is missing in deploy/hub/node: run `make hub-deps` (it runs npm ci)"
    if shutil.which("node") is None:
        return "Node.js is missing (configurable-http-proxy needs it): apt-get install nodejs"
    stale = _stale_package_files()
    if stale:
        return (f"the hub's environment at {VENV} holds another version of the course package "
                f"({', '.join(stale[:3])}{' ...' if len(stale) > 3 else ''}): run `make hub-deps`")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is missing at {CHROMIUM}: run `make browser-deps`"
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is missing (requirements-test.txt; `make test` installs it)"
    return None


# ---------------------------------------------------------------------------
# Accounts and processes
# ---------------------------------------------------------------------------

def _tool(name: str) -> str:
    """The full path of a system tool (``/usr/sbin`` is not always on PATH)."""
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or name


def _pids_of(uid: int) -> list[int]:
    """The processes running under ``uid`` now."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        match = re.search(r"^Uid:\s+(\d+)", text, re.MULTILINE)
        if match and int(match.group(1)) == uid:
            pids.append(int(status.parent.name))
    return pids


def _kill_all_of(uid: int) -> None:
    """Stop every process of a test account (only the test's own accounts are ever passed here)."""
    for _ in range(50):
        pids = _pids_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (and is not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class Account:
    """A system account the test made."""

    name: str
    uid: int = 0
    home: Path = Path("/")


@dataclass
class Clinic:
    """Everything the test set up: accounts, folders, the hub's address, the browser."""

    learners: list[Account]
    instructor: Account
    grader: Account
    hub_root: Path
    base: str = ""
    browser: object = None
    hub: subprocess.Popen | None = None
    submissions: dict = field(default_factory=dict)   # learner name -> the answers they typed
    pages: dict = field(default_factory=dict)         # account name -> that person's browser tab

    @property
    def exchange(self) -> Path:
        return self.hub_root / "exchange"

    @property
    def course_dir(self) -> Path:
        return self.grader.home / COURSE

    def grader_env(self, user: Account) -> list[str]:
        """``env -i ...`` for a command run as ``user`` with the grader's Jupyter settings."""
        return ["env", "-i", f"HOME={user.home}", f"USER={user.name}", f"LOGNAME={user.name}", "LANG=C.UTF-8",
                f"PATH={VENV / 'bin'}:{SYSTEM_PATH}",
                f"JUPYTER_CONFIG_PATH={self.hub_root / 'jupyter' / 'grader'}:{self.hub_root / 'jupyter' / 'common'}"]

    def as_grader(self, *command: str, timeout: float = 180) -> subprocess.CompletedProcess:
        """Run ``command`` as the grader, in the course folder, from the hub's environment."""
        return subprocess.run([_tool("runuser"), "-u", self.grader.name, "--", *self.grader_env(self.grader),
                               *command], cwd=self.course_dir, capture_output=True, text=True, timeout=timeout)

    def as_user(self, user: Account, script: str) -> dict:
        """Run a Python ``script`` as ``user``; it prints one JSON object, returned here."""
        done = subprocess.run([_tool("runuser"), "-u", user.name, "--", "env", "-i", f"HOME={user.home}",
                               f"PATH={VENV / 'bin'}:{SYSTEM_PATH}", str(VENV / "bin" / "python"), "-c", script],
                              cwd="/", capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def _make_account(name: str) -> Account:
    """A new system account with a private home folder."""
    subprocess.run([_tool("useradd"), "--create-home", "-K", "HOME_MODE=0700", "--shell", "/bin/bash", name],
                   check=True, capture_output=True)
    import pwd

    entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, Path(entry.pw_dir))


def _remove_account(account: Account) -> None:
    """Stop the account's processes, then remove it and its home folder."""
    _kill_all_of(account.uid)
    subprocess.run([_tool("userdel"), "--remove", account.name], capture_output=True)
    shutil.rmtree(account.home, ignore_errors=True)


def _get(url: str) -> int:
    """The status of a GET of ``url`` without following redirects (0 when nothing answers)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0


def _hub_log(clinic: Clinic, lines: int = 60) -> str:
    """The last lines of the hub's log (with its proxy's, servers' and service's)."""
    try:
        return "\n".join((clinic.hub_root / "hub.log").read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no hub log)"


def _start_hub(clinic: Clinic) -> None:
    """Start JupyterHub with deploy/hub/jupyterhub_config.py on random ports; wait for it and its service."""
    port, hub_port, api_port, service_port = (free_port() for _ in range(4))
    env = {
        "PATH": f"{VENV / 'bin'}:{SYSTEM_PATH}", "LANG": "C.UTF-8", "HOME": "/root",
        "DNCOURSE_HUB_ROOT": str(clinic.hub_root),
        "DNCOURSE_HUB_VENV": str(VENV),
        "DNCOURSE_HUB_GRADER": clinic.grader.name,
        "DNCOURSE_HUB_COURSE_DIR": str(clinic.course_dir),
        "DNCOURSE_HUB_INSTRUCTORS": clinic.instructor.name,
        "DNCOURSE_HUB_LEARNERS": ",".join(a.name for a in clinic.learners),
        "DNCOURSE_HUB_AUTHENTICATOR": "shared-password",
        "DNCOURSE_HUB_SHARED_PASSWORD": PASSWORD,
        "DNCOURSE_HUB_SERVICE_PORT": str(service_port),
        "DNCOURSE_HUB_BIND_URL": f"http://127.0.0.1:{port}",
    }
    with open(clinic.hub_root / "hub.log", "wb") as log:
        clinic.hub = subprocess.Popen(
            [str(VENV / "bin" / "jupyterhub"), "-f", str(HUB_DIR / "jupyterhub_config.py"),
             f"--JupyterHub.hub_port={hub_port}", f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}"],
            cwd=clinic.hub_root / "state", env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    clinic.base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if clinic.hub.poll() is not None:
            pytest.fail(f"JupyterHub stopped with code {clinic.hub.returncode}:\n{_hub_log(clinic)}", pytrace=False)
        # the hub answers, and the course service is up behind the proxy (it redirects to the hub's login)
        if _get(clinic.base + "/hub/api/") == 200 and _get(clinic.base + f"/services/{COURSE}/") == 302:
            return
        time.sleep(0.5)
    pytest.fail(f"JupyterHub or its course service did not answer within 120 s:\n{_hub_log(clinic)}", pytrace=False)


def _stop_hub(clinic: Clinic) -> None:
    """Stop the hub; whatever it leaves (servers, kernels, the service, the proxy) is stopped after it."""
    if clinic.hub is None:
        return
    proxy_pid_file = clinic.hub_root / "state" / "jupyterhub-proxy.pid"
    proxy_pid = int(proxy_pid_file.read_text()) if proxy_pid_file.exists() else None
    if clinic.hub.poll() is None:
        clinic.hub.send_signal(signal.SIGTERM)
        # the hub stops its servers one by one, each with a grace period: do not wait for all of them
        try:
            clinic.hub.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    for account in clinic.learners + [clinic.instructor, clinic.grader]:
        _kill_all_of(account.uid)
    if clinic.hub.poll() is None:
        os.killpg(clinic.hub.pid, signal.SIGKILL)
        clinic.hub.wait(timeout=10)
    if proxy_pid and _alive(proxy_pid):
        os.kill(proxy_pid, signal.SIGKILL)


# ---------------------------------------------------------------------------
# The clinic, set up once for the module
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clinic(request):
    """Accounts, the hub's folders, quiz s01 released, the hub running and one Chromium; all removed afterwards.

    Chromium is launched from the session's shared Playwright driver (``playwright_session`` in
    tests/conftest.py): the browser tests may already be running one.
    """
    reason = missing_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"the hub test cannot run under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(6))
    made: list[Account] = []
    hub_root = Path(tempfile.mkdtemp(prefix="dncourse-hub-", dir="/tmp"))
    hub_root.chmod(0o755)   # the accounts' servers read their settings from here
    clinic = None
    try:
        for role in ("la", "lb", "in", "gr"):
            made.append(_make_account(f"dn{role}{suffix}"))
        clinic = Clinic(learners=made[:2], instructor=made[2], grader=made[3], hub_root=hub_root)
        done = subprocess.run(["python3", str(HUB_DIR / "setup_hub.py"), "--hub-root", str(hub_root),
                               "--grader", clinic.grader.name, "--exchange", str(clinic.exchange)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        released = clinic.as_grader("bash", "-c", f"nbgrader generate_assignment {QUIZ} && "
                                                  f"nbgrader release_assignment {QUIZ}")
        assert released.returncode == 0, released.stderr
        _start_hub(clinic)
        playwright = request.getfixturevalue("playwright_session")
        clinic.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield clinic
    finally:
        if clinic is not None and clinic.browser is not None:
            clinic.browser.close()
        if clinic is not None:
            _stop_hub(clinic)
        for account in made:
            _remove_account(account)
        shutil.rmtree(hub_root, ignore_errors=True)


def _log_in(clinic: Clinic, user: Account, next_path: str = ""):
    """A new browser tab in a context of its own, logging in to the hub as ``user`` (not waiting for what follows).

    Logging in starts the person's server (or, with ``next_path``, goes there
    instead); several people's servers start side by side while the test
    goes on with the first one.
    """
    context = clinic.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(clinic.base + "/hub/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username_input", user.name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit", no_wait_after=True)
    return page


def _assignments_tab(clinic: Clinic, user: Account):
    """``user``'s tab with their JupyterLab showing the Assignments tab (opened from the Nbgrader menu)."""
    page = clinic.pages.get(user.name) or _log_in(clinic, user)
    clinic.pages[user.name] = page
    lab = f"/user/{user.name}/lab"
    if lab not in page.url and "/hub/" not in page.url:
        page.goto(clinic.base + lab)
    page.wait_for_url(f"**{lab}**", timeout=120_000)
    if page.locator("#assignments").count() and page.locator("#assignments").is_visible():
        return page
    page.get_by_text("Nbgrader", exact=True).click()
    labels = [t for t in page.locator(".lm-Menu-itemLabel").all_inner_texts() if t.strip()]
    assert labels == ["Assignment List"], f"{user.name}'s Nbgrader menu offers {labels}"
    page.locator(".lm-Menu-item", has_text="Assignment List").click()
    page.locator("#course_list_default", has_text=COURSE).wait_for()
    return page


def _answer_and_submit(clinic: Clinic, user: Account, answers: dict, validate: bool, screenshot: str | None):
    """Fetch the quiz, type ``answers`` into their cells, save, maybe Validate, and submit it."""
    page = _assignments_tab(clinic, user)
    page.locator("#released_assignments_list .list_item", has_text=QUIZ).locator("button", has_text="Fetch").click()
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=QUIZ).first
    fetched.locator("a.assignment-notebooks-link").click()
    fetched.locator(".nested_list_item a", has_text=QUIZ).click()
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    for variable, value in answers.items():
        notebook.locator(".jp-CodeCell .cm-line", has_text=f"{variable} = ...").first.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(f"{variable} = {value}")
        page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-dirty").wait_for(state="detached")
    if validate:
        notebook.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_text("Validation Results").wait_for(timeout=120_000)
        # some questions are unanswered on purpose: Validate names them
        assert "not answered yet" in dialog.inner_text()
        dialog.locator("button", has_text="OK").click()
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    page.locator("#fetched_assignments_list .list_item", has_text=QUIZ).locator("button", has_text="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=QUIZ).wait_for()
    if screenshot:
        page.screenshot(path=str(ARTIFACTS / screenshot))


@pytest.fixture(scope="module")
def submitted(clinic):
    """Both learners have answered and submitted quiz s01 in the browser (the first one also ran Validate).

    Everyone logs in first, so that the three servers start side by side.
    """
    first, second = clinic.learners
    for person in (first, second, clinic.instructor):
        clinic.pages[person.name] = _log_in(clinic, person)
    _answer_and_submit(clinic, first, ANSWERS["first"], validate=True, screenshot="learner-assignments.png")
    _answer_and_submit(clinic, second, ANSWERS["second"], validate=False, screenshot=None)
    clinic.submissions = {first.name: ANSWERS["first"], second.name: ANSWERS["second"]}
    return clinic


# ---------------------------------------------------------------------------
# The quiz's key
# ---------------------------------------------------------------------------

def expected_score(answers: dict) -> float:
    """The points ``answers`` earn by the key in source/ (an unanswered question earns none)."""
    from dncourse.answers import is_correct
    from dncourse.instructor.quizspec import read_questions

    total = 0.0
    for question in read_questions(SOURCE):
        if question.variable in answers:
            value = ast.literal_eval(answers[question.variable])
            if is_correct(value, question.kind, question.key, tolerance=question.tolerance, **question.spec):
                total += question.points
    return total


def total_points() -> float:
    """All the points of the quiz (auto-marked and written)."""
    nb = json.loads(SOURCE.read_text(encoding="utf-8"))
    return float(sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in nb["cells"]))


def secrets_of_the_quiz() -> list[str]:
    """Texts from the quiz's source that must never reach a learner: hidden tests, keys, mark scheme, model answer."""
    nb = json.loads(SOURCE.read_text(encoding="utf-8"))
    found = ["BEGIN HIDDEN TESTS", "mark_answer(", "MARK SCHEME", "BEGIN SOLUTION"]
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        for block in re.findall(r"=== BEGIN SOLUTION ===(.*?)=== END SOLUTION ===", text, re.S):
            found.append(max(block.strip().splitlines(), key=len)[:60])   # the model answer's longest line
        for block in re.findall(r"### BEGIN MARK SCHEME(.*?)### END MARK SCHEME", text, re.S):
            found.append(max(block.strip().splitlines(), key=len)[:60])
    return [s for s in found if s.strip()]


def test_the_key_gives_the_two_learners_different_scores():
    first, second = expected_score(ANSWERS["first"]), expected_score(ANSWERS["second"])
    assert 0 < first < len(ANSWERS["first"]) and 0 < second < len(ANSWERS["second"])   # some right, some wrong
    assert first != second


# ---------------------------------------------------------------------------
# 1-4: submit, grade, feedback
# ---------------------------------------------------------------------------

def test_a_quiz_goes_round_the_clinic(submitted):
    clinic = submitted
    first, second = clinic.learners
    # 3. collect and grade as the grader (grading kernels in bubblewrap, as that account)
    collected = clinic.as_grader("nbgrader", "collect", QUIZ)
    assert collected.returncode == 0, collected.stderr
    assert "cheating attempt" not in collected.stderr
    graded = clinic.as_grader("dncourse", "grade", QUIZ, "--no-progress")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "graded 2 submission(s)" in graded.stdout
    assert "bubblewrap sandbox" in graded.stdout, graded.stdout

    # the instructor (logged in, their own server started) opens the Formgrader in a tab of
    # its own: it refuses to be framed in JupyterLab (nbgrader #1870)
    instructor = clinic.pages[clinic.instructor.name]
    instructor.wait_for_url(f"**/user/{clinic.instructor.name}/lab**", timeout=120_000)
    formgrader = instructor.context.new_page()
    response = formgrader.goto(clinic.base + f"/services/{COURSE}/formgrader/manage_submissions/{QUIZ}")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), response.headers
    for learner in (first, second):
        row = formgrader.locator("tr", has_text=learner.name)
        row.wait_for()
        assert f"{expected_score(clinic.submissions[learner.name]):g} / {total_points():g}" in row.inner_text()
    formgrader.screenshot(path=str(ARTIFACTS / "instructor-formgrader.png"))
    # ... and the Courses list of their own server finds the course's Formgrader (nbgrader #1831)
    response = instructor.goto(clinic.base + f"/user/{clinic.instructor.name}/formgraders")
    assert response.status == 200
    courses = json.loads(instructor.locator("body").inner_text())
    assert courses["success"], courses
    assert [(c["course_id"], c["kind"]) for c in courses["value"]] == [(COURSE, "jupyterhub")], courses
    assert f"/services/{COURSE}/lab" in courses["value"][0]["url"], courses

    for step in ("generate_feedback", "release_feedback"):
        done = clinic.as_grader("nbgrader", step, QUIZ)
        assert done.returncode == 0, done.stderr

    # 4. each learner fetches feedback and sees their own score, and nothing secret
    hidden = secrets_of_the_quiz()
    for learner in (first, second):
        page = _assignments_tab(clinic, learner)
        item = page.locator("#submitted_assignments_list .list_item", has_text=QUIZ).first
        item.locator("button", has_text="Fetch Feedback").click()
        item.locator("a", has_text="view feedback").click()
        page.locator(".jp-DirListing-item", has_text=QUIZ).dblclick()
        frame_text = ""
        for _ in range(150):
            frames = [f for f in page.frames if f != page.main_frame]
            frame_text = "\n".join(f.locator("body").inner_text() for f in frames if f.locator("body").count())
            if "Score:" in frame_text:
                break
            page.wait_for_timeout(200)
        score = re.search(rf"{QUIZ} \(Score: ([\d.]+) / ([\d.]+)\)", frame_text)
        assert score, f"{learner.name}'s feedback shows no score:\n{frame_text[:500]}"
        assert float(score.group(1)) == expected_score(clinic.submissions[learner.name])
        assert float(score.group(2)) == total_points()
        if learner is first:
            page.screenshot(path=str(ARTIFACTS / "learner-feedback.png"))
        files = [p for p in (learner.home / COURSE / QUIZ / "feedback").rglob("*.html")
                 if ".ipynb_checkpoints" not in p.parts]
        assert len(files) == 1, files
        html = files[0].read_text(encoding="utf-8")
        leaked = [s for s in hidden if s in html]
        assert leaked == [], f"{learner.name}'s feedback holds what learners must not see: {leaked}"


# ---------------------------------------------------------------------------
# 5: what a learner cannot reach
# ---------------------------------------------------------------------------

def _probe_script(checks: dict) -> str:
    """A script that tries each operation and reports whether the system refused it."""
    return f"""
import json, os
checks = {checks!r}
out = {{}}
def attempt(kind, path, other=None):
    try:
        if kind == "read":
            open(path, "rb").read(1)
        elif kind == "list":
            os.listdir(path)
        elif kind == "write":
            open(path, "r+b").write(b"x")
        elif kind == "rename":
            os.rename(path, other)
        return "allowed"
    except PermissionError:
        return "refused"
    except OSError as err:
        return type(err).__name__
for name, (kind, *args) in checks.items():
    out[name] = attempt(kind, *args)
print(json.dumps(out))
"""


def test_a_learner_cannot_reach_what_is_not_theirs(submitted):
    clinic = submitted
    first, second = clinic.learners
    page = _assignments_tab(clinic, first)
    # the Formgrader: an error status from the hub, not a page; none in their own server either
    response = page.goto(clinic.base + f"/services/{COURSE}/formgrader")
    assert response.status == 403, (response.status, page.url)
    for path in ("formgrader", "formgraders"):
        response = page.goto(clinic.base + f"/user/{first.name}/{path}")
        assert response.status == 404, (path, response.status)

    inbound = clinic.exchange / COURSE / "inbound"
    theirs = [p for p in inbound.iterdir() if p.name.startswith(f"{second.name}+{QUIZ}+")]
    assert len(theirs) == 1, theirs
    checks = {
        "the quiz's source (answers)": ("read", str(clinic.course_dir / "source" / QUIZ / f"{QUIZ}.ipynb")),
        "the gradebook": ("read", str(clinic.course_dir / "gradebook.db")),
        "the course folder": ("list", str(clinic.course_dir)),
        "the other learner's notebook": ("read", str(second.home / COURSE / QUIZ / f"{QUIZ}.ipynb")),
        "the other learner's home": ("list", str(second.home)),
        "the exchange's inbound folder": ("list", str(inbound)),
        "overwriting the other learner's submission": ("write", str(theirs[0] / f"{QUIZ}.ipynb")),
        "moving the other learner's submission aside": ("rename", str(theirs[0]), str(inbound / "moved")),
    }
    for path in (clinic.course_dir / "source" / QUIZ / f"{QUIZ}.ipynb", clinic.course_dir / "gradebook.db",
                 second.home / COURSE / QUIZ / f"{QUIZ}.ipynb", theirs[0] / f"{QUIZ}.ipynb"):
        assert path.exists(), path   # each probe aims at something that is there
    outcome = clinic.as_user(first, _probe_script(checks))
    assert outcome == {name: "refused" for name in checks}, outcome
    # the submission's name ends in a random part: without listing the folder it cannot be guessed
    assert re.fullmatch(rf"{second.name}\+{QUIZ}\+[^+]+\+[A-Za-z0-9_-]{{12}}", theirs[0].name), theirs[0].name


# ---------------------------------------------------------------------------
# The settings files themselves (no hub needed)
# ---------------------------------------------------------------------------

AUTHORING = ("formgrader", "create-assignment", "course-list")
LEARNING = ("assignment-list", "validate-assignment", "menu")


def _settings(kind: str) -> tuple[dict, dict]:
    """The lab page settings and server settings of one kind of account in deploy/hub."""
    return (json.loads((HUB_DIR / kind / "labconfig" / "page_config.json").read_text(encoding="utf-8")),
            json.loads((HUB_DIR / kind / "jupyter_server_config.json").read_text(encoding="utf-8")))


def test_hub_learners_get_the_assignments_tab_and_no_authoring_tools_locked():
    page, server = _settings("learner")
    for plugin in AUTHORING:
        name = f"@jupyter/nbgrader:{plugin}"
        assert page["disabledExtensions"].get(name) is True and page["lockedExtensions"].get(name) is True, name
    for plugin in LEARNING:
        name = f"@jupyter/nbgrader:{plugin}"
        assert not page["disabledExtensions"].get(name) and page["lockedExtensions"].get(name) is True, name
    assert server["ServerApp"]["jpserver_extensions"] == {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
        "nbgrader.server_extensions.assignment_list": True,
        "nbgrader.server_extensions.validate_assignment": True,
    }
    # everything else as in the course's own learner settings (jupyter/learner)
    local_page = json.loads((ROOT / "jupyter" / "learner" / "labconfig" / "page_config.json").read_text("utf-8"))
    local_server = json.loads((ROOT / "jupyter" / "learner" / "jupyter_server_config.json").read_text("utf-8"))
    nbgrader = "@jupyter/nbgrader:"
    for section in ("disabledExtensions", "lockedExtensions"):
        assert ({k: v for k, v in page[section].items() if not k.startswith(nbgrader)}
                == {k: v for k, v in local_page[section].items() if not k.startswith(nbgrader)}), section
    assert server["LabApp"] == local_server["LabApp"]


def test_only_the_grader_serves_the_formgrader_and_nobody_frames_it():
    for kind in ("learner", "instructor", "grader"):
        page, server = _settings(kind)
        formgrader = server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"]
        assert formgrader is (kind == "grader"), kind
        # JupyterLab's Formgrader panel frames the page, which the hub forbids (nbgrader #1870)
        assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True, kind
        assert page["disabledExtensions"].get("@jupyter/nbgrader:course-list", False) is (kind != "instructor"), kind


def test_setup_hub_says_what_to_fix(tmp_path):
    done = subprocess.run(["python3", str(HUB_DIR / "setup_hub.py"), "--hub-root", str(tmp_path / "hub"),
                           "--grader", "no-such-account-dn", "--exchange", str(tmp_path / "exchange")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    if os.geteuid() == 0:
        assert "there is no account 'no-such-account-dn': make it first" in done.stderr
    else:
        assert "run this as root" in done.stderr
    assert not (tmp_path / "hub").exists()
