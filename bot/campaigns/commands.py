"""/campaign: new, create, preview, schedule, send, cancel, show and list email and SMS campaigns."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.campaigns import views as views
from bot.router import Command, Invocation, Subcommand, listener
from bot.text import escape
from core.accounts.permissions import Action, require
from core.campaigns import campaigns
from db.enums import Channel


class CreateArgs(BaseModel):
    name: str = Field(examples=["Autumn early birds"])
    audience: str = Field(examples=["event:summer-gala:attended"])
    template: str = Field(examples=["announcement"])
    channel: str = Channel.EMAIL
    subject: str | None = None
    message: str | None = None
    event: str | None = None
    slug: str | None = None


class CampaignArg(BaseModel):
    campaign: str = Field(examples=["autumn-early-birds"])


class ScheduleArgs(BaseModel):
    campaign: str = Field(examples=["autumn-early-birds"])
    at: str = Field(examples=["2031-07-01 09:00"])


def _slug(inv: Invocation) -> str:
    return grammar.bind(inv.args, CampaignArg, positional=["campaign"]).campaign


async def show_card(inv: Invocation, campaign: campaigns.CampaignInfo, note: str | None = None) -> None:
    blocks = views.campaign_card(campaign, inv.tenant.timezone, can_manage=inv.tenant.has_role("organizer"), note=note,
                                 delivers=inv.services.mailer.delivers)
    await inv.reply(note or escape(campaign.name), blocks)


async def open_new(inv: Invocation) -> None:
    require(inv.tenant, Action.CREATE_CAMPAIGNS)
    templates = {channel: campaigns.templates_for(channel) for channel in Channel}
    await inv.client.views_open(trigger_id=inv.trigger_id, view=views.new_campaign_modal(channel_id=inv.channel_id, templates=templates))


async def handle_new(inv: Invocation) -> None:
    if inv.args.words or inv.args.options:
        raise grammar.UsageError("`/campaign new` takes nothing: it opens the form. To type it all, use `/campaign create name=… audience=…`.")
    await open_new(inv)


async def handle_create(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CreateArgs)
    campaign = await campaigns.create_campaign(inv.services, inv.tenant, **args.model_dump())
    await show_card(inv, campaign, f"Saved the draft *{escape(campaign.name)}* `{campaign.slug}`. Preview it before sending.")


async def handle_preview(inv: Invocation) -> None:
    preview = await campaigns.preview_campaign(inv.services, inv.tenant, slug=_slug(inv))
    await inv.reply(f"Preview: {escape(preview.campaign.name)}", views.preview_blocks(preview))


async def handle_schedule(inv: Invocation) -> None:
    args = grammar.bind(inv.args, ScheduleArgs, positional=["campaign"])
    campaign = await campaigns.schedule_campaign(inv.services, inv.tenant, slug=args.campaign, at=args.at)
    await show_card(inv, campaign, views.scheduled_note(campaign, inv.tenant.timezone))


async def handle_send(inv: Invocation) -> None:
    preview = await campaigns.sending_size(inv.services, inv.tenant, slug=_slug(inv))
    await inv.reply(f"Send {escape(preview.campaign.name)} to {preview.reachable} people?", views.send_step(preview, delivers=inv.services.mailer.delivers))


async def handle_cancel(inv: Invocation) -> None:
    result = await campaigns.cancel_campaign(inv.services, inv.tenant, slug=_slug(inv))
    await show_card(inv, result.campaign, views.cancelled_note(result.campaign, result.changed))


async def handle_show(inv: Invocation) -> None:
    await show_card(inv, await campaigns.get_campaign(inv.services, inv.tenant, slug=_slug(inv)))


async def handle_list(inv: Invocation) -> None:
    if inv.args.words or inv.args.options:
        raise grammar.UsageError("Use `/campaign list`; see one with `/campaign show NAME`.")
    items = await campaigns.list_campaigns(inv.services, inv.tenant)
    await inv.reply(f"{len(items)} campaigns", views.campaign_list(items, inv.tenant.timezone))


CAMPAIGN = Command(
    name="/campaign",
    summary="email and SMS campaigns to an audience of your contacts",
    subcommands=(
        Subcommand("new", "new", "open the form for a new campaign", handle_new),
        Subcommand(
            "create",
            'create name=… audience=… template=… [channel=email|sms] [subject=…] [message=…] [event=…]',
            "save a draft (no arguments: the form); audience is all, tag:X, company:X or "
            "event:SLUG:bought|attended|no-show, joined with and, or, not",
            handle_create, modal=open_new,
        ),
        Subcommand("preview", "preview C", "the audience's size and a sample message", handle_preview),
        Subcommand("schedule", 'schedule C at="2031-07-01 09:00"', "send at a time (the account's zone)", handle_schedule),
        Subcommand("send", "send C", "send now, after a confirmation", handle_send),
        Subcommand("cancel", "cancel C", "stop a scheduled or sending campaign", handle_cancel),
        Subcommand("show", "show C", "the campaign's card with its counts", handle_show),
        Subcommand("list", "list", "the latest campaigns", handle_list),
    ),
)


def register(app) -> None:
    app.command("/campaign")(listener(CAMPAIGN))
