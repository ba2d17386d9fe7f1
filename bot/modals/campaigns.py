"""The new-campaign form: checked by the use case before the ack, so a mistake shows on its field and nothing is saved."""

import json
import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import errors
from bot.views import campaigns as views
from bot.views.text import escape
from core import campaigns
from core.errors import DomainError

log = logging.getLogger(__name__)


def form_values(view: dict) -> dict[str, Any]:
    """block_id → the value of its one element (text or selected option); blank text is None."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            if element.get("type") in ("external_select", "static_select"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            else:
                value = element.get("value")
                values[block_id] = value if value and value.strip() else None
    return values


def register(app) -> None:
    @app.view(views.NEW_VIEW)
    async def new_campaign(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)
        try:
            channel = json.loads(view.get("private_metadata") or "{}").get("channel")
        except json.JSONDecodeError:
            channel = None
        # The report goes where the form was opened.
        creator = replace(tenant, channel_id=channel or tenant.channel_id)
        try:
            campaign = await campaigns.create_campaign(
                services, creator, name=values.get(views.BLOCK_NAME) or "", channel=values.get(views.BLOCK_CHANNEL),
                audience=values.get(views.BLOCK_AUDIENCE) or "", template=values.get(views.BLOCK_TEMPLATE) or "",
                subject=values.get(views.BLOCK_SUBJECT), message=values.get(views.BLOCK_MESSAGE),
                event=values.get(views.BLOCK_EVENT),
            )
        except DomainError as error:
            block = views.FIELD_BLOCKS.get(str(error.details.get("field")), views.BLOCK_NAME)
            await ack(response_action="errors", errors={block: error.message})
            return
        except Exception as error:  # noqa: BLE001 - a bug still gets a sentence, and is logged
            await ack(response_action="errors", errors={views.BLOCK_NAME: errors.sentence_for(error)})
            return
        await ack()
        async with errors.answering_errors(None):
            note = f"Saved the draft *{escape(campaign.name)}* `{campaign.slug}`. Preview it before sending."
            blocks = views.campaign_card(campaign, tenant.timezone, can_manage=True, note=note)
            user = body["user"]["id"]
            if channel:
                try:
                    await client.chat_postEphemeral(channel=channel, user=user, text=note, blocks=blocks)
                    return
                except SlackApiError as error:
                    log.info("ephemeral result refused (%s); sending it as a DM", error.response.get("error"))
            await client.chat_postMessage(channel=user, text=note, blocks=blocks)
