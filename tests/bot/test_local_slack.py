"""The local Slack answers the Web API as slack_sdk calls it and hands what the app shows to the console."""

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import LOCAL_BOT_TOKEN
from devtools.local_workspace import (
    GENERAL_ID,
    OWNER_ID,
    Directory,
    LocalSlack,
    Message,
    View,
)


@pytest.fixture
async def local(tmp_path):
    slack = LocalSlack(Directory(tmp_path / "local-slack.json", owner_name="ada"), token=LOCAL_BOT_TOKEN)
    await slack.start()
    yield slack
    await slack.stop()


def _drain(slack: LocalSlack) -> list:
    items = []
    while not slack.deliveries.empty():
        items.append(slack.deliveries.get_nowait())
    return items


async def test_messages_posted_updated_and_shown_to_one_person_are_handed_over(local):
    client = AsyncWebClient(token=LOCAL_BOT_TOKEN, base_url=local.api_url)
    assert (await client.auth_test())["team_id"] == "T0LOCAL"
    sales = local.directory.channel_id("sales")
    posted = await client.chat_postMessage(channel=sales, text="*Sold* 2", blocks=[{"type": "divider"}])
    await client.chat_update(channel=sales, ts=posted["ts"], text="*Sold* 3")
    await client.chat_postEphemeral(channel=GENERAL_ID, user=OWNER_ID, text="only you")
    items = _drain(local)
    assert [(m.kind, m.channel, m.ephemeral) for m in items] == [
        ("posted", sales, False), ("updated", sales, False), ("posted", GENERAL_ID, True),
    ]
    assert items[0].body == {"text": "*Sold* 2", "blocks": [{"type": "divider"}]}
    assert items[1].ts == posted["ts"]


async def test_views_get_ids_and_updates_keep_them(local):
    client = AsyncWebClient(token=LOCAL_BOT_TOKEN, base_url=local.api_url)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Modal"},
             "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "Hello"}}]}
    opened = await client.views_open(trigger_id="1.2.3", view={**modal, "callback_id": "x"})
    view_id = opened["view"]["id"]
    await client.views_update(view_id=view_id, view={**modal, "callback_id": "y"})
    items = _drain(local)
    assert [(v.method, v.view["id"], v.view["callback_id"]) for v in items] == [
        ("views.open", view_id, "x"), ("views.update", view_id, "y"),
    ]
    assert isinstance(items[0], View) and local.views[view_id]["callback_id"] == "y"


async def test_the_owner_is_the_primary_owner_and_others_are_plain_members(local):
    client = AsyncWebClient(token=LOCAL_BOT_TOKEN, base_url=local.api_url)
    owner = (await client.users_info(user=OWNER_ID))["user"]
    member = (await client.users_info(user=local.directory.user_id("bea")))["user"]
    assert (owner["real_name"], owner["is_owner"], owner["is_primary_owner"]) == ("ada", True, True)
    assert (member["real_name"], member["is_admin"], member["is_owner"]) == ("bea", False, False)


async def test_a_wrong_token_and_an_unknown_method_are_refused_like_slack(local):
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await AsyncWebClient(token="xoxb-other", base_url=local.api_url).auth_test()
    with pytest.raises(SlackApiError, match="unknown_method"):
        await AsyncWebClient(token=LOCAL_BOT_TOKEN, base_url=local.api_url).api_call("files.upload")


async def test_response_url_posts_follow_replace_original_and_in_channel(local):
    url = local.response_url(GENERAL_ID, original_ts="1.000001")
    async with aiohttp.ClientSession() as http:
        for body in ({"text": "new", "response_type": "ephemeral"}, {"text": "changed", "replace_original": True},
                     {"text": "for all", "response_type": "in_channel"}, {"delete_original": True}):
            async with http.post(url, json=body) as response:
                assert response.status == 200
    items: list[Message] = _drain(local)
    assert [(m.kind, m.ts == "1.000001", m.ephemeral) for m in items] == [
        ("posted", False, True), ("updated", True, True), ("posted", False, False), ("deleted", True, True),
    ]

