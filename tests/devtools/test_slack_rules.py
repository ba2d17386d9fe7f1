"""Slack's rules as the stand-in applies them: each payload the app once sent wrongly is caught."""

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from devtools import slack_rules
from devtools.slack_manifest import Manifest
from devtools.slack_standin import SlackStandin


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text: str, action_id: str, value: str = "v") -> dict:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


def _modal(*blocks: dict, **fields) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Save"}, "blocks": list(blocks), **fields}


def _input(element: dict, block_id: str = "b") -> dict:
    return {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": "Label"}, "element": element}


def test_a_message_that_follows_the_rules_has_no_problems():
    assert slack_rules.message_problems({"text": "Hi", "blocks": [_section("*Hi*"), {"type": "actions",
        "elements": [_button("Previous", "prev"), _button("Next", "next")]}]}) == []


@pytest.mark.parametrize(("message", "problem"), [
    ({"blocks": [_section("x")]}, "text fallback"),
    ({"text": "t", "blocks": [{"type": "actions", "elements": [_button("← Previous", "page"), _button("Next", "page")]}]},
     "action_id 'page' is used by 2"),
    ({"text": "t", "blocks": [_section("x")] * 51}, "51 blocks in a message"),
    ({"text": "t", "blocks": [_section("x" * 3001)]}, "3000"),
    ({"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "150"),
    ({"text": "t", "blocks": [{"type": "actions", "elements": [_button("b" * 76, "a")]}]}, "75"),
    ({"text": "t", "blocks": [{"type": "actions", "elements": [_button("b", "a", "v" * 2001)]}]}, "2000"),
    ({"text": "t", "blocks": [{"type": "actions", "elements": [_button("b", "a" * 256)]}]}, "255"),
    ({"text": "t", "blocks": [{**_section("x"), "block_id": "b" * 256}]}, "255"),
    ({"text": "t", "blocks": [{**_section("x"), "block_id": "same"}, {**_section("y"), "block_id": "same"}]}, "'same' is used by 2"),
    ({}, "needs text or blocks"),
])
def test_each_documented_limit_is_a_problem(message, problem):
    assert problem in " | ".join(slack_rules.message_problems(message))


def test_a_modal_input_longer_than_3000_a_long_title_and_too_many_blocks_are_problems():
    long_input = _modal(_input({"type": "plain_text_input", "action_id": "m", "multiline": True, "max_length": 5000}))
    assert "outside 0..3000" in " | ".join(slack_rules.view_problems(long_input))
    titled = _modal(_section("x"), title={"type": "plain_text", "text": "A title of more than 24 chars"})
    assert "title" in " | ".join(slack_rules.view_problems(titled))
    home = {"type": "home", "blocks": [_section("x")] * 101}
    assert "101 blocks" in " | ".join(slack_rules.view_problems(home))


def test_a_view_submission_may_be_acked_only_empty_or_with_a_response_action():
    assert slack_rules.ack_problems("view_submission", None) == []
    assert slack_rules.ack_problems("view_submission", {"response_action": "errors", "errors": {"b": "Bad"}}) == []
    assert slack_rules.ack_problems("view_submission", {"response_type": "ephemeral", "text": "No"}) != []
    assert slack_rules.ack_problems("command", "plain text is fine for a command") == []


def test_the_standin_grants_exactly_the_manifest_scopes_and_the_install_reports_them():
    standin = SlackStandin()
    assert standin.scopes == Manifest.load().bot_scopes
    assert "channels:read" not in standin.scopes and "team:read" not in standin.scopes


async def test_a_method_whose_scope_is_missing_answers_missing_scope():
    standin = SlackStandin(scopes=frozenset({"chat:write"}))
    await standin.start()
    try:
        client = AsyncWebClient(token="xoxb-test", base_url=standin.base_url)
        with pytest.raises(SlackApiError) as refused:
            await client.conversations_join(channel="C0DEALS")
        assert refused.value.response["error"] == "missing_scope" and refused.value.response["needed"] == "channels:join"
        assert (await client.chat_postMessage(channel="C0DEALS", text="hi"))["ok"]
        oauth = await client.oauth_v2_access(client_id="c", client_secret="s", code="x")
        assert oauth["scope"] == "chat:write"
    finally:
        await standin.stop()


async def test_a_refused_payload_is_answered_as_slack_does_and_kept_as_a_violation():
    standin = SlackStandin()
    await standin.start()
    try:
        client = AsyncWebClient(token="xoxb-test", base_url=standin.base_url)
        # slack_sdk warns of the missing `text` too; the stand-in refuses it as Slack's rules say.
        with pytest.warns(UserWarning, match="`text` argument is missing"), pytest.raises(SlackApiError, match="invalid_blocks"):
            await client.chat_postMessage(channel="C0DEALS", blocks=[_section("no fallback")])
        assert standin.violations and "text fallback" in standin.violations[0]
        standin.violations.clear()
    finally:
        await standin.stop()
