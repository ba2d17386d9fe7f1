"""Core states facts; bot words them: Slack answers name the command to run, the scanner API speaks to door staff."""

import re
import uuid

import aiohttp
import pytest

from bot.door.words import NO_TOKEN, scanner_sentence
from bot.errors import STEPS, slack_sentence
from core.accounts.permissions import Action, require
from core.context import Role, TenantContext
from core.door import tokens as door_tokens
from core.errors import Forbidden, Invalid, Next, NextStep, NotFound, Thing
from tests.support.door_factories import make_event

COMMAND = re.compile(r"(?<![\w/])/[a-z]+")


def test_every_next_step_core_can_name_has_slack_words():
    assert set(STEPS) == set(NextStep)


def test_a_refusal_by_role_is_a_typed_fact_and_slack_names_the_command_that_grants_the_role():
    door_staff = TenantContext(account_id=uuid.uuid4(), user_id=uuid.uuid4(), role=Role.DOOR)
    with pytest.raises(Forbidden) as refused:
        require(door_staff, Action.CREATE_EVENTS)
    error = refused.value
    assert (error.code, error.needs, error.action) == ("forbidden", Role.ORGANIZER, Action.CREATE_EVENTS)
    assert error.message == "Only an organizer user (or higher) can create events."
    assert slack_sentence(error) == (
        "Only an organizer user (or higher) can create events; ask an admin to run `/eventos role @you organizer`."
    )


def test_a_next_step_keeps_the_fact_whole_when_it_ends_in_a_question():
    error = NotFound("There is no event `gal`. Did you mean `gala` (Gala)?", kind=Thing.EVENT, asked="gal",
                     next_step=Next.to(NextStep.LIST_EVENTS))
    assert slack_sentence(error) == "There is no event `gal`. Did you mean `gala` (Gala)? See `/event list` for the slugs."
    plain = NotFound("There is no event `gal`.", kind=Thing.EVENT, asked="gal", next_step=Next.to(NextStep.LIST_EVENTS))
    assert slack_sentence(plain) == "There is no event `gal`. See `/event list` for the slugs."


async def test_slack_answers_name_the_command_to_run(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    door = await slack.user("door")

    refused = await slack.run("/event", 'create name="Jazz" starts="2031-07-01 19:00"', user=door)
    assert refused["text"] == (
        "Only an organizer user (or higher) can create events; ask an admin to run `/eventos role @you organizer`."
    )
    assert refused["response_type"] == "ephemeral"
    missing = await slack.run("/event", "show nope")
    assert missing["text"].startswith("There is no event `nope`.") and missing["text"].endswith(
        "See `/event list` for the slugs."
    )
    unnamed = await slack.run("/eventos", f"door-token {event.slug} revoke")
    assert unnamed["text"] == f'Say which token to revoke: `/eventos door-token {event.slug} revoke "Door 1"`.'
    gone = await slack.run("/eventos", f'door-token {event.slug} revoke "Side door"')
    assert gone["text"] == f"{event.slug} has no active door token “Side door”; `/eventos door-token {event.slug} list` shows them."


def test_the_scanner_words_core_errors_for_door_staff_without_slack():
    refused = door_tokens.DoorTokenRefused("Send a door token as Authorization: Bearer dt_….",
                                           next_step=Next.to(NextStep.MAKE_DOOR_TOKEN))
    assert scanner_sentence(refused) == (
        "Send a door token as Authorization: Bearer dt_…; ask an organizer for a door token for this event."
    )
    no_event = NotFound("There is no event `nope`.", kind=Thing.EVENT, asked="nope", next_step=Next.to(NextStep.LIST_EVENTS))
    assert scanner_sentence(no_event) == "There is no event “nope”; check which event this scanner is set to."
    unworded = Invalid("Say whom to find.", next_step=Next.to(NextStep.NAME_ATTENDEE, event="gala"))
    assert scanner_sentence(unworded) == "Say whom to find."


@pytest.fixture
async def scanner(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    issued = await door_tokens.create_door_token(slack.services, tenant, event_slug=event.slug, name="Main entrance")
    async with aiohttp.ClientSession(base_url=slack.base_url) as http:
        yield event, issued.secret, http


async def _answer(http, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, path, json=body, headers=headers) as response:
        return response.status, await response.json()


async def test_every_scanner_route_answers_a_request_without_a_token_alike(scanner):
    _, _, http = scanner
    answers = [
        await _answer(http, "POST", "/api/v1/checkins", None, {"code": "X"}),
        await _answer(http, "POST", "/api/v1/checkins/batch", None, {"scans": []}),
        await _answer(http, "GET", "/api/v1/door", None),
        await _answer(http, "GET", "/api/v1/guests?q=ann", None),
        await _answer(http, "POST", "/api/v1/guests/admit", None, {"entry": "x"}),
    ]
    assert answers == [(401, {"error": "unauthorized", "message": NO_TOKEN})] * 5


async def test_the_scanner_api_answers_stable_codes_and_plain_sentences_for_door_staff(scanner):
    event, token, http = scanner
    answers = {
        "no token": await _answer(http, "POST", "/api/v1/checkins", None, {"code": "X"}),
        "not a token": await _answer(http, "POST", "/api/v1/checkins", "abc", {"code": "X"}),
        "unknown token": await _answer(http, "POST", "/api/v1/checkins", "dt_unknown", {"code": "X"}),
        "unknown event": await _answer(http, "POST", "/api/v1/checkins", token, {"code": "X", "event": "nope"}),
        "no code": await _answer(http, "POST", "/api/v1/checkins", token, {}),
        "guests without token": await _answer(http, "GET", "/api/v1/guests?q=ann", None),
        "door without token": await _answer(http, "GET", "/api/v1/door", "abc"),
    }
    assert {name: (status, body["error"]) for name, (status, body) in answers.items()} == {
        "no token": (401, "unauthorized"),
        "not a token": (401, "unauthorized"),
        "unknown token": (401, "unauthorized"),
        "unknown event": (404, "not_found"),
        "no code": (400, "invalid"),
        "guests without token": (401, "unauthorized"),
        "door without token": (401, "unauthorized"),
    }
    for name, (_, body) in answers.items():
        sentence = body["message"]
        assert not COMMAND.search(sentence.replace("/api/", "")), (name, sentence)
        assert "`" not in sentence and "*" not in sentence and "<" not in sentence, (name, sentence)
        assert sentence.endswith("."), (name, sentence)
    assert answers["not a token"][1]["message"].endswith("ask an organizer for a door token for this event.")
    assert answers["unknown event"][1]["message"] == "There is no event “nope”; check which event this scanner is set to."
