"""/guest: put names on an event's guest lists, list, remove, import, count, and set lists up."""

import re

from pydantic import BaseModel, Field

from bot import grammar
from bot.events.commands import CLEAR
from bot.guestlists import views as views
from bot.router import Command, Invocation, Subcommand, listener
from core.accounts.permissions import Action, require
from core.events import events
from core.guestlists import entries, lists, stats

_COMPANIONS = re.compile(r"^\+\d+$")

ADD_USAGE = '`/guest add EVENT "Name" [+N] [list=…] [email=…] [note=…]`, like `/guest add summer-gala "Anna Smith" +2 list=vip`'


class EventArg(BaseModel):
    event: str = Field(examples=["summer-gala"])
    list: str | None = None


class SetupArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    list: str = Field(examples=["vip"])
    cap: str | None = None
    closes: str | None = None
    promoter: str | None = Field(default=None, json_schema_extra=grammar.SLACK_REFERENCE)


def _name_and_companions(words: tuple[str, ...], usage: str) -> tuple[str, str | None]:
    """`Anna Smith +2` (quoted or not) as the name and the companions."""
    plus = words[-1] if words and _COMPANIONS.match(words[-1]) else None
    name_words = words[:-1] if plus else words
    if not name_words:
        raise grammar.UsageError(f"Name the guest: {usage}.")
    if any(w.startswith("+") for w in name_words):
        raise grammar.UsageError(f"Write companions once, as +N after the name: {usage}.")
    return " ".join(name_words), plus


def _event_first(inv: Invocation, usage: str) -> tuple[str, tuple[str, ...]]:
    if not inv.args.words:
        raise grammar.UsageError(f"Name the event first: {usage}.")
    return inv.args.words[0], inv.args.words[1:]


async def handle_add(inv: Invocation) -> None:
    event, rest = _event_first(inv, ADD_USAGE)
    name, plus = _name_and_companions(rest, ADD_USAGE)
    options = inv.args.options
    unknown = sorted(set(options) - {"list", "email", "note"})
    if unknown:
        raise grammar.UsageError(f"I don't know {unknown[0]}=; use list=, email= or note=, as in {ADD_USAGE}.")
    email = options.get("email")
    added = await entries.add_guest(
        inv.services, inv.tenant, event=event, name=name, companions=plus, list_name=options.get("list"),
        email=email, note=options.get("note"),
    )
    await inv.reply(*views.guest_added(added))


async def handle_list(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EventArg, positional=["event"])
    listing = await entries.list_guests(inv.services, inv.tenant, event=args.event, list_name=args.list)
    await inv.reply(*views.guest_listing(listing))


async def handle_remove(inv: Invocation) -> None:
    usage = '`/guest remove EVENT "Name"`'
    event, rest = _event_first(inv, usage)
    if not rest or inv.args.options:
        raise grammar.UsageError(f"Say whom to take off: {usage}.")
    removed = await entries.remove_guest(inv.services, inv.tenant, event=event, name=" ".join(rest))
    await inv.reply(*views.guest_removed(removed))


async def handle_import(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EventArg, positional=["event"])
    require(inv.tenant, Action.ADD_NAMES_TO_GUEST_LISTS)
    lists.list_name(args.list)
    event = await events.get_event_by_slug(inv.services, inv.tenant, args.event)
    await inv.client.views_open(
        trigger_id=inv.trigger_id,
        view=views.import_modal(event=event.slug, event_name=event.name, list_name=args.list, channel_id=inv.channel_id),
    )


async def handle_stats(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EventArg, positional=["event"])
    if args.list:
        raise grammar.UsageError("Use `/guest stats EVENT`; it counts every list.")
    await inv.reply(*views.guest_stats(await stats.guest_stats(inv.services, inv.tenant, event=args.event)))


def _cleared(value: str | None) -> bool:
    return value is not None and value.strip().lower() in CLEAR


async def handle_setup(inv: Invocation) -> None:
    args = grammar.bind(inv.args, SetupArgs, positional=["event"])
    promoter = None
    if args.promoter is not None:
        promoter = grammar.user_id(args.promoter)
        if promoter is None:
            raise grammar.UsageError("Mention the promoter: `promoter=@anna`.")
    info = await lists.set_up_list(
        inv.services, inv.tenant, event=args.event, name=args.list,
        cap=None if _cleared(args.cap) else args.cap, closes=None if _cleared(args.closes) else args.closes,
        promoter_slack_id=promoter, clear_cap=_cleared(args.cap), clear_closes=_cleared(args.closes),
    )
    await inv.reply(*views.list_set_up(info))


GUEST = Command(
    name="/guest",
    summary="guest lists: names with companions on an event's lists, promoters, and the counts to settle with them",
    subcommands=(
        Subcommand("add", 'add EVENT "Name" [+N] [list=…] [email=…] [note=…]',
                   "put a name (and +N companions) on a list; promoters add to their own", handle_add),
        Subcommand("list", "list EVENT [list=…]", "the names, A to Z (promoters: their own), with who came", handle_list),
        Subcommand("remove", 'remove EVENT "Name"', "take a name off and free its places", handle_remove, keys=()),
        Subcommand("import", "import EVENT [list=…]", "paste many names at once: `Name, email, +N` per line", handle_import),
        Subcommand("stats", "stats EVENT", "names, places and arrivals per list and per promoter", handle_stats),
        Subcommand("setup", "setup EVENT list=… [cap=…] [closes=…] [promoter=@…]",
                   "make or change a list: its promoter, cap (places) and closing time (organizers)", handle_setup),
    ),
    epilogue="Guests are found at the door with `/checkin EVENT name`; `/event export EVENT what=guests` exports them.",
)


def register(app) -> None:
    app.command("/guest")(listener(GUEST))
