"""Replies in the thread of a posted contact card are logged to that contact, and get a reaction.

The reply is taken from the `message` event itself: reading thread history
(conversations.replies) is heavily rate-limited for apps outside the Slack Marketplace.
"""

import logging
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError

from bot import errors
from core.crm import interactions

log = logging.getLogger(__name__)

CAPTURED = "memo"  # the reaction that tells the thread a reply was logged
LOGGED_SUBTYPES = (None, "thread_broadcast", "file_share")


def is_thread_reply(event: dict) -> bool:
    """A person's reply inside a thread (not the parent, not an edit, not a bot)."""
    thread_ts = event.get("thread_ts")
    return (
        bool(thread_ts) and thread_ts != event.get("ts") and event.get("subtype") in LOGGED_SUBTYPES
        and not event.get("bot_id") and bool(event.get("user"))
    )


async def log_reply(event: dict, client, tenant, services) -> None:
    """Events are acked by Bolt before this runs; untracked threads cost one indexed lookup."""
    if tenant is None or not is_thread_reply(event):
        return
    async with errors.answering_errors(None):
        channel, thread_ts, ts = event["channel"], event["thread_ts"], event["ts"]
        if await interactions.thread_contact(services, tenant, channel_id=channel, thread_ts=thread_ts) is None:
            return
        permalink = None
        try:
            permalink = (await client.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
        except SlackApiError as error:
            log.info("no permalink for a thread reply (%s)", error.response.get("error"))
        logged = await interactions.log_thread_reply(
            services, tenant, channel_id=channel, thread_ts=thread_ts, ts=ts, text=event.get("text") or "",
            author=event["user"], occurred_at=datetime.fromtimestamp(float(ts), UTC), permalink=permalink,
        )
        if logged is not None and logged.interaction_id is not None:
            await client.reactions_add(channel=channel, timestamp=ts, name=CAPTURED)


def register(app) -> None:
    app.event("message")(log_reply)
