"""/ticket: add, list and edit an event's ticket types."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.events import modal_views as modals
from bot.events import views as views
from bot.events.commands import given
from bot.router import Command, Invocation, Subcommand, listener
from bot.text import escape, section
from core.accounts.permissions import Action, require
from core.events import events, ticket_types


class AddArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    name: str = Field(examples=["General admission"])
    price: str = Field(examples=["25.00"])
    capacity: str | None = None
    sales_end: str | None = None
    slug: str | None = None


class ListArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])


class EditArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    ticket: str = Field(examples=["general-admission"])
    name: str | None = None
    price: str | None = None
    capacity: str | None = None
    sales_end: str | None = None


async def open_add_modal(inv: Invocation, event: events.EventInfo | None = None) -> None:
    require(inv.tenant, Action.ADD_TICKET_TYPES)
    view = modals.add_ticket_modal(channel_id=inv.channel_id, currency=inv.tenant.currency, event=event)
    await inv.client.views_open(trigger_id=inv.trigger_id, view=view)


async def handle_add(inv: Invocation) -> None:
    if len(inv.args.words) == 1 and not inv.args.options:
        event = await events.get_event_by_slug(inv.services, inv.tenant, inv.args.words[0])
        await open_add_modal(inv, event)
        return
    args = grammar.bind(inv.args, AddArgs, positional=["event"])
    ticket = await ticket_types.add_ticket_type(inv.services, inv.tenant, **args.model_dump())
    event = await events.get_event_by_slug(inv.services, inv.tenant, args.event)
    await inv.reply(f"Added {escape(ticket.name)}", views.ticket_added(event, ticket))


async def handle_list(inv: Invocation) -> None:
    args = grammar.bind(inv.args, ListArgs, positional=["event"])
    event, tickets = await ticket_types.list_ticket_types(inv.services, inv.tenant, event=args.event)
    await inv.reply(f"{len(tickets)} ticket types", views.ticket_list(event, tickets))


async def handle_edit(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EditArgs, positional=["event", "ticket"])
    if not inv.args.options:
        raise grammar.UsageError("Say what to change, for example `/ticket edit summer-gala general price=30 capacity=200`.")
    ticket = await ticket_types.update_ticket_type(
        inv.services, inv.tenant, event=args.event, ticket=args.ticket, name=given(args.name), price=given(args.price),
        capacity=given(args.capacity, clearable=True), sales_end=given(args.sales_end, clearable=True),
    )
    await inv.reply(f"Saved {escape(ticket.name)}", [section(f"Saved *{escape(ticket.name)}* `{ticket.slug}`.")])


TICKET = Command(
    name="/ticket",
    summary="an event's ticket types",
    subcommands=(
        Subcommand("add", 'add EVENT name="General admission" price=25 [capacity=…] [sales_end="2031-06-30 23:59"] [slug=…]',
                   "add a ticket type (no arguments, or only EVENT: a form)", handle_add, modal=open_add_modal),
        Subcommand("list", "list EVENT", "the event's ticket types with prices and seats", handle_list),
        Subcommand("edit", "edit EVENT TICKET [name=…] [price=…] [capacity=…] [sales_end=…]", "change a ticket type", handle_edit),
    ),
)


def register(app) -> None:
    app.command("/ticket")(listener(TICKET))
