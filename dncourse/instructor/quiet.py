"""Keep a grading run's terminal to its progress bar and its summary.

While a cohort is graded, libraries report things an instructor cannot act
on: every grading kernel logs jupyter_client's "Kernel is running over TCP
without encryption" warning (the kernels listen on this machine only),
nbformat warns about notebooks saved without cell ids, and SQLAlchemy warns
when nbgrader re-grades a learner.  :func:`quiet_output` silences these for
the duration of a ``with`` block, through public means only, and puts
everything back afterwards; with ``verbose`` it changes nothing.

A grading kernel's own log is kept to errors by the options the runner
uses for every kernel (:data:`dncourse.runner.QUIET_KERNEL`), which the
grading run passes through ``c.Execute.extra_arguments``.
"""

from __future__ import annotations

import contextlib
import logging
import warnings

__all__ = ["LIBRARY_LOGGERS", "quiet_output"]
#: Loggers of the libraries that grading runs in this process.  nbgrader's
#: API collects each learner's log into the learner's outcome itself.
LIBRARY_LOGGERS = ("traitlets", "jupyter_client", "nbclient")


@contextlib.contextmanager
def quiet_output(verbose: bool = False):
    """Within the block, Python warnings are not shown and the library loggers print nothing.

    Log records still reach nbgrader's own collector (a handler it adds for
    each learner) and any handler the caller set up; only Python's last-resort
    printing of unhandled records to the terminal is stopped, by giving the
    loggers a ``NullHandler`` for the block.  With ``verbose``, nothing is changed.
    """
    if verbose:
        yield
        return
    null = logging.NullHandler()
    loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.addHandler(null)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(null)
