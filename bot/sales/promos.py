"""/promo: promo codes for an event (add, list, show, end)."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.router import Command, Invocation, Subcommand, listener
from bot.sales import views
from core.sales import promos, sources


class AddArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    code: str = Field(examples=["FRIENDS-20"])
    percent: str | None = None
    amount: str | None = None
    tickets: str | None = None
    max: int | None = None
    until: str | None = None
    hidden: bool = False


class EventArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])


class MineArgs(BaseModel):
    event: str | None = Field(default=None, examples=["summer-gala"])


class CodeArgs(BaseModel):
    code: str = Field(examples=["FRIENDS-20"])


async def handle_add(inv: Invocation) -> None:
    args = grammar.bind(inv.args, AddArgs, positional=["event", "code"])
    promo = await promos.add_promo(inv.services, inv.tenant, **args.model_dump())
    await inv.reply(f"Promo code {promo.code} added.", views.promo_card(promo, now=inv.services.clock.now()))


async def handle_list(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EventArgs, positional=["event"])
    event, codes = await promos.list_promos(inv.services, inv.tenant, event=args.event)
    await inv.reply(f"{len(codes)} promo codes for {event.name}", views.promo_list(event, codes, now=inv.services.clock.now()))


async def handle_show(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CodeArgs, positional=["code"])
    report = await promos.show_promo(inv.services, inv.tenant, code=args.code)
    await inv.reply(f"Promo code {report.promo.code}", views.promo_report(report, now=inv.services.clock.now()))


async def handle_end(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CodeArgs, positional=["code"])
    promo, ended = await promos.end_promo(inv.services, inv.tenant, code=args.code)
    text = f"{promo.code} ended; orders placed with it keep their price." if ended else f"{promo.code} had already ended."
    await inv.reply(text, views.promo_card(promo, now=inv.services.clock.now(), note=text))


async def handle_mine(inv: Invocation) -> None:
    args = grammar.bind(inv.args, MineArgs, positional=["event"])
    figures = await sources.my_sales(inv.services, inv.tenant, event=args.event)
    await inv.reply(f"Your sales: {len(figures)} events", views.my_sales(figures, event=args.event))


PROMO = Command(
    name="/promo",
    summary="promo codes: discounts and hidden ticket types for an event",
    subcommands=(
        Subcommand("add", 'add EVENT CODE [percent=20|amount=5] [tickets=ga,vip] [max=100] [until="2031-06-30 18:00"] [hidden=yes]',
                   "create a code; max counts tickets; hidden=yes shows its ticket types only to holders of the code",
                   handle_add, keys=("percent", "amount", "tickets", "max", "until", "hidden")),
        Subcommand("list", "list EVENT", "the event's codes with their uses", handle_list),
        Subcommand("show", "show CODE", "a code with its uses, orders and revenue", handle_show),
        Subcommand("end", "end CODE", "stop a code now (orders already placed keep it)", handle_end),
        Subcommand("mine", "mine [EVENT]", "your own sales through your tracked links (`/event link EVENT`), per event",
                   handle_mine),
    ),
    epilogue="Buyers type the code at checkout or follow a link with `?code=CODE`; staff pass it to "
             "`/sell … code=CODE` and `/order comp … code=CODE`.",
)


def register(app) -> None:
    app.command("/promo")(listener(PROMO))
