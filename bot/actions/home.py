"""The Home tab's buttons: each opens a short guide to the command that does the job."""

from bot import errors
from bot.views import home as views


async def open_guide(ack, body: dict, action: dict, client) -> None:
    await ack()
    async with errors.answering_errors(None):
        await client.views_open(trigger_id=body["trigger_id"], view=views.guide(action["action_id"]))


def register(app) -> None:
    for action_id in (views.CREATE_EVENT, views.SELL, views.FIND_CONTACT):
        app.action(action_id)(open_guide)
