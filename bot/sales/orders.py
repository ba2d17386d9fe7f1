"""/order: show, paid, refund (after a confirmation), comp and resend, by order reference."""

import json

from pydantic import BaseModel, Field

from bot import errors, grammar, mail_words
from bot.router import Command, Invocation, Subcommand, listener
from bot.sales import views as views
from bot.text import escape, money
from core.sales import orders, payments


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
    code: str | None = None


async def handle_show(inv: Invocation) -> None:
    args = grammar.bind(inv.args, RefArgs, positional=["reference"])
    order = await orders.get_order(inv.services, inv.tenant, reference=args.reference)
    await inv.reply(f"Order {order.reference}", views.order_card(order, delivers=inv.services.mailer.delivers))


async def handle_paid(inv: Invocation) -> None:
    args = grammar.bind(inv.args, PaidArgs, positional=["reference"])
    order = await payments.mark_paid(inv.services, inv.tenant, reference=args.reference, method=args.method)
    delivers = inv.services.mailer.delivers
    note = (f"Payment recorded; {order.quantity} ticket{'s' if order.quantity != 1 else ''} "
            f"{mail_words.emailed_to(order.email, delivers=delivers)}.")
    await inv.reply(f"{order.reference} is paid.", views.order_card(order, note=note, delivers=delivers))


async def handle_refund(inv: Invocation) -> None:
    args = grammar.bind(inv.args, RefundArgs, positional=["reference"])
    plan = await payments.plan_refund(inv.services, inv.tenant, reference=args.reference, amount=args.amount)
    shown = money(plan.cents, plan.currency)
    await inv.reply(f"Refund {shown} of {plan.reference}?", views.refund_step(plan, args.amount))


async def refund_confirmed(ack, action: dict, respond, tenant, services) -> None:
    """The Refund button of the confirmation: refunds what was shown, once."""
    await ack()
    async with errors.answering_errors(respond):
        try:
            value = json.loads(action.get("value") or "")
            reference, amount, seen = str(value["r"]), value.get("a"), int(value["s"])
        except (ValueError, KeyError, TypeError):
            raise grammar.UsageError("That button is out of date; run `/order refund REF` again.") from None
        order = await payments.refund(services, tenant, reference=reference, amount=amount, seen_refunded=seen)
        await respond(text=f"{order.reference} refunded.", blocks=views.order_card(order, note=views.refunded_note(order), delivers=services.mailer.delivers),
                      replace_original=True)


async def refund_kept(ack, action: dict, respond) -> None:
    await ack()
    async with errors.answering_errors(respond):
        await respond(text=f"Not refunded; {escape(action.get('value') or 'the order')} stays as it was.", replace_original=True)


async def handle_comp(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CompArgs, positional=["event", "ticket"])
    held = await orders.comp(inv.services, inv.tenant, **args.model_dump())
    order = await orders.get_order(inv.services, inv.tenant, reference=held.reference)
    delivers = inv.services.mailer.delivers
    note = (f"Complimentary ticket{'s' if held.quantity != 1 else ''} issued and "
            f"{mail_words.emailed_to(held.email, delivers=delivers)}.")
    await inv.reply(f"{held.reference}: comp issued.", views.order_card(order, note=note, delivers=delivers))


async def handle_resend(inv: Invocation) -> None:
    args = grammar.bind(inv.args, RefArgs, positional=["reference"])
    order = await orders.resend(inv.services, inv.tenant, reference=args.reference)
    delivers = inv.services.mailer.delivers
    note = f"Tickets {mail_words.emailed_to(order.email, delivers=delivers)} again."
    await inv.reply(f"{order.reference}: tickets resent.", views.order_card(order, note=note, delivers=delivers))


ORDER = Command(
    name="/order",
    summary="look up, settle, refund, comp and resend orders",
    subcommands=(
        Subcommand("show", "show REF", "an order with its payment and tickets", handle_show),
        Subcommand("paid", "paid REF [method=cash|bank]", "record a cash or bank payment and issue the tickets", handle_paid),
        Subcommand("refund", "refund REF [amount=…]", "refund all (or part) of an order, after a confirmation; card payments go back through Stripe",
                   handle_refund),
        Subcommand("comp", 'comp EVENT TICKET email=… [name="…"] [code=…]', "issue free tickets at once", handle_comp),
        Subcommand("resend", "resend REF", "email an order's tickets again", handle_resend),
    ),
)


def register(app) -> None:
    app.command("/order")(listener(ORDER))
    app.action(views.REFUND)(refund_confirmed)
    app.action(views.KEEP)(refund_kept)
