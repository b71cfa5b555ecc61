"""Fixtures for tests that draw matplotlib figures (import them into a test module to use them)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def agg_backend(monkeypatch):
    """Draw with matplotlib's Agg backend (no window), and close every figure afterwards."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt
    plt.close("all")
