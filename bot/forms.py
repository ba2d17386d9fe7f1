"""What every modal submission needs: read the form, run the use case, answer on the right field."""

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors
from core.errors import DomainError

log = logging.getLogger(__name__)


class FieldError(Exception):
    """A form value that cannot even be read: shown on its block."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id, self.message = block_id, message


def form_values(view: dict) -> dict[str, Any]:
    """block_id → the value of its one element (text, number, date, time or selected option); blank is None."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            kind = element.get("type")
            if kind in ("external_select", "static_select"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                values[block_id] = element.get("selected_date")
            elif kind == "timepicker":
                values[block_id] = element.get("selected_time")
            else:
                value = element.get("value")
                values[block_id] = value if value is None or value.strip() else None
    return values


def metadata(view: dict) -> dict[str, Any]:
    """The view's private_metadata as a dict (empty when absent or not JSON)."""
    try:
        return json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}


async def submit(
    ack, work: Callable[[], Awaitable[Any]], *, first_block: str, fields: Mapping[str, str] | None = None
) -> Any:
    """Run the use case; ack with the error on its field (`fields`: error field → block), or ack to close. None on error."""
    try:
        result = await work()
    except FieldError as error:
        await ack(response_action="errors", errors={error.block_id: error.message})
        return None
    except DomainError as error:
        block = (fields or {}).get(str(error.details.get("field")), first_block)
        await ack(response_action="errors", errors={block: errors.slack_sentence(error)})
        return None
    except Exception as error:  # noqa: BLE001 - a bug still gets a sentence, and is logged
        await ack(response_action="errors", errors={first_block: errors.sentence_for(error)})
        return None
    await ack()
    return result


async def tell(client: AsyncWebClient, user_id: str, channel: str | None, text: str, blocks: list[dict] | None = None) -> None:
    """Show a result privately where the form was opened, or in a DM when that channel refuses."""
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            log.info("ephemeral result refused (%s); sending it as a DM", error.response.get("error"))
    await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
