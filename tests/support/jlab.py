"""Drive a real JupyterLab (or Notebook 7) in headless Chromium, as a learner would.

Used by the browser tests (``tests/browser``) and by ``tests/test_binder.py``:

* The server and the browser's settings come from the benchmarks, which drive
  the same JupyterLab (``bench/lab_server.py``: :class:`JupyterServer`,
  :func:`make_course_root`, :data:`CHROMIUM`, :data:`CHROMIUM_ARGS`), as do
  opening a notebook, *Run -> Run All Cells* and reading every output
  (``bench/lab_page.py``); they are imported here under the same names.
* The helpers here wait until a notebook has settled, and find and operate
  every widget by keyboard (buttons, tick boxes, radio buttons, sliders,
  number and text boxes) or by selecting an option (drop-downs), and run
  axe-core.

Everything the tests *do* goes through the keyboard, mouse and menus.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bench.lab_page import (PANEL, WIDGET_ROOTS, cells, open_notebook, output_problems,  # noqa: F401
                            run_all_from_menu, wait_for_kernel)
from bench.lab_server import (CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT,  # noqa: F401
                              LEARNER_CONFIG, LEARNER_DISABLED_SERVER_EXTENSIONS, LEARNER_LAB_SETTINGS, ROOT,
                              JupyterServer, free_port, make_course_root)

AXE_JS = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"


# ---------------------------------------------------------------------------
# In the page
# ---------------------------------------------------------------------------

_SETTLED = """(quiet) => {
  const p = %s;
  const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  if (Date.now() - window.__dn.lastChange < quiet) return false;
  return ![...p.content.node.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'));
}""" % PANEL

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


def wait_until_settled(page, timeout_ms: int = 180_000, quiet_ms: int = 1500) -> None:
    """Wait until the kernel is idle, no cell shows ``[*]``, and nothing changed for ``quiet_ms``."""
    page.wait_for_timeout(300)
    page.wait_for_function(_SETTLED, arg=quiet_ms, timeout=timeout_ms, polling=250)


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


def figure_text_sizes(page) -> list[dict]:
    """Every SVG picture in the notebook's outputs (widgets' included) and its smallest text as displayed.

    ``smallest_pt`` is the smallest font size written in the SVG (its user
    unit is the point) times the scale the browser shows the picture at
    (shown width over natural width), so a picture shrunk to fit the output
    area reports the size a learner actually reads at 100% zoom.
    """
    return page.evaluate("""() => {
      const p = %s;
      const imgs = [...p.content.node.querySelectorAll('.jp-Cell-outputArea img')]
        .filter(img => (img.getAttribute('src') || '').startsWith('data:image/svg+xml;base64,') && img.offsetParent);
      return imgs.map(img => {
        const svg = atob(img.getAttribute('src').split(',')[1]);
        const sizes = [...svg.matchAll(/font(?:-size)?:\\s*(?:[a-z]+\\s+)*([0-9.]+)px/g)].map(m => parseFloat(m[1]));
        const scale = img.getBoundingClientRect().width / img.naturalWidth;
        const smallest = sizes.length ? Math.min(...sizes) : null;
        return {alt: (img.getAttribute('alt') || '').slice(0, 70), natural_px: img.naturalWidth,
                shown_px: Math.round(img.getBoundingClientRect().width), texts: sizes.length,
                smallest_pt: smallest === null ? null : Math.round(smallest * scale * 100) / 100};
      });
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
