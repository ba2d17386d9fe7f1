"""The Home tab's buttons: Create event opens the event form; the others open a guide to their command."""

from bot import errors
from bot.events import modal_views
from bot.home import views as views
from core.accounts.permissions import Action, require


async def open_event_form(ack, body: dict, client, tenant) -> None:
    await ack()
    async with errors.answering_errors(None):
        require(tenant, Action.CREATE_EVENTS)
        # No channel: the form's result arrives as a direct message (the Messages tab).
        form = modal_views.create_event_modal(channel_id="", account_timezone=tenant.timezone)
        await client.views_open(trigger_id=body["trigger_id"], view=form)


async def open_guide(ack, body: dict, action: dict, client) -> None:
    await ack()
    async with errors.answering_errors(None):
        await client.views_open(trigger_id=body["trigger_id"], view=views.guide(action["action_id"]))


def register(app) -> None:
    app.action(views.CREATE_EVENT)(open_event_form)
    for action_id in (views.SELL, views.FIND_CONTACT):
        app.action(action_id)(open_guide)
