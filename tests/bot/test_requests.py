"""What every Slack request meets first: signatures, duplicate deliveries, the 3-second ack, uninstalls."""

import asyncio
import secrets
import time

import pytest
from sqlalchemy import event, func, select, text

from bot.app import build_bolt_app
from bot.middleware import INACTIVE_WORKSPACE
from core import deliveries
from core.accounts import accounts
from core.services import Services
from db.models import Account, User
from devtools import slack_rules
from devtools.slack_signing import sign
from tests.support.harness import start_harness
from tests.support.slack_requests import FORM, JSON, event_callback, slash_command


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


async def _users_named(owner_engine, slack_user_id: str) -> int:
    async with owner_engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(User).where(User.slack_user_id == slack_user_id))).scalar_one()


async def _status_becomes(harness, status: str, timeout: float = 10.0) -> str:
    """Events are acked before their listener runs: wait for the account's status to settle."""
    deadline = time.monotonic() + timeout
    while (current := (await harness.workspace()).status) != status and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return current


def _bad_headers(body: bytes, secret: str, how: str) -> dict[str, str]:
    if how == "missing":
        return {}
    if how == "wrong":
        return sign(body, "not-the-signing-secret")
    return sign(body, secret, timestamp=int(time.time()) - 6 * 60)


@pytest.mark.parametrize("how", ["missing", "wrong", "stale"])
async def test_a_request_with_a_missing_wrong_or_stale_signature_gets_401_and_touches_nothing(slack, owner_engine, how):
    stranger_team, stranger = _new_id("T"), _new_id("U")
    slack.standin.clear()
    secret = slack.services.settings.slack_signing_secret.get_secret_value()
    for team_id in (stranger_team, slack.team_id):
        body = slash_command("/eventos", "help", team_id=team_id, user_id=stranger, response_url=slack.standin.response_url())
        result = await slack.driver.post_raw(body, {"Content-Type": FORM, **_bad_headers(body, secret, how)})
        assert result.status == 401
        event = event_callback({"type": "app_uninstalled"}, team_id=team_id)
        result = await slack.driver.post_raw(event, {"Content-Type": JSON, **_bad_headers(event, secret, how)})
        assert result.status == 401
    assert await accounts.find_workspace(slack.services, team_id=stranger_team, enterprise_id=None) is None
    assert (await slack.workspace()).status == "active"
    assert await _users_named(owner_engine, stranger) == 0
    assert slack.standin.calls == [] and slack.standin.responses == []


@pytest.fixture
async def observed(db, slack_settings, slack_standin):
    """The app with one extra listener whose effect is visible: it posts to the stand-in."""
    services = Services(db=db, settings=slack_settings)
    bolt = build_bolt_app(services)

    @bolt.event("reaction_added")
    async def post_what_was_seen(event, client):
        await client.chat_postMessage(channel=event["item"]["channel"], text=f"seen {event['reaction']}")

    harness = await start_harness(services, slack_standin, bolt)
    yield harness
    await harness.runner.cleanup()


def _reaction(reaction: str) -> dict:
    return {"type": "reaction_added", "user": "U0REACTOR", "reaction": reaction,
            "item": {"type": "message", "channel": "C0GENERAL", "ts": "1700000000.000100"}}


async def test_an_event_delivered_three_times_at_once_is_processed_once(observed, owner_engine):
    event_id = _new_id("Ev")
    deliveries = await asyncio.gather(
        observed.driver.event(_reaction("tada"), event_id=event_id),
        observed.driver.event(_reaction("tada"), event_id=event_id, retry_num=1),
        observed.driver.event(_reaction("tada"), event_id=event_id, retry_num=2),
    )
    assert [d.status for d in deliveries] == [200, 200, 200]
    await observed.standin.wait_for_calls("chat.postMessage", 1)
    await asyncio.sleep(0.3)
    assert [c.params["text"] for c in observed.standin.calls_to("chat.postMessage")] == ["seen tada"]
    async with owner_engine.connect() as connection:
        recorded = await connection.execute(text("SELECT team_id FROM slack_deliveries WHERE event_id = :id"), {"id": event_id})
        assert recorded.scalars().all() == [observed.team_id]


async def test_a_retry_whose_first_copy_never_arrived_is_processed(observed):
    await observed.driver.event(_reaction("wave"), event_id=_new_id("Ev"), retry_num=1, retry_reason="connection_failed")
    calls = await observed.standin.wait_for_calls("chat.postMessage", 1)
    assert [c.params["text"] for c in calls] == ["seen wave"]


async def test_a_command_is_acked_fast_while_users_info_is_slow_and_the_profile_follows(slack, owner_engine):
    newcomer = _new_id("U")
    slack.standin.set_user(newcomer, real_name="Ada Lovelace", email="ada@example.com", is_admin=True)
    slack.standin.delay("users.info", 4)
    started = time.monotonic()
    result = await slack.command("/eventos", "help", user=newcomer)
    acked_in = time.monotonic() - started
    assert result.status == 200 and acked_in < 3  # Slack's limit, and well under users.info's 4 s
    answer = (await slack.driver.wait_responses(result, 1))[0]
    assert "/eventos setup" in answer["text"]
    workspace = await slack.workspace()
    async with owner_engine.connect() as connection:
        first = (await connection.execute(select(User.name, User.role).where(User.slack_user_id == newcomer))).one()
    assert tuple(first) == (newcomer, workspace.default_role)
    await slack.standin.wait_for_calls("users.info", 1)
    deadline = time.monotonic() + 10
    while True:
        async with owner_engine.connect() as connection:
            row = (await connection.execute(select(User.name, User.email, User.role).where(User.slack_user_id == newcomer))).one()
        if row.name != newcomer or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert tuple(row) == ("Ada Lovelace", "ada@example.com", "admin")


async def test_a_refused_users_info_still_answers_with_the_default_role(slack, owner_engine):
    newcomer = _new_id("U")
    slack.standin.fail_next("users.info", status=200, error="user_not_found")
    answer = await slack.run("/eventos", "help", user=newcomer)
    assert "/eventos setup" in answer["text"]
    async with owner_engine.connect() as connection:
        row = (await connection.execute(select(User.name, User.role).where(User.slack_user_id == newcomer))).one()
    assert tuple(row) == (newcomer, (await slack.workspace()).default_role)


async def test_event_ids_are_forgotten_a_day_later_and_not_before(services, owner_engine):
    old, fresh = _new_id("Ev"), _new_id("Ev")
    async with owner_engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO slack_deliveries (event_id, received_at) VALUES (:old, now() - interval '25 hours'), (:fresh, now() - interval '23 hours')"
        ), {"old": old, "fresh": fresh})
    assert await deliveries.forget_old_deliveries(services) >= 1
    assert await deliveries.first_delivery(services, event_id=old, team_id=None)
    assert not await deliveries.first_delivery(services, event_id=fresh, team_id=None)


async def test_app_uninstalled_deactivates_the_account_and_keeps_its_data(slack, owner_engine):
    await slack.run("/eventos", "setup currency=EUR")
    result = await slack.driver.event({"type": "app_uninstalled"})
    assert result.status == 200
    assert await _status_becomes(slack, "inactive") == "inactive"
    workspace = await slack.workspace()
    async with owner_engine.connect() as connection:
        account = (await connection.execute(select(Account.currency, Account.deactivated_at).where(Account.id == workspace.account_id))).one()
        users = (await connection.execute(select(func.count()).select_from(User).where(User.account_id == workspace.account_id))).scalar_one()
    assert account.currency == "EUR" and account.deactivated_at is not None and users == 1
    refused = await slack.command("/eventos", "users")
    assert refused.ack_body == {"response_type": "ephemeral", "text": INACTIVE_WORKSPACE}


async def test_a_form_sent_after_uninstall_is_answered_in_the_modal_as_slack_accepts(slack):
    await slack.driver.event({"type": "app_uninstalled"})
    assert await _status_becomes(slack, "inactive") == "inactive"
    refused = await slack.driver.submit_view("event.create", {"name": {"name": "Gala"}}, user_id=slack.owner)
    assert refused.status == 200 and refused.ack_body["response_action"] == "update"
    assert INACTIVE_WORKSPACE in str(refused.ack_body["view"]["blocks"])
    assert slack_rules.ack_problems("view_submission", refused.ack_body) == []


async def test_tokens_revoked_for_the_bot_deactivates_the_account(slack):
    await slack.driver.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0EVENTBOT"]}})
    assert await _status_becomes(slack, "inactive") == "inactive"


async def test_tokens_revoked_for_user_tokens_only_leaves_the_account_active(slack):
    await slack.driver.event({"type": "tokens_revoked", "tokens": {"oauth": [slack.owner]}})
    assert await _status_becomes(slack, "inactive", timeout=0.5) == "active"


async def test_a_known_user_s_command_resolves_workspace_and_user_in_one_transaction(slack):
    await slack.run("/eventos", "help")
    begun: list[object] = []
    engine = slack.services.db.engine.sync_engine
    listener = lambda connection: begun.append(connection)  # noqa: E731
    event.listen(engine, "begin", listener)
    try:
        answer = await slack.run("/eventos", "help")
    finally:
        event.remove(engine, "begin", listener)
    assert "/eventos setup" in answer["text"]
    assert len(begun) == 1


async def test_a_known_user_s_signed_command_is_recorded_and_resolved_in_one_statement_after_the_role_switch(slack):
    await slack.run("/eventos", "help")
    sent: list[str] = []
    engine = slack.services.db.engine.sync_engine
    listener = lambda connection, cursor, statement, *rest: sent.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = await slack.run("/eventos", "help")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "/eventos setup" in answer["text"]
    # The unit of work's first statement switches the role and the tenant (db/session.py), then one statement.
    assert len(sent) == 2 and sent[0].startswith("SELECT set_config(") and sent[0].count("set_config(") == 2, sent
    assert "INSERT INTO slack_request_signatures" in sent[1] and "FROM accounts" in sent[1], sent


async def test_a_role_change_applies_to_the_very_next_command(slack):
    admin = await slack.user("admin")
    assert (await slack.run("/eventos", "setup currency=EUR", user=admin))["text"] == "Settings saved."
    await accounts.set_role(slack.services, await slack.tenant(), slack_user_id=admin, role="sales")
    refused = await slack.run("/eventos", "setup currency=GBP", user=admin)
    assert refused["text"].startswith("Only an admin user (or higher) can change the account settings")
    assert (await slack.workspace()).currency == "EUR"
