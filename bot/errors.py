"""The one error handler: a domain or usage error becomes a private one-sentence answer."""

import logging

from bot.grammar import UsageError
from core.errors import DomainError

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on our side and nothing was changed; please try again in a minute."


def sentence_for(error: Exception) -> str:
    if isinstance(error, DomainError | UsageError):
        return error.message
    return UNEXPECTED


def register(app) -> None:
    @app.error
    async def answer_privately(error: Exception, body: dict, respond, logger) -> None:
        if not isinstance(error, DomainError | UsageError):
            log.exception("unhandled error in a Slack listener", exc_info=error)
        if body.get("response_url") or body.get("response_urls") or body.get("command"):
            await respond(text=sentence_for(error), response_type="ephemeral", replace_original=False)
