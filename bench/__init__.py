"""Benchmarks of the course against the floor that Jupyter itself sets (``make bench``), and a stress script.

Every figure is a ratio measured in one run on one machine: the course's time
divided by the time of the least Jupyter can do for the same job (plain
``nbgrader autograde`` on the same submissions, a notebook that only imports
what a lesson imports, headless and in the same browser).  Ratios stay
meaningful on a noisy, shared machine where absolute seconds do not.
``python -m bench.stress`` runs every lesson many times on a busy machine and
reports failures and timeouts.  See ``bench/README.md``.
"""
