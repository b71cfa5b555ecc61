"""Read and drive the notebook open in JupyterLab: the page helpers the browser benchmark needs.

The page runs JupyterLab started by :class:`bench.lab_server.JupyterServer`
(``expose_app_in_browser``), so the kernel's status and the notebook's model
can be read with JavaScript; what is *done* goes through the menus.  The
browser tests use these helpers too, through ``tests/support/jlab.py``.
"""

from __future__ import annotations

from bench.lab_server import JupyterServer

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


def wait_for_kernel(page, timeout_ms: int = 120_000) -> None:
    """Wait until the open notebook has a kernel, watch its messages, and wait until it is idle."""
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


def cells(page) -> list[dict]:
    """Every cell of the open notebook: index, type, the start of its source, and a code cell's outputs."""
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
