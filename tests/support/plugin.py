"""Pytest fixtures for the external-service stand-ins (load with -p tests.support.plugin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from devtools.slack_standin import SlackStandin
from tests.support.smtp_sink import SmtpSink
from tests.support.stripe_standin import StripeStandin


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A test that made the app send Slack something Slack would refuse fails, with what was wrong."""
    try:
        return (yield)
    finally:
        standin = getattr(item, "funcargs", {}).get("slack_standin")
        if isinstance(standin, SlackStandin) and standin.violations:
            pytest.fail("the app sent Slack what it would refuse:\n  " + "\n  ".join(standin.violations), pytrace=False)


@pytest_asyncio.fixture
async def slack_standin() -> AsyncIterator[SlackStandin]:
    """A running Slack Web API stand-in, stopped after the test."""
    standin = SlackStandin()
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest_asyncio.fixture
async def stripe_standin() -> AsyncIterator[StripeStandin]:
    """A running Stripe API stand-in, stopped after the test."""
    standin = StripeStandin()
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink on loopback, stopped after the test."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
