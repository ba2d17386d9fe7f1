"""The Slack notifier finds each account's bot token: the configured one, or the OAuth installation's."""

import secrets
import time

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.app import build_bolt_app
from bot.oauth import close_stores
from bot.runtime import build_services, use_installations
from core.accounts import accounts
from core.jobs import outbox
from core.ports import DeliveryError, SlackMessage
from core.services import Services
from db.session import Database
from tests.conftest import test_settings as make_settings


async def test_token_mode_posts_with_the_configured_bot_token(server_database_url, slack_settings, slack_standin, make_tenant):
    services = await build_services(slack_settings, Database(server_database_url))
    try:
        tenant = await make_tenant()
        delivered = await services.notifier.post(tenant.account_id, SlackMessage(channel="C0SALES", text="hi"))
    finally:
        await services.db.dispose()
    [call] = slack_standin.calls_to("chat.postMessage")
    assert (call.token, delivered.ts) == ("xoxb-test-token", call.response["ts"])


@pytest.fixture
async def oauth_services(db, slack_standin):
    settings = make_settings(
        slack_bot_token=None, slack_client_id="1111.2222", slack_client_secret="secret", slack_api_url=slack_standin.base_url,
    )
    services = Services(db=db, settings=settings)
    bolt = build_bolt_app(services)
    use_installations(services, bolt)
    yield services, bolt.installation_store
    await close_stores(bolt)


async def test_oauth_mode_posts_with_the_token_stored_at_installation(oauth_services, slack_standin):
    services, installations = oauth_services
    team_id = "T" + secrets.token_hex(5).upper()
    await installations.async_save(Installation(
        app_id="A0EVENTOS", team_id=team_id, bot_token=f"xoxb-{team_id}", bot_id="B0EVENTBOT",
        bot_user_id="U0EVENTBOT", bot_scopes=["chat:write"], user_id="U0INSTALLER", installed_at=time.time(),
    ))
    workspace = await accounts.install_workspace(services, team_id=team_id, enterprise_id=None, name="Acme")
    async with services.db.tenant(workspace.account_id) as session:
        await outbox.enqueue(session, account_id=workspace.account_id, dedupe_key="hi", channel="C0SALES", text="hi")

    assert await outbox.drain(services, account_id=workspace.account_id) == 1
    assert [c.token for c in slack_standin.calls_to("chat.postMessage")] == [f"xoxb-{team_id}"]


async def test_an_account_without_an_installation_cannot_be_posted_to(oauth_services):
    services, _ = oauth_services
    team_id = "T" + secrets.token_hex(5).upper()
    workspace = await accounts.install_workspace(services, team_id=team_id, enterprise_id=None, name="Gone")
    with pytest.raises(DeliveryError) as refused:
        await services.notifier.post(workspace.account_id, SlackMessage(channel="C0SALES", text="hi"))
    assert refused.value.retry is False
