"""app_uninstalled and tokens_revoked: the workspace's account goes inactive and keeps its data."""

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from core.accounts import accounts
from core.services import Services


def _workspace_ids(context: AsyncBoltContext) -> tuple[str | None, str | None]:
    team_id = None if context.is_enterprise_install else context.team_id
    return team_id, context.enterprise_id


def register(app: AsyncApp) -> None:
    store = app.installation_store

    @app.event("app_uninstalled")
    async def deactivate_on_uninstall(context: AsyncBoltContext, services: Services) -> None:
        team_id, enterprise_id = _workspace_ids(context)
        await accounts.deactivate_workspace(services, team_id=team_id, enterprise_id=enterprise_id)
        if store is not None:
            await store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    @app.event("tokens_revoked")
    async def deactivate_on_bot_token_revoked(event: dict, context: AsyncBoltContext, services: Services) -> None:
        if not (event.get("tokens") or {}).get("bot"):
            return
        team_id, enterprise_id = _workspace_ids(context)
        await accounts.deactivate_workspace(services, team_id=team_id, enterprise_id=enterprise_id)
        if store is not None:
            await store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
