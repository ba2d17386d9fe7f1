"""/order: show, paid, refund, comp and resend, by order reference."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.commands.router import Command, Invocation, Subcommand, listener
from bot.views import orders as views
from bot.views.text import escape, money
from core import orders, payments


class RefArgs(BaseModel):
    reference: str = Field(examples=["EV-7K3F9Q"])


class PaidArgs(BaseModel):
    reference: str = Field(examples=["EV-7K3F9Q"])
    method: str = "cash"


class RefundArgs(BaseModel):
    reference: str = Field(examples=["EV-7K3F9Q"])
    amount: str | None = None


class CompArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    ticket: str = Field(examples=["general-admission"])
    email: str = Field(examples=["ann@example.com"])
    name: str | None = None
    qty: int = 1


async def handle_show(inv: Invocation) -> None:
    args = grammar.bind(inv.args, RefArgs, positional=["reference"])
    order = await orders.get_order(inv.services, inv.tenant, reference=args.reference)
    await inv.reply(f"Order {order.reference}", views.order_card(order))


async def handle_paid(inv: Invocation) -> None:
    args = grammar.bind(inv.args, PaidArgs, positional=["reference"])
    order = await payments.mark_paid(inv.services, inv.tenant, reference=args.reference, method=args.method)
    note = f"Payment recorded; {order.quantity} ticket{'s' if order.quantity != 1 else ''} emailed to {escape(order.email)}."
    await inv.reply(f"{order.reference} is paid.", views.order_card(order, note=note))


async def handle_refund(inv: Invocation) -> None:
    args = grammar.bind(inv.args, RefundArgs, positional=["reference"])
    order = await payments.refund(inv.services, inv.tenant, reference=args.reference, amount=args.amount)
    if order.status == "refunded":
        note = f"Refunded in full ({money(order.refunded_cents, order.currency)}); the tickets are void and the seats back on sale."
    else:
        note = f"Refunded {money(order.refunded_cents, order.currency)} so far; the tickets stay valid."
    await inv.reply(f"{order.reference} refunded.", views.order_card(order, note=note))


async def handle_comp(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CompArgs, positional=["event", "ticket"])
    held = await orders.comp(inv.services, inv.tenant, **args.model_dump())
    order = await orders.get_order(inv.services, inv.tenant, reference=held.reference)
    note = f"Complimentary ticket{'s' if held.quantity != 1 else ''} issued and emailed to {escape(held.email)}."
    await inv.reply(f"{held.reference}: comp issued.", views.order_card(order, note=note))


async def handle_resend(inv: Invocation) -> None:
    args = grammar.bind(inv.args, RefArgs, positional=["reference"])
    order = await orders.resend(inv.services, inv.tenant, reference=args.reference)
    note = f"Tickets emailed again to {escape(order.email)}."
    await inv.reply(f"{order.reference}: tickets resent.", views.order_card(order, note=note))


ORDER = Command(
    name="/order",
    summary="look up, settle, refund, comp and resend orders",
    subcommands=(
        Subcommand("show", "show REF", "an order with its payment and tickets", handle_show),
        Subcommand("paid", "paid REF [method=cash|bank]", "record a cash or bank payment and issue the tickets", handle_paid),
        Subcommand("refund", "refund REF [amount=…]", "refund all (or part) of an order; card payments go back through Stripe",
                   handle_refund),
        Subcommand("comp", 'comp EVENT TICKET email=… [name="…"]', "issue free tickets at once", handle_comp),
        Subcommand("resend", "resend REF", "email an order's tickets again", handle_resend),
    ),
)


def register(app) -> None:
    app.command("/order")(listener(ORDER))
