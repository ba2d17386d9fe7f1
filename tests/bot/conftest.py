"""The public store the storefront tests buy from: the app on a real port, paying through the Stripe stand-in.

A module changes its store by overriding a fixture: `clock` (a FrozenClock its tests move) or
`store_settings` (mail through `smtp_sink`, say).
"""

import pytest

from core.services import Services
from core.time.clock import SystemClock
from tests.conftest import test_settings as settings_for
from tests.support.harness import start_harness
from tests.support.storefront import WEBHOOK_SECRET, Buyer

# Hundreds of buyers at once from one address are never held back here; test_storefront_limits tests the limits.
UNLIMITED_RATES = {
    "eventos_rate_pages_client": "100000/second", "eventos_rate_holds_client": "100000/second",
    "eventos_rate_holds_event": "100000/second",
}


@pytest.fixture
def clock():
    """The store's clock."""
    return SystemClock()


@pytest.fixture
def store_settings() -> dict[str, str]:
    """Settings the store has beyond Slack's, Stripe's and the rates."""
    return {}


@pytest.fixture
async def store(db, slack_standin, stripe_standin, clock, store_settings):
    """The app serving on a free port, with Stripe payments and a workspace installed."""
    settings = settings_for(
        slack_api_url=slack_standin.base_url, stripe_api_key="sk_test_eventos", stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_standin.base_url, **UNLIMITED_RATES, **store_settings,
    )
    harness = await start_harness(Services(db=db, settings=settings, clock=clock), slack_standin)
    yield harness
    await harness.runner.cleanup()


@pytest.fixture
async def buyer(store):
    """One browser on the store."""
    browser = Buyer(store.base_url)
    yield browser
    await browser.close()
