"""POST /api/v1/checkins over real HTTP: bearer door tokens, one admission under concurrency, nonces, offline batches."""

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select

from core.door import tokens as door_tokens
from db.models import CheckIn, OutboxMessage
from tests.support.door_factories import make_event, make_ticket
from tests.support.notices import shown


@pytest.fixture
async def door(slack):
    """The harness's account, a running event with a channel, a door token and an HTTP client."""
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala", channel="C0DOOR")
    issued = await door_tokens.create_door_token(slack.services, tenant, event_slug=event.slug, name="Main entrance")
    async with aiohttp.ClientSession(base_url=slack.base_url) as http:
        yield tenant, event, issued.secret, http


async def scan(http, token, body, path="/api/v1/checkins"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(path, json=body, headers=headers) as response:
        return response.status, await response.json()


async def rows(services, tenant, **where) -> list[CheckIn]:
    async with services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(CheckIn).filter_by(**where))).scalars())


async def test_fifty_concurrent_scans_of_one_ticket_admit_it_once(slack, door):
    tenant, event, token, http = door
    ticket = await make_ticket(slack.services, tenant, event, name="Anna Smith")

    answers = await asyncio.gather(*(scan(http, token, {"code": ticket.code}) for _ in range(50)))

    assert {status for status, _ in answers} == {200}
    results = [body["result"] for _, body in answers]
    assert results.count("admitted") == 1 and results.count("already_admitted") == 49
    [admitted] = [body for _, body in answers if body["result"] == "admitted"]
    assert admitted["attendee"]["name"] == "Anna Smith" and admitted["event"] == {"slug": event.slug, "name": "Summer Gala", "timezone": "Europe/Berlin"}
    for _, body in answers:
        if body["result"] == "already_admitted":
            assert (body["checked_in_at"], body["checked_in_by"]) == (admitted["checked_in_at"], "Main entrance")
    recorded = await rows(slack.services, tenant, ticket_id=ticket.id)
    assert len(recorded) == 50
    assert sorted(r.result for r in recorded).count("admitted") == 1
    assert all(r.source == "api" and r.door_token_id is not None for r in recorded)


async def test_the_same_nonce_five_times_at_once_is_one_row_and_five_identical_answers(slack, door):
    tenant, event, token, http = door
    ticket = await make_ticket(slack.services, tenant, event)
    body = {"code": ticket.code, "nonce": "scanner-3:42", "event": event.slug}

    answers = await asyncio.gather(*(scan(http, token, body) for _ in range(5)))

    assert [status for status, _ in answers] == [200] * 5
    assert all(answer == answers[0][1] for _, answer in answers)
    assert answers[0][1]["result"] == "admitted"
    [row] = await rows(slack.services, tenant, ticket_id=ticket.id)
    assert (row.nonce, row.result) == ("scanner-3:42", "admitted")


async def test_forged_truncated_and_other_account_codes_are_refused_and_admit_nothing(slack, door, make_tenant):
    tenant, event, token, http = door
    ticket = await make_ticket(slack.services, tenant, event)
    other = await make_tenant()
    foreign = await make_ticket(slack.services, other, await make_event(slack.services, other))
    forged = ticket.code[:-2] + ("AA" if not ticket.code.endswith("AA") else "BB")

    for code in (forged, ticket.code[:17], foreign.code, "x" * 500):
        status, body = await scan(http, token, {"code": code})
        assert (status, body) == (200, {"result": "unknown"})

    recorded = await rows(slack.services, tenant)
    assert [r.result for r in recorded] == ["unknown"] * 4
    assert all(r.ticket_id is None for r in recorded)
    assert await rows(slack.services, other) == []
    status, body = await scan(http, token, {"code": ticket.code})
    assert body["result"] == "admitted"


async def test_unknown_missing_and_revoked_tokens_get_401(slack, door):
    tenant, event, token, http = door
    ticket = await make_ticket(slack.services, tenant, event)

    for bad in (None, "dt_not-a-real-token", "Basic abc"):
        status, body = await scan(http, bad, {"code": ticket.code})
        assert status == 401 and body["error"] == "unauthorized"
    await door_tokens.revoke_door_tokens(slack.services, tenant, event_slug=event.slug, which="Main entrance")
    status, body = await scan(http, token, {"code": ticket.code})
    assert status == 401 and "revoked" in body["message"]
    async with http.get("/api/v1/door", headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 401
    assert await rows(slack.services, tenant) == []


async def test_a_token_for_one_event_cannot_admit_another_events_ticket(slack, door):
    tenant, event, token, http = door
    other = await make_event(slack.services, tenant, name="Jazz Night")
    ticket = await make_ticket(slack.services, tenant, other)

    status, body = await scan(http, token, {"code": ticket.code})
    assert (status, body["result"], body["event"]["name"]) == (200, "wrong_event", "Jazz Night")
    status, body = await scan(http, token, {"code": ticket.code, "event": other.slug})
    assert status == 403 and "not for" in body["message"]

    [row] = await rows(slack.services, tenant, ticket_id=ticket.id)
    assert (row.result, row.event_id) == ("wrong_event", event.id)


async def test_bad_bodies_are_refused_with_a_sentence_and_record_nothing(slack, door):
    tenant, event, token, http = door
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for raw, needle in (
        (b"not json", "JSON object"), (b"[]", "JSON object"), (b"{}", "ticket code"),
        (b'{"code": 5}', "must be a string"), (b'{"code": "X", "offline_at": "yesterday"}', "ISO 8601"),
        (b'{"code": "X", "offline_at": "2999-01-01T00:00:00Z"}', "future"),
        (b'{"code": "X", "nonce": "' + b"n" * 200 + b'"}', "nonce"),
    ):
        async with http.post("/api/v1/checkins", data=raw, headers=headers) as response:
            assert response.status == 400, raw
            assert needle in (await response.json())["message"]
    assert await rows(slack.services, tenant) == []


async def test_offline_scans_from_two_doors_are_applied_by_scan_time_and_the_conflict_is_reported(slack, door):
    tenant, event, token, http = door
    ticket = await make_ticket(slack.services, tenant, event, name="Bo Berg")
    side = await door_tokens.create_door_token(slack.services, tenant, event_slug=event.slug, name="Side door")
    now = datetime.now(UTC)

    status, side_batch = await scan(http, side.secret, {"scans": [
        {"code": ticket.code, "nonce": "side-1", "offline_at": (now - timedelta(minutes=4)).isoformat()},
    ]}, path="/api/v1/checkins/batch")
    assert status == 200 and side_batch["results"][0]["result"] == "admitted"
    status, main_batch = await scan(http, token, {"scans": [
        {"code": "NOPE", "nonce": "main-2", "offline_at": (now - timedelta(minutes=2)).isoformat()},
        {"code": ticket.code, "nonce": "main-1", "offline_at": (now - timedelta(minutes=9)).isoformat()},
    ]}, path="/api/v1/checkins/batch")

    assert status == 200
    assert [r["result"] for r in main_batch["results"]] == ["unknown", "admitted"]
    by_nonce = {r.nonce: r for r in await rows(slack.services, tenant)}
    assert {n: r.result for n, r in by_nonce.items()} == {"side-1": "conflict", "main-1": "admitted", "main-2": "unknown"}
    async with slack.services.db.tenant(tenant.account_id) as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("checkin-conflict:"))
        [report] = (await session.execute(query)).scalars()
    assert report.channel_id == "C0DOOR"
    text = shown(report)["text"]
    assert "Bo Berg" in text and text.index("Main entrance") < text.index("Side door")


async def test_the_door_overview_names_the_event_and_counts(slack, door):
    tenant, event, token, http = door
    ticket = await make_ticket(slack.services, tenant, event)
    await scan(http, token, {"code": ticket.code})
    async with http.get("/api/v1/door", headers={"Authorization": f"Bearer {token}"}) as response:
        body = await response.json()
    assert body["event"]["name"] == "Summer Gala" and body["door"]["name"] == "Main entrance"
    assert (body["admitted"], body["sold"]) == (1, 1)
