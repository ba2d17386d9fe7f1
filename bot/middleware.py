"""Tenancy middleware: workspace → account, Slack user → users row. Holds no session open."""

import logging
from dataclasses import replace

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import SERVICES, TENANT, WORKSPACE
from core import accounts
from core.services import Services

log = logging.getLogger(__name__)

UNKNOWN_WORKSPACE = (
    "EventOS is not installed for this workspace yet; an admin can install it from the EventOS install page."
)
INACTIVE_WORKSPACE = "EventOS was uninstalled from this workspace; reinstall it to pick up where you left off."


def _profile_loader(client: AsyncWebClient, user_id: str):
    async def load() -> accounts.UserProfile:
        info = (await client.users_info(user=user_id))["user"]
        profile = info.get("profile") or {}
        return accounts.UserProfile(
            name=profile.get("real_name") or info.get("real_name") or info.get("name") or user_id,
            email=profile.get("email"),
            is_admin=bool(info.get("is_admin")),
            is_owner=bool(info.get("is_owner") or info.get("is_primary_owner")),
        )

    return load


def tenancy(services: Services, *, auto_install: bool):
    """Build the middleware; `auto_install` makes the single workspace of token mode its own account."""

    async def resolve_tenant(context: AsyncBoltContext, body: dict, req: AsyncBoltRequest, next):
        context[SERVICES] = services
        team_id, enterprise_id = context.team_id, context.enterprise_id
        if context.is_enterprise_install:
            team_id = None
        workspace = await accounts.find_workspace(services, team_id=team_id, enterprise_id=enterprise_id)
        if workspace is None and auto_install and (team_id or enterprise_id):
            team = (body.get("team") or {}).get("domain") or body.get("team_domain") or team_id
            workspace = await accounts.install_workspace(
                services, team_id=team_id, enterprise_id=enterprise_id, name=team or "Workspace"
            )
        event_type = (body.get("event") or {}).get("type")
        if event_type in ("app_uninstalled", "tokens_revoked"):
            context[WORKSPACE] = workspace
            return await next()
        if workspace is None or workspace.status != "active":
            return _refuse(context, body, UNKNOWN_WORKSPACE if workspace is None else INACTIVE_WORKSPACE)
        context[WORKSPACE] = workspace
        if context.user_id:
            context[TENANT] = await accounts.acting_user(
                services, workspace, slack_user_id=context.user_id,
                load_profile=_profile_loader(context.client, context.user_id),
            )
            if context.channel_id:
                context[TENANT] = replace(context[TENANT], channel_id=context.channel_id)
        return await next()

    return resolve_tenant


def _refuse(context: AsyncBoltContext, body: dict, sentence: str) -> BoltResponse:
    if body.get("command") or body.get("type") in ("block_actions", "view_submission", "message_action", "shortcut"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": sentence})
    return BoltResponse(status=200, body="")
