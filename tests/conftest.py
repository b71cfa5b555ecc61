"""Fixtures every test folder shares.  Helpers live in ``tests/support``."""

from __future__ import annotations

import pytest

from tests.support.course import FACT_SHEET, IN_CI


@pytest.fixture(scope="session")
def fact_sheet() -> str:
    """The clinical fact sheet's text: skipped with a reason when it is absent, failing under CI."""
    if not FACT_SHEET.exists():
        if IN_CI:
            pytest.fail(f"the clinical fact sheet is missing at {FACT_SHEET}", pytrace=False)
        pytest.skip(f"the clinical fact sheet is not beside this checkout ({FACT_SHEET})")
    return FACT_SHEET.read_text(encoding="utf-8")
