"""/eventos through signed Slack requests: help, setup, users, roles."""

from sqlalchemy import select

from db.models import Account


async def test_help_lists_every_subcommand(slack):
    message = await slack.run("/eventos", "help")
    assert message["response_type"] == "ephemeral"
    for word in ("setup", "users", "role", "help"):
        assert f"/eventos {word}" in message["text"]


async def test_unknown_subcommand_answers_with_the_ones_there_are(slack):
    message = await slack.run("/eventos", "frobnicate")
    assert message["text"] == (
        "I don't know `/eventos frobnicate`; try setup, users, role or door-token (`/eventos help` explains them)."
    )


async def test_setup_changes_timezone_currency_and_sales_channel(slack):
    message = await slack.run("/eventos", "setup timezone=Europe/Berlin currency=eur sales_channel=<#C0SALES|sales>")
    assert "Settings saved" in message["text"]
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        account = (await session.execute(select(Account))).scalar_one()
    assert (account.timezone, account.currency, account.sales_channel) == ("Europe/Berlin", "EUR", "C0SALES")


async def test_setup_with_a_bad_timezone_says_what_to_fix_and_changes_nothing(slack):
    message = await slack.run("/eventos", "setup timezone=Mars/Olympus currency=EUR")
    assert message["response_type"] == "ephemeral"
    assert "is not a time zone" in message["text"]
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        account = (await session.execute(select(Account))).scalar_one()
    assert (account.timezone, account.currency) == ("UTC", "USD")


async def test_a_sales_user_cannot_change_settings_and_is_told_which_role_is_needed(slack):
    sales = await slack.user("sales")
    message = await slack.run("/eventos", "setup currency=EUR", user=sales)
    assert "Only an admin" in message["text"]


async def test_role_changes_a_users_role_and_users_lists_it(slack):
    sales = await slack.user("sales")
    message = await slack.run("/eventos", f"role <@{sales}|someone> organizer")
    assert f"<@{sales}> is now *organizer*" in message["text"]
    listing = await slack.run("/eventos", "users")
    assert f"<@{sales}> — *organizer*" in str(listing["blocks"])


async def test_first_contact_creates_the_user_with_the_default_role(slack):
    slack.standin.set_user("UNEWCOMER1", is_admin=False, is_owner=False)
    message = await slack.run("/eventos", "setup currency=EUR", user="UNEWCOMER1")
    assert "Only an admin" in message["text"]
    members = await slack.run("/eventos", "users")
    assert "<@UNEWCOMER1> — *sales*" in str(members["blocks"])


async def test_workspace_admins_become_admins_on_first_contact(slack):
    slack.standin.set_user("UADMIN0001", is_admin=True)
    message = await slack.run("/eventos", "setup currency=GBP", user="UADMIN0001")
    assert "Settings saved" in message["text"]
