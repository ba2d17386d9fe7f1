"""What a queued outbox message will say in Slack: its notice worded as the notifier words it."""

from typing import Any

from bot.notices import render
from core.notices import from_facts
from db.models import OutboxMessage


def shown(message: OutboxMessage) -> dict[str, Any]:
    """The row's payload as it goes to Slack: text and blocks from its notice (rows stored before notices as they are)."""
    payload = dict(message.payload)
    if "notice" in payload:
        words = render(from_facts(payload.pop("notice"), payload.pop("facts")))
        payload.update(text=words.text, blocks=words.blocks)
    return payload
