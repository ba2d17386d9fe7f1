"""GET /api/v1/guests and POST /api/v1/guests/admit over real HTTP with door tokens."""

import asyncio

import aiohttp
import pytest

from core.door import tokens as door_tokens
from core.guestlists import entries
from tests.support.door_factories import make_event


@pytest.fixture
async def door(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Club")
    other = await make_event(slack.services, tenant, name="Other")
    issued = await door_tokens.create_door_token(slack.services, tenant, event_slug=event.slug, name="Front")
    async with aiohttp.ClientSession(base_url=slack.base_url) as http:
        yield tenant, event, other, issued.secret, http


async def test_a_guest_admitted_at_two_doors_at_once_is_admitted_once(slack, door):
    tenant, event, _, token, http = door
    added = await entries.add_guest(slack.services, tenant, event=event.slug, name="Gina Guest", companions=1)
    headers = {"Authorization": f"Bearer {token}"}

    async with http.get("/api/v1/guests", params={"q": "gin"}, headers=headers) as response:
        [found] = (await response.json())["guests"]

    async def admit():
        async with http.post("/api/v1/guests/admit", json={"entry": found["id"], "party": 2}, headers=headers) as response:
            return response.status, await response.json()

    answers = await asyncio.gather(*(admit() for _ in range(20)))
    assert {status for status, _ in answers} == {200}
    assert sorted(body["result"] for _, body in answers) == ["admitted"] + ["already_admitted"] * 19
    assert found["name"] == "Gina Guest" and found["id"] == str(added.entry_id)
    assert all(body["party"] == 2 and body["checked_in_by"] in (None, "Front") for _, body in answers)


async def test_a_token_only_reaches_its_own_event_and_bad_requests_are_refused(slack, door):
    tenant, _, other, token, http = door
    elsewhere = await entries.add_guest(slack.services, tenant, event=other.slug, name="Elsewhere Ed")
    headers = {"Authorization": f"Bearer {token}"}

    async with http.get("/api/v1/guests", params={"q": "elsewhere"}, headers=headers) as response:
        assert (await response.json())["guests"] == []
    async with http.post("/api/v1/guests/admit", json={"entry": str(elsewhere.entry_id)}, headers=headers) as response:
        assert response.status == 404
    async with http.post("/api/v1/guests/admit", json={"entry": "nope"}, headers=headers) as response:
        assert response.status == 400
    async with http.post("/api/v1/guests/admit", json={"entry": str(elsewhere.entry_id), "party": "2"}, headers=headers) as response:
        assert response.status == 400
    async with http.get("/api/v1/guests", params={"q": "x"}) as response:
        assert response.status == 401
