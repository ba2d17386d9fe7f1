"""The import form: checked and saved before the ack, so a bad line is shown on the field and nothing is saved."""

from bot import errors
from bot.forms import form_values, metadata, submit, tell
from bot.guestlists import views as views
from core.guestlists import entries


def register(app) -> None:
    @app.view(views.IMPORT_VIEW)
    async def import_guests(ack, body, view, client, tenant, services) -> None:
        values, meta = form_values(view), metadata(view)

        async def work():
            return await entries.import_guests(
                services, tenant, event=meta.get("event") or "", text=values.get(views.BLOCK_LINES) or "",
                list_name=values.get(views.BLOCK_LIST),
            )

        result = await submit(ack, work, fields=views.FIELD_BLOCKS, first_block=views.BLOCK_LINES)
        if result is not None:
            async with errors.answering_errors(None):
                await tell(client, body["user"]["id"], meta.get("channel"), views.imported(result))
