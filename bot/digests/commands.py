"""/digest: daily sales and check-in digests in a channel (subscribe, unsubscribe, now, list)."""

import uuid

from pydantic import BaseModel

from bot import grammar
from bot.digests import views as views
from bot.router import Command, Invocation, Subcommand, listener
from core.digests import subscriptions


class SubscribeArgs(BaseModel):
    kind: str | None = None
    at: str | None = None


# `/digest now` reports yesterday unless told which day.
DAYS = {"yesterday": False, "today": True}


def _channel(inv: Invocation, usage: str, words: tuple[str, ...] | None = None) -> str:
    """The #channel given as the first word, else the channel the command was typed in."""
    words = inv.args.words if words is None else words
    if not words:
        return inv.channel_id
    channel = grammar.channel_id(words[0])
    if len(words) > 1 or channel is None:
        raise grammar.UsageError(f"Pick the channel from the list Slack shows as you type #, like `{usage}`.")
    return channel


async def handle_subscribe(inv: Invocation) -> None:
    channel = _channel(inv, "/digest subscribe #sales kind=sales at=09:00")
    args = grammar.bind(inv.args.drop(len(inv.args.words)), SubscribeArgs)
    sub = await subscriptions.subscribe(inv.services, inv.tenant, channel_id=channel, kind=args.kind, at=args.at)
    await inv.reply(*views.subscribed(sub))


async def handle_unsubscribe(inv: Invocation) -> None:
    sub = await subscriptions.unsubscribe(inv.services, inv.tenant, channel_id=_channel(inv, "/digest unsubscribe #sales"))
    await inv.reply(*views.unsubscribed(sub))


async def handle_now(inv: Invocation) -> None:
    words = inv.args.words
    day = words[-1].lower() if words and words[-1].lower() in DAYS else None
    if day is not None:
        words = words[:-1]
    today = DAYS.get(day, False)
    channel = _channel(inv, "/digest now #sales today", words)
    # The trigger_id names this request, so a retried request posts once.
    key = inv.trigger_id or str(uuid.uuid4())
    result = await subscriptions.send_now(inv.services, inv.tenant, channel_id=channel, request_key=key, today=today)
    await inv.reply(*views.posted(result))


async def handle_list(inv: Invocation) -> None:
    await inv.reply(*views.subscription_list(await subscriptions.list_subscriptions(inv.services, inv.tenant)))


DIGEST = Command(
    name="/digest",
    summary="daily sales and check-in digests in a channel",
    subcommands=(
        Subcommand("subscribe", "subscribe [#channel] [kind=sales|checkins|both] [at=09:00]",
                   "post a digest every day at that time (this channel by default)", handle_subscribe),
        Subcommand("unsubscribe", "unsubscribe [#channel]", "stop a channel's digest", handle_unsubscribe, keys=()),
        Subcommand("now", "now [#channel] [today]",
                   "post yesterday's digest now, or with `today` today's so far, with the upcoming events' pace",
                   handle_now, keys=()),
        Subcommand("list", "list", "the channels that get a digest", handle_list, keys=()),
    ),
)


def register(app) -> None:
    app.command("/digest")(listener(DIGEST))
