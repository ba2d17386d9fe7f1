"""Views for /digest: confirmations and the list of channels that get a digest."""

from bot.digests.notices import day_label
from bot.text import context, local_time, section
from core.digests.subscriptions import Posted, Subscription


def _schedule(sub: Subscription) -> str:
    return f"every day at {sub.at:%H:%M} ({sub.timezone})"


def subscribed(sub: Subscription) -> tuple[str, list[dict]]:
    text = f"<#{sub.channel_id}> gets the daily {sub.what} {_schedule(sub)}."
    return text, [section(f":white_check_mark: {text}"), context(f"Next one: {local_time(sub.next_run_at, sub.timezone)}")]


def unsubscribed(sub: Subscription) -> tuple[str, list[dict]]:
    text = f"<#{sub.channel_id}> no longer gets the daily {sub.what}."
    return text, [section(text)]


def posted(result: Posted) -> tuple[str, list[dict]]:
    day = f"today so far ({day_label(result.day)})" if result.today else f"for {day_label(result.day)}"
    text = f"Posting the {result.what} {day} in <#{result.channel_id}>."
    return text, [section(f":outbox_tray: {text}")]


def subscription_list(subs: list[Subscription]) -> tuple[str, list[dict]]:
    if not subs:
        text = "No channel gets a digest yet; `/digest subscribe #channel` sets one up."
        return text, [section(text)]
    lines = [
        f"• <#{s.channel_id}>: {s.what}, {_schedule(s)}; next {local_time(s.next_run_at, s.timezone)}"
        for s in subs
    ]
    blocks = [section(f"*{len(subs)} channel{'' if len(subs) == 1 else 's'} get a daily digest*")]
    blocks += [section("\n".join(lines[n:n + 30])) for n in range(0, len(lines), 30)]
    return f"{len(subs)} digest subscription(s)", blocks[:50]
