"""Fixtures every test folder shares.  Helpers live in ``tests/support``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.course import FACT_SHEET, IN_CI, SEED_ARTICLE


def shared_text(path: Path, what: str) -> str:
    """The text of ``path`` from the shared folder beside the checkout.

    When it is absent the test is skipped with a one-line reason; under
    ``CI=true`` it fails instead, since CI must check the clinical content.
    """
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{what} is missing at {path}", pytrace=False)
        pytest.skip(f"{what} is not beside this checkout ({path})")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def fact_sheet() -> str:
    """The clinical fact sheet's text: skipped with a reason when it is absent, failing under CI."""
    return shared_text(FACT_SHEET, "the clinical fact sheet")


@pytest.fixture(scope="session")
def seed_article() -> str:
    """The seed article's text (the claims section 2 quotes): skipped or failing as ``fact_sheet`` is."""
    return shared_text(SEED_ARTICLE, "the seed article")


@pytest.fixture(scope="session")
def playwright_session():
    """The session's one Playwright driver (sync API), shared by every test that drives Chromium.

    Playwright's sync API runs one driver per thread at a time: a second
    ``sync_playwright()`` while the first is running fails ("Sync API inside
    the asyncio loop"). So the browser tests (``tests/browser``) and the hub
    test (``tests/deploy``) launch their browsers from this one driver.
    Request it only after checking that Playwright is installed.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
