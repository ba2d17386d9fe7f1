"""A real browser for the e2e tests: Debian's chromium, headless, driven by Playwright (no browser download)."""

from pathlib import Path

import pytest
import pytest_asyncio

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def needs_chromium(what: str) -> pytest.MarkDecorator:
    """Skip `what` where Debian's chromium is missing, saying how to get it."""
    return pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{what} needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); .ci/run installs it",
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser():
    """One headless chromium per test module."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        await launched.close()
