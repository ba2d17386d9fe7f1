"""CRM modal submissions: add contact, edit contact, add company, log to a timeline.

A submission runs its use case before acking where it can, so a broken rule is shown on the
field it names (`response_action: errors`) and nothing is saved. The shortcut's form checks
its input first, acks, then fetches the message's permalink and logs it.
"""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors
from bot.crm import views as views
from bot.forms import form_values, metadata, submit, tell
from bot.text import escape, section
from core.crm import card as contact_card
from core.crm import companies, contacts, interactions
from core.errors import DomainError, Invalid

log = logging.getLogger(__name__)

CONTACT_FIELDS = {
    "email": views.BLOCK_EMAIL, "name": views.BLOCK_NAME, "phone": views.BLOCK_PHONE,
    "company": views.BLOCK_COMPANY, "tags": views.BLOCK_TAGS,
}
COMPANY_FIELDS = {"company": views.BLOCK_NAME, "domain": views.BLOCK_DOMAIN}
LOG_FIELDS = {"text": views.BLOCK_TEXT, "kind": views.BLOCK_KIND, "email": views.BLOCK_NEW_EMAIL, "name": views.BLOCK_NEW_NAME}


def contact_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("Pick the contact from the list again.", field="contact") from None


def teller(client: AsyncWebClient, user_id: str, channel: str | None):
    """A `respond` look-alike for work after a submission's ack: answers privately in `channel`."""

    async def respond(text: str, **_: Any) -> None:
        await tell(client, user_id, channel, text)

    return respond


def slack_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def register(app) -> None:
    @app.view(views.ADD_CONTACT_VIEW)
    async def add_contact(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            contact = await contacts.add_contact(
                services, tenant, email=values.get(views.BLOCK_EMAIL) or "", name=values.get(views.BLOCK_NAME),
                phone=values.get(views.BLOCK_PHONE), company=values.get(views.BLOCK_COMPANY),
                tags=[values.get(views.BLOCK_TAGS) or ""],
            )
            return await contact_card.contact_card(services, tenant, contact_id=contact.id)

        card = await submit(ack, work, fields=CONTACT_FIELDS, first_block=views.BLOCK_EMAIL)
        if card is not None:
            async with errors.answering_errors(None):
                text = f"Added {escape(card.contact.name)}."
                blocks = [section(f"Added *{escape(card.contact.name)}*."), *views.contact_card(card, tenant.timezone)]
                await tell(client, body["user"]["id"], metadata(view).get("channel"), text, blocks)

    @app.view(views.EDIT_CONTACT_VIEW)
    async def edit_contact(ack, view, tenant, services) -> None:
        values, meta = form_values(view), metadata(view)

        async def work():
            contact = await contacts.update_contact(
                services, tenant, contact_id=contact_uuid(meta.get("contact")), name=values.get(views.BLOCK_NAME),
                phone=values.get(views.BLOCK_PHONE), company=values.get(views.BLOCK_COMPANY),
                tags=[values.get(views.BLOCK_TAGS) or ""],
            )
            return await contact_card.contact_card(services, tenant, contact_id=contact.id)

        card = await submit(ack, work, fields=CONTACT_FIELDS, first_block=views.BLOCK_NAME)
        if card is not None and meta.get("response_url"):
            async with errors.answering_errors(None):
                respond = AsyncRespond(response_url=meta["response_url"])
                await respond(text=views.card_text(card), blocks=views.contact_card(card, tenant.timezone), replace_original=True)

    @app.view(views.ADD_COMPANY_VIEW)
    async def add_company(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            return await companies.add_company(
                services, tenant, name=values.get(views.BLOCK_NAME) or "", domain=values.get(views.BLOCK_DOMAIN),
            )

        company = await submit(ack, work, fields=COMPANY_FIELDS, first_block=views.BLOCK_NAME)
        if company is not None:
            async with errors.answering_errors(None):
                blocks = [section(f"Added *{escape(company.name)}*."), *views.company_card(company)]
                await tell(client, body["user"]["id"], metadata(view).get("channel"), f"Added {company.name}.", blocks)

    @app.view(views.LOG_VIEW)
    async def log_note(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            contact_id = contact_uuid(values.get(views.BLOCK_CONTACT))
            if contact_id is None:
                raise Invalid("Pick the contact to log this for.", field="contact")
            return await interactions.log_interaction(
                services, tenant, contact_id=contact_id, kind=values.get(views.BLOCK_KIND) or "note",
                body=values.get(views.BLOCK_TEXT) or "",
            )

        fields = {**LOG_FIELDS, "contact": views.BLOCK_CONTACT}
        logged = await submit(ack, work, fields=fields, first_block=views.BLOCK_CONTACT)
        if logged is not None:
            async with errors.answering_errors(None):
                kind = values.get(views.BLOCK_KIND) or "note"
                await tell(client, body["user"]["id"], metadata(view).get("channel"), views.logged(logged.contact_name, kind, duplicate=False))

    @app.view(views.LOG_MESSAGE_VIEW)
    async def log_message(ack, body, view, client, tenant, services) -> None:
        values, meta = form_values(view), metadata(view)
        picked, new_email = values.get(views.BLOCK_CONTACT), values.get(views.BLOCK_NEW_EMAIL)
        problems = {}
        if picked and new_email:
            problems[views.BLOCK_NEW_EMAIL] = "Pick a contact or type a new email, not both."
        elif not picked and not new_email:
            problems[views.BLOCK_CONTACT] = "Pick a contact, or type a new contact's email below."
        elif new_email:
            try:
                contacts.normalize_email(new_email)
            except DomainError as error:
                problems[views.BLOCK_NEW_EMAIL] = errors.slack_sentence(error)
        if not values.get(views.BLOCK_TEXT):
            problems[views.BLOCK_TEXT] = "Write something to log: the message is empty."
        if problems:
            await ack(response_action="errors", errors=problems)
            return
        await ack()
        user_id, channel, ts = body["user"]["id"], meta.get("channel"), meta.get("ts")
        async with errors.answering_errors(teller(client, user_id, channel)):
            permalink = None
            try:
                permalink = (await client.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
            except SlackApiError as error:
                log.info("no permalink for a logged message (%s)", error.response.get("error"))
            kind = values.get(views.BLOCK_KIND) or "slack"
            logged = await interactions.log_interaction(
                services, tenant, kind=kind, body=values[views.BLOCK_TEXT], contact_id=contact_uuid(picked),
                email=new_email, create=bool(new_email), name=values.get(views.BLOCK_NEW_NAME),
                occurred_at=slack_time(ts), author=meta.get("author"), permalink=permalink,
                source_key=interactions.slack_source_key(channel, ts),
            )
            await tell(client, user_id, channel, views.logged(logged.contact_name, kind, duplicate=logged.interaction_id is None))
