"""Buttons on campaign cards: preview, send (with its confirmation), cancel."""

from bot import errors
from bot.campaigns import views as views
from bot.text import escape
from core.campaigns import campaigns


def register(app) -> None:
    @app.action(views.PREVIEW)
    async def preview(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            shown = await campaigns.preview_campaign(services, tenant, slug=action["value"])
            await respond(text=f"Preview: {escape(shown.campaign.name)}", blocks=views.preview_blocks(shown),
                          replace_original=False, response_type="ephemeral")

    @app.action(views.SEND)
    async def send(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            step = await campaigns.sending_size(services, tenant, slug=action["value"])
            await respond(text=f"Send {escape(step.campaign.name)} to {step.reachable} people?", blocks=views.send_step(step, delivers=services.mailer.delivers),
                          replace_original=False, response_type="ephemeral")

    @app.action(views.SEND_CONFIRM)
    async def send_confirmed(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            campaign, people = await campaigns.send_campaign_now(services, tenant, slug=action["value"])
            await respond(text=views.sending_note(campaign, people, delivers=services.mailer.delivers), replace_original=True)

    @app.action(views.KEEP)
    async def keep(ack, action, respond) -> None:
        await ack()
        async with errors.answering_errors(respond):
            await respond(text=f"Not sent; `{action['value']}` stays as it was.", replace_original=True)

    @app.action(views.CANCEL)
    async def cancel(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            result = await campaigns.cancel_campaign(services, tenant, slug=action["value"])
            note = views.cancelled_note(result.campaign, result.changed)
            blocks = views.campaign_card(result.campaign, tenant.timezone, can_manage=tenant.has_role("organizer"), note=note,
                                         delivers=services.mailer.delivers)
            await respond(text=note, blocks=blocks, replace_original=True)
