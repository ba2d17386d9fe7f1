"""/eventos door-token: scanner tokens per event — create (shown once), list, revoke (after a confirmation)."""

import json

from bot import errors, grammar
from bot.door import views as views
from bot.router import Invocation
from core.door import tokens as door_tokens

USAGE = "door-token EVENT [name=\"Door 1\"] | door-token EVENT list | door-token EVENT revoke NAME"
HELP = (
    "Use `/eventos door-token EVENT [name=\"Door 1\"]` to make a scanner token, "
    "`/eventos door-token EVENT list` to see them, or `/eventos door-token EVENT revoke \"Door 1\"`."
)


async def handle_door_token(inv: Invocation) -> None:
    words, options = inv.args.words, inv.args.options
    if not words:
        raise grammar.UsageError(HELP)
    event, action = words[0], (words[1].lower() if len(words) > 1 else None)
    if action is None:
        issued = await door_tokens.create_door_token(inv.services, inv.tenant, event_slug=event, name=options.get("name"))
        await inv.reply(*views.door_token_issued(issued, f"{inv.services.settings.base_url}/scan"))
    elif action == "list" and len(words) == 2 and not options:
        tokens = await door_tokens.list_door_tokens(inv.services, inv.tenant, event_slug=event)
        await inv.reply(*views.door_token_list(tokens, inv.tenant.timezone))
    elif action == "revoke":
        which = " ".join(words[2:]) or options.get("name", "")
        matching = await door_tokens.tokens_to_revoke(inv.services, inv.tenant, event_slug=event, which=which)
        await inv.reply(*views.revoke_step(matching, which))
    else:
        raise grammar.UsageError(HELP)


async def revoke_confirmed(ack, action: dict, respond, tenant, services) -> None:
    """The Revoke button of the confirmation."""
    await ack()
    async with errors.answering_errors(respond):
        try:
            value = json.loads(action.get("value") or "")
            event, which = str(value["e"]), str(value["w"])
        except (ValueError, KeyError, TypeError):
            raise grammar.UsageError(HELP) from None
        revoked = await door_tokens.revoke_door_tokens(services, tenant, event_slug=event, which=which)
        text, blocks = views.door_tokens_revoked(revoked)
        await respond(text=text, blocks=blocks, replace_original=True)


async def revoke_kept(ack, action: dict, respond) -> None:
    await ack()
    async with errors.answering_errors(respond):
        await respond(text="Not revoked; the door tokens keep working.", replace_original=True)


def register(app) -> None:
    app.action(views.REVOKE)(revoke_confirmed)
    app.action(views.KEEP_TOKENS)(revoke_kept)
