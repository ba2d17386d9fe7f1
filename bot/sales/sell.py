"""/sell EVENT TICKET [qty=1] email=… [name=…]: hold the seats and answer with the payment link."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.router import Command, Invocation, listener
from bot.sales import views as views
from core.sales import payments


class SellArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    ticket: str = Field(examples=["general-admission"])
    qty: int = 1
    email: str = Field(examples=["ann@example.com"])
    name: str | None = None
    code: str | None = None


async def handle_sell(inv: Invocation) -> None:
    args = grammar.bind(inv.args, SellArgs, positional=["event", "ticket"])
    sale = await payments.sell(inv.services, inv.tenant, **args.model_dump())
    await inv.reply(views.sale_text(sale), views.sale_card(sale, delivers=inv.services.mailer.delivers))


SELL = Command(
    name="/sell",
    summary="sell tickets: hold the seats and get a payment link",
    subcommands=(),
    default=handle_sell,
    default_usage='EVENT TICKET [qty=1] email=ann@example.com [name="Ann Lee"] [code=PROMO]',
)


async def ack_link(ack) -> None:
    """The payment link button opens a URL; Slack still reports the click."""
    await ack()


def register(app) -> None:
    app.command("/sell")(listener(SELL))
    app.action(views.PAY_LINK)(ack_link)
