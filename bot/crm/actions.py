"""Contact card buttons (open, older, post to channel, edit) and the contact picker's typeahead."""

import json
import logging
import uuid

from slack_sdk.errors import SlackApiError

from bot import errors
from bot.crm import views as views
from bot.text import escape, section
from core.accounts.permissions import Action, require
from core.crm import card as contact_card
from core.crm import contacts, interactions
from core.errors import Invalid

log = logging.getLogger(__name__)

NOT_IN_CHANNEL = "I can't post in this channel; invite me with `/invite @EventOS` and press the button again."
IN_A_CHANNEL = "Replies in a direct message are not logged: open the card in a channel and post it there."


def _contact_id(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        raise Invalid("That button is out of date; look the contact up again with `/contact find`.") from None


async def suggest_contacts(ack, payload: dict, tenant, services) -> None:
    """external_select options: the search, answered within Slack's 3 s."""
    hits = []
    async with errors.answering_errors(None):
        hits = await contacts.pick_contacts(services, tenant, query=payload.get("value") or "")
    await ack(options=views.picker_options(hits))


async def open_card(ack, action: dict, respond, tenant, services) -> None:
    await ack()
    async with errors.answering_errors(respond):
        card = await contact_card.contact_card(services, tenant, contact_id=_contact_id(action.get("value")))
        await respond(text=views.card_text(card), blocks=views.contact_card(card, tenant.timezone),
                      response_type="ephemeral", replace_original=False)


async def show_older(ack, action: dict, respond, tenant, services) -> None:
    await ack()
    async with errors.answering_errors(respond):
        try:
            value = json.loads(action.get("value") or "{}")
        except json.JSONDecodeError:
            value = {}
        card = await contact_card.contact_card(
            services, tenant, contact_id=_contact_id(value.get("c")), older_than=value.get("o"),
        )
        await respond(text=views.card_text(card), blocks=views.contact_card(card, tenant.timezone), replace_original=True)


async def post_card(ack, body: dict, action: dict, client, respond, tenant, services) -> None:
    """Post the card to the channel; replies in its thread are logged to the contact from then on."""
    await ack()
    async with errors.answering_errors(respond):
        require(tenant, Action.POST_CONTACT_CARDS)
        card = await contact_card.contact_card(services, tenant, contact_id=_contact_id(action.get("value")))
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if str(channel).startswith("D"):
            # The app hears thread replies in channels it is in (manifest.yml), not in direct messages.
            await respond(text=IN_A_CHANNEL, response_type="ephemeral", replace_original=False)
            return
        try:
            posted = await client.chat_postMessage(
                channel=channel, text=views.card_text(card), blocks=views.contact_card(card, tenant.timezone, posted=True),
            )
        except SlackApiError as error:
            log.info("posting a contact card failed: %s", error.response.get("error"))
            await respond(text=NOT_IN_CHANNEL, response_type="ephemeral", replace_original=False)
            return
        await interactions.track_thread(
            services, tenant, contact_id=card.contact.id, channel_id=posted["channel"], thread_ts=posted["ts"],
        )
        await respond(text=f"Posted. Replies in its thread go to {escape(card.contact.name)}'s timeline.",
                      response_type="ephemeral", replace_original=False)


async def open_edit(ack, body: dict, action: dict, client, respond, tenant, services) -> None:
    await ack()
    async with errors.answering_errors(respond):
        require(tenant, Action.EDIT_CONTACTS)
        card = await contact_card.contact_card(services, tenant, contact_id=_contact_id(action.get("value")))
        await client.views_open(
            trigger_id=body["trigger_id"], view=views.edit_contact_modal(card.contact, body.get("response_url")),
        )


async def merge_confirmed(ack, action: dict, respond, tenant, services) -> None:
    """The Merge button of the confirmation."""
    await ack()
    async with errors.answering_errors(respond):
        try:
            value = json.loads(action.get("value") or "")
            duplicate, survivor = str(value["d"]), str(value["k"])
        except (ValueError, KeyError, TypeError):
            raise Invalid("That button is out of date; run `/contact merge DUPLICATE into KEEP` again.") from None
        contact = await contacts.merge_contacts(services, tenant, duplicate=duplicate, survivor=survivor)
        text = views.merged_text(duplicate, contact)
        await respond(text=text.replace("*", ""), blocks=[section(text)], replace_original=True)


async def merge_kept(ack, action: dict, respond) -> None:
    await ack()
    async with errors.answering_errors(respond):
        await respond(text=f"Not merged; {escape(action.get('value') or 'both contacts')} stays as it was.", replace_original=True)


def register(app) -> None:
    app.options(views.PICKER)(suggest_contacts)
    app.action(views.MERGE)(merge_confirmed)
    app.action(views.KEEP_BOTH)(merge_kept)
    app.action(views.OPEN)(open_card)
    app.action(views.OLDER)(show_older)
    app.action(views.POST)(post_card)
    app.action(views.EDIT)(open_edit)
