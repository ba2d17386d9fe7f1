"""/eventos: help, account setup, users and roles."""

from dataclasses import replace

from pydantic import BaseModel, Field

from bot import grammar
from bot.accounts import views as views
from bot.door import tokens
from bot.router import Command, Invocation, Subcommand, listener
from core.accounts import accounts


class SetupArgs(BaseModel):
    timezone: str | None = None
    currency: str | None = None
    sales_channel: str | None = Field(None, json_schema_extra=grammar.SLACK_REFERENCE)
    default_role: str | None = None


async def handle_setup(inv: Invocation) -> None:
    if not inv.args.words and not inv.args.options:
        settings = await accounts.account_settings(inv.services, inv.tenant)
        await inv.reply("Account settings", views.settings_card(settings))
        return
    args = grammar.bind(inv.args, SetupArgs)
    channel = args.sales_channel
    if channel is not None:
        channel = grammar.channel_id(channel)
        if channel is None:
            raise grammar.UsageError("sales_channel must be a channel picked with #, like sales_channel=#sales.")
    settings = await accounts.update_settings(
        inv.services, inv.tenant, timezone=args.timezone, currency=args.currency,
        sales_channel=channel, default_role=args.default_role,
    )
    await inv.reply("Settings saved.", [views.section("Settings saved."), *views.settings_card(settings)])


async def handle_users(inv: Invocation) -> None:
    members = await accounts.list_members(inv.services, inv.tenant)
    await inv.reply(f"{len(members)} people use EventOS", views.member_list(members))


async def handle_role(inv: Invocation) -> None:
    words = inv.args.words
    if len(words) != 2 or grammar.user_id(words[0]) is None:
        raise grammar.UsageError("Use `/eventos role @person ROLE`, with ROLE one of owner, admin, organizer, sales, promoter, door.")
    member = await accounts.set_role(
        inv.services, inv.tenant, slack_user_id=grammar.user_id(words[0]), role=words[1].lower()
    )
    await inv.reply(f"<@{member.slack_user_id}> is now *{member.role}*.")


EVENTOS = Command(
    name="/eventos",
    summary="account settings, people and roles",
    subcommands=(
        Subcommand("setup", "setup [timezone=Europe/Berlin] [currency=EUR] [sales_channel=#sales]",
                   "show or change the account settings", handle_setup),
        Subcommand("users", "users", "who uses EventOS here, with their roles", handle_users),
        Subcommand("role", "role @person owner|admin|organizer|sales|promoter|door", "change someone's role", handle_role),
        Subcommand("door-token", tokens.USAGE, "a scanner token for an event's door (shown once); list or revoke them",
                   tokens.handle_door_token, keys=("name",)),
    ),
)


def register(app) -> None:
    from bot import reference

    app.command("/eventos")(listener(replace(EVENTOS, epilogue=reference.overview())))
