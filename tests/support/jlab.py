"""Drive a real JupyterLab (or Notebook 7) in headless Chromium, as a learner would.

Used by the browser tests (``tests/browser``) and by ``tests/test_binder.py``:

* :class:`JupyterServer` starts ``jupyter lab`` on 127.0.0.1 with a random port
  and token, in isolated config, data, runtime, settings and workspace folders,
  in the course's *learner* configuration (``jupyter/learner``).
* The page helpers open a notebook, press *Run -> Run All Cells* in the menu,
  wait until the kernel is idle, read every output, and find and operate every
  widget by keyboard (buttons, tick boxes, radio buttons, sliders, number and
  text boxes) or by selecting an option (drop-downs).

JupyterLab is started with ``expose_app_in_browser`` so that the tests can read
the kernel's status and the notebook's outputs from the page; everything the
tests *do* goes through the keyboard, mouse and menus.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEARNER_CONFIG = ROOT / "jupyter" / "learner"
LEARNER_LAB_SETTINGS = LEARNER_CONFIG / "lab-settings"
AXE_JS = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"

CHROMIUM = os.environ.get("DNCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL_HINT = ("install Debian's Chromium with `make browser-deps` (as root it runs "
                "`apt-get install -y chromium`; otherwise run `sudo apt-get install chromium`), "
                "or set DNCOURSE_CHROMIUM to a Chromium binary")

# The nbgrader authoring tools that the learner configuration switches off.
LEARNER_DISABLED_SERVER_EXTENSIONS = ("formgrader", "course_list", "assignment_list")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class JupyterServer:
    """A ``jupyter lab`` process serving ``root`` in the learner configuration.

    ``workdir`` holds the isolated Jupyter folders and the server's log.
    ``extra_env`` is added to the environment (for example a different
    ``JUPYTER_CONFIG_PATH``); ``learner=False`` leaves out the course's
    learner configuration (the instructor's view).
    """

    root: Path
    workdir: Path
    learner: bool = True
    extra_env: dict = field(default_factory=dict)
    extra_args: list = field(default_factory=list)
    python: str = sys.executable
    port: int = 0
    token: str = ""
    process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "JPY_")) and k not in ("MPLBACKEND", "IPYTHONDIR")}
        folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                   "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "user-settings",
                   "JUPYTERLAB_WORKSPACES_DIR": "workspaces", "IPYTHONDIR": "ipython"}
        for name, sub in folders.items():
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
            env[name] = str(self.workdir / sub)
        env["PATH"] = str(Path(self.python).parent) + os.pathsep + env.get("PATH", "")
        if self.learner:
            env["JUPYTER_CONFIG_PATH"] = str(LEARNER_CONFIG)
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        cmd = [self.python, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True"]
        if self.learner:
            cmd.append(f"--LabServerApp.app_settings_dir={LEARNER_LAB_SETTINGS}")
        if os.getuid() == 0:
            cmd.append("--allow-root")
        return cmd + list(self.extra_args)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "jupyter-server.log"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, timeout: float = 120) -> "JupyterServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.token = self.token or os.urandom(24).hex()
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command(), cwd=self.root, env=self.environment(),
                                        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab stopped with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                if self.request("/api/status")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def request(self, path: str, data: bytes | None = None, method: str | None = None) -> tuple[int, bytes]:
        """``(status, body)`` of a request to the server with the token."""
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def stop(self) -> None:
        """Stop the server (and the kernels it started: they are in its process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        self.process = None

    def url(self, path: str, ui: str = "lab") -> str:
        """The address that opens ``path`` (relative to the root) in JupyterLab or Notebook 7."""
        if ui == "lab":
            return f"{self.base}/lab/tree/{path}?reset&token={self.token}"
        return f"{self.base}/notebooks/{path}?token={self.token}"


def make_course_root(target: Path) -> Path:
    """A throw-away copy of what a learner opens: the lessons, the released quizzes and the config.

    The server runs here, never in the checkout, so Run All and autosave can
    never write outputs into the committed notebooks.
    """
    target.mkdir(parents=True, exist_ok=True)
    for folder in ("notebooks", "release"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, target / folder,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"), dirs_exist_ok=True)
    for name in ("nbgrader_config.py",):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    return target


# ---------------------------------------------------------------------------
# In the page
# ---------------------------------------------------------------------------

PANEL = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"

# Kernel messages are watched from the page: errors and stderr of any request
# (cells, and widget callbacks, whose errors JupyterLab sends only to its hidden
# log console) are collected.  Left out: the kernel's answers to the widget
# manager's probe for widget state, which it sends when it connects, before the
# notebook has imported ipywidgets ("No such comm target registered:
# jupyter.widget.control", then "No such comm: <the probe's id>"); no learner
# ever sees them.  A "No such comm" about a comm the kernel itself opened (a
# widget) still counts.
_HOOK_KERNEL = """() => {
  const p = %s;
  if (window.__dn) return true;
  window.__dn = {problems: [], idle: 0, lastChange: Date.now(), kernelComms: new Set()};
  const hook = (kernel) => {
    if (!kernel) return;
    kernel.statusChanged.connect((_, status) => {
      window.__dn.lastChange = Date.now();
      if (status === 'idle') window.__dn.idle += 1;
    });
    kernel.iopubMessage.connect((_, msg) => {
      const t = msg.header.msg_type, c = msg.content;
      if (t === 'comm_open') window.__dn.kernelComms.add(c.comm_id);
      if (t === 'error') window.__dn.problems.push('error: ' + c.ename + ': ' + c.evalue);
      if (t !== 'stream' || c.name !== 'stderr') return;
      if (/^No such comm target registered: jupyter\\.widget\\.control\\s*$/.test(c.text)) return;
      const gone = /^No such comm: (\\S+)\\s*$/.exec(c.text);
      if (gone && !window.__dn.kernelComms.has(gone[1])) return;
      window.__dn.problems.push('stderr: ' + c.text);
    });
  };
  hook(p.sessionContext.session.kernel);
  p.sessionContext.kernelChanged.connect((_, change) => hook(change.newValue));
  return true;
}""" % PANEL

_KERNEL_STARTED = """() => {
  const p = %s;
  return !!(p && p.content && p.sessionContext && p.sessionContext.session && p.sessionContext.session.kernel);
}""" % PANEL

_KERNEL_READY = """() => {
  const p = %s;
  return !!(p && p.content && p.sessionContext && p.context && p.context.isReady &&
            p.sessionContext.session && p.sessionContext.session.kernel &&
            p.sessionContext.session.kernel.status === 'idle');
}""" % PANEL

_SETTLED = """(quiet) => {
  const p = %s;
  const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  if (Date.now() - window.__dn.lastChange < quiet) return false;
  return ![...p.content.node.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'));
}""" % PANEL

_CELLS = """() => {
  const p = %s;
  return p.content.widgets.map((cell, index) => {
    const m = cell.model;
    const out = {index, type: m.type, source: m.sharedModel.getSource().slice(0, 80)};
    if (m.type === 'code') {
      out.execution_count = m.executionCount;
      out.outputs = m.outputs.toJSON();
    }
    return out;
  });
}""" % PANEL

# The widget views that are the output of a cell (not those nested in another widget).
WIDGET_ROOTS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output > .jupyter-widgets, .jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output > .jp-OutputArea-output > .jupyter-widgets')]
  .filter(e => !e.parentElement.closest('.jupyter-widgets'))"""

_MARK_CONTROLS = """(rootIndex) => {
  const root = (%s)()[rootIndex];
  if (!root) return null;
  root.querySelectorAll('[data-dn-ctl]').forEach(e => e.removeAttribute('data-dn-ctl'));
  const controls = [], seenGroups = new Set();
  const labelOf = (e) => {
    const box = e.closest('.widget-inline-hbox');
    const label = box && box.querySelector(':scope > .widget-label');
    const own = e.closest('label');
    const clean = (t) => (t || '').replace(/[\\u200b\\s]+/g, ' ').trim();
    const text = clean(label && label.textContent) || clean(own && own.textContent) ||
                 clean(e.getAttribute('aria-label')) || clean(e.title) || clean(e.textContent);
    return text.slice(0, 80);
  };
  const candidates = root.querySelectorAll('button, input, select, textarea, [role=slider]');
  for (const e of candidates) {
    if (e.closest('.widget-output')) continue;  // outputs drawn inside an Output widget
    let kind;
    if (e.matches('[role=slider]')) kind = 'slider';
    else if (e.tagName === 'BUTTON') kind = 'button';
    else if (e.tagName === 'SELECT') kind = 'select';
    else if (e.tagName === 'TEXTAREA') kind = 'text';
    else if (e.type === 'radio') kind = 'radio';
    else if (e.type === 'checkbox') kind = 'checkbox';
    else if (e.type === 'number') kind = 'number';
    else if (e.type === 'date') kind = 'date';
    else if (['text', 'search', 'email', 'tel', 'url', ''].includes(e.type)) kind = 'text';
    else continue;
    let target = e;
    if (kind === 'radio') {
      const group = e.closest('.widget-radio-box');
      if (seenGroups.has(group)) continue;
      seenGroups.add(group);
      const radios = [...group.querySelectorAll('input[type=radio]')];
      target = radios.find(r => !r.checked) || radios[0];
    }
    const disabled = !!(target.disabled || target.getAttribute('disabled') !== null ||
                        (kind === 'slider' && target.closest('[disabled]')));
    const i = controls.length;
    target.setAttribute('data-dn-ctl', String(i));
    controls.push({index: i, kind, disabled,
                   label: kind === 'button' ? (e.textContent.trim() || e.title) : labelOf(target)});
  }
  return controls;
}""" % WIDGET_ROOTS

# What the learner reads and sees in a widget: its texts and pictures (not the
# values of the controls themselves), and separately the controls' states.
_SIGNATURE = """(rootIndex) => {
  const root = (%s)()[rootIndex];
  if (!root) return null;
  const hash = (s) => { let h = 5381; for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0; return s.length + ':' + h; };
  const seen = [];
  root.querySelectorAll('.widget-html-content, .widget-htmlmath-content, .widget-output, .widget-label, img, svg, canvas')
    .forEach(e => {
      if (e.tagName === 'IMG') seen.push('img ' + hash(e.src));
      else if (e.tagName === 'CANVAS') seen.push('canvas ' + hash(e.toDataURL()));
      else if (e.tagName === 'svg' || e.tagName === 'SVG') seen.push('svg ' + hash(e.outerHTML));
      else seen.push(e.textContent.replace(/\\s+/g, ' ').trim());
    });
  const state = [...root.querySelectorAll('input, select, textarea, button, [role=slider]')].map(e =>
    [e.tagName, e.type, e.checked, e.value, e.disabled, e.getAttribute('aria-valuenow')].join('|'));
  return {seen: seen.join('\\n'), state: state.join('\\n')};
}""" % WIDGET_ROOTS


def wait_for_kernel(page, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(_KERNEL_STARTED, timeout=timeout_ms, polling=50)
    page.evaluate(_HOOK_KERNEL)
    page.wait_for_function(_KERNEL_READY, timeout=timeout_ms, polling=250)


def open_notebook(page, server: JupyterServer, path: str, ui: str = "lab", timeout_ms: int = 120_000) -> None:
    """Open ``path`` and wait until its kernel is idle."""
    page.goto(server.url(path, ui), wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_ms)
    wait_for_kernel(page, timeout_ms)


def run_all_from_menu(page) -> None:
    """Run -> Run All Cells, as the lessons tell learners to."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def wait_until_settled(page, timeout_ms: int = 180_000, quiet_ms: int = 1500) -> None:
    """Wait until the kernel is idle, no cell shows ``[*]``, and nothing changed for ``quiet_ms``."""
    page.wait_for_timeout(300)
    page.wait_for_function(_SETTLED, arg=quiet_ms, timeout=timeout_ms, polling=250)


def cells(page) -> list[dict]:
    return page.evaluate(_CELLS)


def output_problems(page) -> list[str]:
    """Errors and stderr in the cells' outputs, widget-display errors, and kernel messages seen."""
    problems = []
    for cell in cells(page):
        if cell["type"] != "code":
            continue
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                problems.append(f"cell {cell['index']}: {out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {cell['index']} wrote to stderr: {''.join(out['text'])[:300]}")
    problems += [f"kernel said {p[:300]}" for p in page.evaluate("() => window.__dn ? window.__dn.problems : []")]
    shown = page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
        .map(e => e.innerText).filter(t => /Error displaying widget|Failed to (load|create) (model|view)|Loading widget\\.\\.\\./.test(t))""")
    problems += [f"widget not shown: {t[:200]}" for t in shown]
    return problems


def unexecuted_code_cells(page) -> list[int]:
    return [c["index"] for c in cells(page)
            if c["type"] == "code" and c["source"].strip() and c["execution_count"] is None]


def widget_output_count(page) -> int:
    """How many cell outputs are widget views, according to the notebook's model."""
    return sum(1 for c in cells(page) if c["type"] == "code" for o in c["outputs"]
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {}))


def widget_roots(page) -> int:
    return page.evaluate(f"() => ({WIDGET_ROOTS})().length")


@dataclass
class Action:
    widget: int
    kind: str
    label: str
    changed: bool        # what the learner reads or sees (text, plot, feedback) changed
    state_changed: bool  # only the controls changed (ticks, values, enabled buttons)


def _idle_count(page) -> int:
    return page.evaluate("() => window.__dn.idle")


def _wait_round_trip(page, before: int, timeout_ms: int = 10_000) -> bool:
    """Wait until the kernel has answered the message a control sent (it went idle again)."""
    try:
        page.wait_for_function(
            "(n) => window.__dn.idle > n && " + PANEL + ".sessionContext.session.kernel.status === 'idle'",
            arg=before, timeout=timeout_ms, polling=50)
    except Exception:  # noqa: BLE001 - a control that sends nothing: compare what is shown anyway
        return False
    page.wait_for_timeout(150)  # let the views redraw
    return True


def operate(page, root_index: int, control: dict, option: str | None = None) -> None:
    """Use one control by keyboard (or, for a drop-down, by choosing ``option`` or another one)."""
    # the marks are unique: they are cleared everywhere before one widget is marked
    el = page.locator("[data-dn-ctl='%d']" % control["index"]).first
    kind = control["kind"]
    el.scroll_into_view_if_needed()
    if kind == "button":
        el.focus()
        page.keyboard.press("Enter")
    elif kind in ("radio", "checkbox"):
        el.focus()
        page.keyboard.press("Space")
    elif kind == "select":
        el.select_option(option if option is not None else select_options(page, control)[0])
    elif kind == "slider":
        el.focus()
        now = float(el.get_attribute("aria-valuenow") or 0)
        top = float(el.get_attribute("aria-valuemax") or 0)
        page.keyboard.press("ArrowLeft" if now >= top else "ArrowRight")
    elif kind == "number":
        value = el.input_value()
        low, high = el.get_attribute("min"), el.get_attribute("max")
        step = float(el.get_attribute("step") or 1) or 1
        number = float(value or 0) + step
        if high not in (None, "") and number > float(high):
            number = float(value or 0) - step
        if low not in (None, "") and number < float(low):
            number = float(low)
        text = str(int(number)) if float(number).is_integer() else str(number)
        el.fill(text)
        page.keyboard.press("Enter")
    elif kind == "date":
        el.fill((dt.date.today() - dt.timedelta(days=1)).isoformat())
        page.keyboard.press("Tab")
    elif kind == "text":
        el.fill(sample_text(control["label"]))
        page.keyboard.press("Tab")


def sample_text(label: str) -> str:
    """A plausible entry for a text box, from its label."""
    label = label.lower()
    if "phone" in label:
        return "01234 567890"
    if "clinic" in label:
        return "Riverside Physiotherapy"
    if "name" in label or " by" in label:
        return "Sam Lee"
    if "emergency" in label or "urgent" in label:
        return "Call 999 (or 112) for an ambulance."
    return "Riverside Physiotherapy"


def select_options(page, control: dict) -> list[str]:
    """The options of a drop-down other than the one chosen now."""
    el = page.locator("[data-dn-ctl='%d']" % control["index"]).first
    current = el.evaluate("e => e.value")
    return [o for o in el.evaluate("e => [...e.options].map(o => o.value)") if o != current]


def exercise_widgets(page, max_actions_per_widget: int = 60) -> list[Action]:
    """Operate every control of every widget in document order; return what each did."""
    actions: list[Action] = []
    for root_index in range(widget_roots(page)):
        # clear marks everywhere, then walk this widget's controls; the list is read
        # again after every action because widgets redraw themselves
        done = 0
        i = 0
        while done < max_actions_per_widget:
            page.evaluate("() => document.querySelectorAll('[data-dn-ctl]').forEach(e => e.removeAttribute('data-dn-ctl'))")
            controls = page.evaluate(_MARK_CONTROLS, root_index)
            if not controls or i >= len(controls):
                break
            control = controls[i]
            i += 1
            if control["disabled"]:
                continue
            before = page.evaluate(_SIGNATURE, root_index)
            # a drop-down: try up to four other options until one changes what is shown
            # (in a filter, one choice may match nothing, like the one before it)
            options = select_options(page, control)[:4] if control["kind"] == "select" else [None]
            if not options:
                continue  # a drop-down with a single option
            for option in options:
                count = _idle_count(page)
                operate(page, root_index, control, option)
                _wait_round_trip(page, count)
                after = page.evaluate(_SIGNATURE, root_index)
                if control["kind"] == "button":
                    # a button must change the page: on a busy machine, give the redraw a moment
                    for _ in range(20):
                        if after["seen"] != before["seen"] or after["state"] != before["state"]:
                            break
                        page.wait_for_timeout(200)
                        after = page.evaluate(_SIGNATURE, root_index)
                if after["seen"] != before["seen"]:
                    break
                if option is not None:
                    page.evaluate(_MARK_CONTROLS, root_index)  # the widget may have redrawn
            actions.append(Action(root_index, control["kind"], control["label"],
                                  changed=after["seen"] != before["seen"],
                                  state_changed=after["state"] != before["state"]))
            done += 1
    return actions


def judge_actions(actions: list[Action]) -> list[str]:
    """What went wrong: a button that changed nothing, or a control whose effect was never shown.

    A button must change what the learner reads or sees (or at least the other
    controls, for a reset button).  A value control (tick box, radio, slider,
    drop-down, text or number box) must change the text or the plot at once,
    or by the time the next button of the same widget is pressed (a practice
    check shows its feedback only after *Check my answer*).
    """
    problems = []
    pending: dict[int, list[Action]] = {}
    for action in actions:
        waiting = pending.setdefault(action.widget, [])
        if action.kind == "button":
            if action.changed:
                waiting.clear()
            elif not action.state_changed:
                problems.append(f"widget {action.widget + 1}: pressing '{action.label}' changed nothing on screen")
        elif action.changed:
            waiting.clear()
        else:
            waiting.append(action)
    for widget, waiting in pending.items():
        for action in waiting:
            problems.append(f"widget {widget + 1}: using the {action.kind} '{action.label}' never changed "
                            "the text, feedback or plot")
    operated = {a.widget for a in actions}
    return problems + ([] if operated or not actions else ["no widget was operated"])


def show_first_widget(page) -> None:
    """Scroll the lesson's most telling widget (one with a plot or slider, else the first) to the top."""
    page.evaluate("""() => {
      const roots = (%s)();
      const target = roots.find(r => r.querySelector('img, .widget-slider')) ||
                     roots.find(r => r.querySelector('select')) || roots[0] ||
                     document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output');
      if (target) target.scrollIntoView({block: 'start'});
    }""" % WIDGET_ROOTS)
    page.wait_for_timeout(300)


def widget_labels(page) -> list[dict]:
    """Every visible label of a widget (buttons, descriptions, tick boxes, options) and whether it is cut off."""
    return page.evaluate("""() => {
      const out = [];
      (%s)().forEach(root => root.querySelectorAll(
          '.widget-button, .widget-toggle-button, .widget-label, .widget-label-basic, .widget-radio-box label')
        .forEach(e => {
          const text = e.textContent.replace(/[\\u200b\\s]+/g, ' ').trim();
          if (!text || getComputedStyle(e).display === 'none' || !e.offsetParent) return;
          out.push({text, cut_off: e.scrollWidth > e.clientWidth + 1});
        }));
      return out;
    }""" % WIDGET_ROOTS)


def figures_seen(page) -> list[dict]:
    """Every picture in the notebook's outputs: its alt attribute and its accessible description.

    ``stored_alt`` is the alt text kept in the output's metadata (what
    ``dncourse.ui.figures.show_figure`` writes); ``alt`` is what the browser
    gives a screen reader.
    """
    return page.evaluate("""() => {
      const p = %s;
      const stored = [];
      p.content.widgets.forEach(cell => {
        if (cell.model.type !== 'code') return;
        cell.model.outputs.toJSON().forEach(o => {
          const mime = ['image/svg+xml', 'image/png'].find(m => o.data && o.data[m]);
          if (mime) stored.push(((o.metadata || {})[mime] || {}).alt || null);
        });
      });
      const imgs = [...p.content.node.querySelectorAll('.jp-Cell-outputArea img')]
        .filter(img => !img.closest('.widget-output'));
      return imgs.map((img, i) => ({alt: img.getAttribute('alt'), stored_alt: stored[i] === undefined ? null : stored[i]}));
    }""" % PANEL)


# ---------------------------------------------------------------------------
# axe-core
# ---------------------------------------------------------------------------

def axe_scan(page, context: str = "document") -> list[dict]:
    """Inject axe-core and return its violations (WCAG 2.x A and AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (ctx) => {
          const r = await window.axe.run(ctx === 'document' ? document : document.querySelector(ctx),
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
             resultTypes: ['violations']});
          const ancestry = (selector) => {
            let el = null;
            try { el = document.querySelector(selector); } catch (e) { return ''; }
            const names = [];
            for (let up = el; up && up !== document.body && names.length < 8; up = up.parentElement)
              names.push(up.tagName.toLowerCase() + (typeof up.className === 'string' && up.className ? '.' + up.className.trim().split(/\\s+/).join('.') : ''));
            return names.join(' < ');
          };
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                      ancestry: ancestry(n.target[n.target.length - 1])}))}));
        }""", context)
