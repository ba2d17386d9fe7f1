"""The message shortcut "Log to contact timeline": on any message, thread replies included."""

from bot import errors
from bot.crm import views as views
from core.accounts.permissions import Action, require


async def open_log_message(ack, shortcut: dict, client, respond, tenant) -> None:
    """Open the form at once (the trigger expires in 3 s); the message comes from the payload."""
    await ack()
    async with errors.answering_errors(respond):
        require(tenant, Action.LOG_TO_CONTACT_TIMELINES)
        message = shortcut.get("message") or {}
        metadata = {
            "channel": (shortcut.get("channel") or {}).get("id"),
            "ts": message.get("ts") or shortcut.get("message_ts"),
            "author": message.get("user") or message.get("username") or message.get("bot_id"),
        }
        await client.views_open(
            trigger_id=shortcut["trigger_id"], view=views.log_message_modal(text=message.get("text") or "", metadata=metadata),
        )


def register(app) -> None:
    app.message_shortcut(views.SHORTCUT)(open_log_message)
