"""Benchmarks of the course against the floor that Jupyter itself sets (``make bench``).

Every figure is a ratio measured in one run on one machine: the course's time
divided by the time of the least Jupyter can do for the same job (a kernel
that only imports, one-cell notebooks through the same grading machinery, an
empty notebook in the same browser).  Ratios stay meaningful on a noisy,
shared machine where absolute seconds do not.  See ``bench/README.md``.
"""
