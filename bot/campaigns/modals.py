"""The new-campaign form: checked by the use case before the ack, so a mistake shows on its field and nothing is saved."""

from dataclasses import replace

from bot import errors
from bot.campaigns import views as views
from bot.forms import form_values, metadata, submit, tell
from bot.text import escape
from core.campaigns import campaigns


def register(app) -> None:
    @app.view(views.NEW_VIEW)
    async def new_campaign(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)
        channel = metadata(view).get("channel")
        # The report goes where the form was opened.
        creator = replace(tenant, channel_id=channel or tenant.channel_id)

        async def work():
            return await campaigns.create_campaign(
                services, creator, name=values.get(views.BLOCK_NAME) or "", channel=values.get(views.BLOCK_CHANNEL),
                audience=values.get(views.BLOCK_AUDIENCE) or "", template=values.get(views.BLOCK_TEMPLATE) or "",
                subject=values.get(views.BLOCK_SUBJECT), message=values.get(views.BLOCK_MESSAGE),
                event=values.get(views.BLOCK_EVENT),
            )

        campaign = await submit(ack, work, fields=views.FIELD_BLOCKS, first_block=views.BLOCK_NAME)
        if campaign is None:
            return
        async with errors.answering_errors(None):
            note = f"Saved the draft *{escape(campaign.name)}* `{campaign.slug}`. Preview it before sending."
            blocks = views.campaign_card(campaign, tenant.timezone, can_manage=True, note=note,
                                         delivers=services.mailer.delivers)
            await tell(client, body["user"]["id"], channel, note, blocks)
