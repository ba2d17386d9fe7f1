"""`/event export EVENT [what=…]` and `/contact export [AUDIENCE]`: a CSV shared where it was asked for."""

import tempfile

from pydantic import BaseModel, Field
from slack_sdk.errors import SlackApiError

from bot import grammar
from bot.exports._upload import share_file
from bot.router import Invocation
from bot.text import escape
from core.exports.contact_exports import export_contacts
from core.exports.event_exports import export_event
from core.exports.streaming import Export

# Slack refuses to share a file where the app is not a member, or in a closed channel.
CHANNEL_REFUSALS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})
NOT_HERE = "I can't share files here; invite me with `/invite @EventOS`, or ask again in a DM with me."
# Workspaces installed before exports existed have not granted files:write yet.
NO_SCOPE = "I'm not allowed to upload files yet; ask an admin to reinstall EventOS so it may (files:write)."


class EventExportArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    what: str | None = None


async def handle_event_export(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EventExportArgs, positional=["event"])
    with tempfile.TemporaryFile() as out:
        export = await export_event(inv.services, inv.tenant, event=args.event, what=args.what, out=out)
        await _share(inv, out, export)


async def handle_contact_export(inv: Invocation) -> None:
    audience = inv.args.text_after(0) or None
    with tempfile.TemporaryFile() as out:
        export = await export_contacts(inv.services, inv.tenant, audience=audience, out=out)
        await _share(inv, out, export)


async def _share(inv: Invocation, out, export: Export) -> None:
    rows = "1 row" if export.rows == 1 else f"{export.rows:,} rows"
    comment = f"{escape(export.title)} — {rows}, exported by <@{inv.tenant.slack_user_id}>."
    try:
        await share_file(inv.client, channel_id=inv.channel_id, file=out, filename=export.filename,
                         title=export.title, comment=comment)
    except SlackApiError as error:
        refusal = error.response.get("error")
        if refusal == "missing_scope":
            await inv.reply(NO_SCOPE)
            return
        if refusal not in CHANNEL_REFUSALS:
            raise
        await inv.reply(NOT_HERE)
        return
    await inv.reply(f"Exported {rows} to `{export.filename}` here.")
