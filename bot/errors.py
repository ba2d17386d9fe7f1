"""Errors become a private one-sentence answer; nothing else ever reaches Slack.

This is the one place that words a `DomainError` for Slack: its plain fact, then its next step
(`core.errors.Next`) as the command to run, from each feature's `words.py`.

Listeners run their work after `ack()`. Bolt's async runner loses the HTTP response when a
listener raises within ~10 ms of acking (it resets `ack.response` to None in its error path and
then waits out the 3 s ack timeout), so work after the ack runs inside `answering_errors`, which
answers through `respond` itself. `@app.error` stays as the net for anything raised elsewhere.
"""

import logging
import re
from contextlib import asynccontextmanager

from bot.accounts import words as accounts_words
from bot.campaigns import words as campaigns_words
from bot.crm import words as crm_words
from bot.digests import words as digests_words
from bot.door import words as door_words
from bot.events import words as events_words
from bot.guestlists import words as guestlists_words
from bot.sales import words as sales_words
from bot.grammar import UsageError
from bot.text import escape
from core.errors import DomainError, Next
from db.session import connection_lost

log = logging.getLogger(__name__)

# Channel links name a channel and notify nobody, so sentences may keep them.
_CHANNEL_LINK = re.compile(r"&lt;#([CG][A-Z0-9]+)&gt;")
# Sentences quote what was typed (“…” or `…`); a pasted essay is shown by its start.
_QUOTED = re.compile(r"“([^”]{100,})”|`([^`]{100,})`")
SHOWN = 60

UNEXPECTED = "Something went wrong on our side and nothing was changed; please try again in a minute."
# A lost connection may have struck after a commit, so this one does not promise that nothing changed.
UNAVAILABLE = "We lost our database connection for a moment, so this may not have gone through; check, then try again."


def _shorten(match: re.Match) -> str:
    quoted = match.group(1) if match.group(1) is not None else match.group(2)
    opening, closing = ("“", "”") if match.group(1) is not None else ("`", "`")
    return f"{opening}{quoted[:SHOWN]}…{closing}"


# Every next step core may name, in Slack words: "{message}" is the error's sentence, "{fact}" the same without
# its full stop, and the step's own fields (an event slug, an order reference) fill the rest.
STEPS = {
    **accounts_words.STEPS,
    **campaigns_words.STEPS,
    **crm_words.STEPS,
    **digests_words.STEPS,
    **door_words.STEPS,
    **events_words.STEPS,
    **guestlists_words.STEPS,
    **sales_words.STEPS,
}


def slack_sentence(error: DomainError) -> str:
    """The error in Slack's words: its fact, then its next step as the command to run."""
    return slack_words(error.message, error.next_step)


def slack_words(message: str, step: Next | None) -> str:
    """A plain fact and its next step (an error's, or one a notice carries) in Slack's words."""
    if step is None:
        return message
    return STEPS[step.step].format(message=message, fact=message.removesuffix("."), **step.args)


def sentence_for(error: Exception) -> str:
    if isinstance(error, DomainError):
        return _QUOTED.sub(_shorten, slack_sentence(error))
    if isinstance(error, UsageError):
        return _QUOTED.sub(_shorten, error.message)
    if connection_lost(error):
        log.warning("a Slack listener lost its database connection (%s)", type(error).__name__)
        return UNAVAILABLE
    log.error("unhandled error in a Slack listener", exc_info=error)
    return UNEXPECTED


def mrkdwn_sentence(error: Exception) -> str:
    """The sentence for a Slack message: what the user typed in it can mention or link nobody."""
    return _CHANNEL_LINK.sub(r"<#\1>", escape(sentence_for(error)))


async def answer(respond, error: Exception) -> None:
    """Tell the person privately what went wrong, in one sentence."""
    await respond(text=mrkdwn_sentence(error), response_type="ephemeral", replace_original=False)


@asynccontextmanager
async def answering_errors(respond):
    """Run work after the ack; a domain or usage error (or a bug) is answered privately."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - every error is answered, bugs are logged
        if respond is None:
            sentence_for(error)
            return
        await answer(respond, error)


def register(app) -> None:
    @app.error
    async def answer_privately(error: Exception, body: dict, respond) -> None:
        if body.get("response_url") or body.get("command"):
            await answer(respond, error)
        else:
            sentence_for(error)
