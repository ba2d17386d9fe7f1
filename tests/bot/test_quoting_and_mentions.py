"""One quoting and mention rule, in Slack and in the console: names and tags never store Slack markup."""

from pydantic import BaseModel, Field
from sqlalchemy import select

from bot import grammar
from bot.console.repl import escape_command_text
from db.models import Company, Contact
from devtools.local_workspace import Directory


class Args(BaseModel):
    name: str
    tags: list[str] = []
    channel: str | None = Field(None, json_schema_extra=grammar.SLACK_REFERENCE)


def test_mentions_read_as_typed_except_where_a_slack_reference_is_asked_for():
    parsed = grammar.parse('name=<@U0AB12|here> tags=<#C0VIP|vip>,staff channel=<#C0SALES|sales>')
    args = grammar.bind(parsed, Args)
    assert (args.name, args.tags, args.channel) == ("@here", ["#vip", "staff"], "<#C0SALES|sales>")
    assert grammar.bind(grammar.parse("<#C0VIP|vip>"), Args, positional=["name"]).name == "#vip"


def test_one_value_unquotes_a_quoted_name_the_grammar_way():
    assert grammar.one_value('"acme events"') == "acme events"
    assert grammar.one_value("“acme events”") == "acme events"
    assert grammar.one_value("acme events") == "acme events"
    assert grammar.one_value("O'Brien Events") == "O'Brien Events"


def test_the_console_sends_here_channel_and_everyone_as_slack_does(tmp_path):
    directory = Directory(tmp_path / "d.json")
    assert escape_command_text("note @here and @Channel, @everyone", directory) == "note <!here> and <!channel>, <!everyone>"
    assert "here" not in directory.users.values()


async def test_company_show_takes_a_quoted_name(slack):
    await slack.run("/company", 'add name="Acme Events" domain=acme.io')
    shown = await slack.run("/company", 'show "acme events"')
    assert "Acme Events" in str(shown["blocks"]) and "No company" not in str(shown)


async def test_a_tag_typed_as_a_channel_and_a_name_typed_as_here_store_no_markup(slack):
    # What Slack (and the console) send for `tags=#vip name=@here`.
    await slack.run("/contact", "add email=ann@acme.io name=<!here> tags=<#C0VIP|vip>")
    await slack.run("/company", "add name=<@U0HERE|here>")
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        contact = (await session.scalars(select(Contact).where(Contact.email == "ann@acme.io"))).one()
        company = (await session.scalars(select(Company))).one()
    assert contact.tags == ["vip"] and "<" not in f"{contact.first_name}{contact.last_name}"
    assert company.name == "@here"
