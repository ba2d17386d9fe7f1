"""Tenancy middleware: workspace → account, Slack user → users row. Holds no session open."""

import asyncio
import logging
from dataclasses import replace

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import SERVICES, SIGNATURE, TENANT, WORKSPACE
from bot.errors import UNAVAILABLE
from core.accounts import accounts
from core.services import Services
from db.enums import AccountStatus
from db.session import connection_lost

log = logging.getLogger(__name__)

UNKNOWN_WORKSPACE = (
    "EventOS is not installed for this workspace yet; an admin can install it from the EventOS install page."
)
INACTIVE_WORKSPACE = "EventOS was uninstalled from this workspace; reinstall it to pick up where you left off."


# How long a first contact waits for users.info before going on with the default role, so
# that the middleware never costs the listener its 3-second ack.
PROFILE_WAIT_SECONDS = 1.0

_completing: set[asyncio.Task] = set()


async def fetch_profile(client: AsyncWebClient, user_id: str) -> accounts.UserProfile:
    """What users.info says about a person."""
    info = (await client.users_info(user=user_id))["user"]
    profile = info.get("profile") or {}
    return accounts.UserProfile(
        name=profile.get("real_name") or info.get("real_name") or info.get("name") or user_id,
        email=profile.get("email"),
        is_admin=bool(info.get("is_admin")),
        is_owner=bool(info.get("is_owner") or info.get("is_primary_owner")),
    )


class FirstContact:
    """users.info for a person seen for the first time, waited on only briefly."""

    def __init__(self, client: AsyncWebClient, user_id: str) -> None:
        self.client, self.user_id = client, user_id
        self.late: asyncio.Future | None = None

    async def load(self) -> accounts.UserProfile | None:
        lookup = asyncio.ensure_future(fetch_profile(self.client, self.user_id))
        try:
            return await asyncio.wait_for(asyncio.shield(lookup), PROFILE_WAIT_SECONDS)
        except TimeoutError:
            self.late = lookup
            return None
        except SlackApiError as error:
            log.warning("users.info for %s was refused (%s); they start with the default role", self.user_id, error.response.get("error"))
            return None

    def complete_later(self, services: Services, workspace: accounts.Workspace) -> None:
        """Once a late users.info answers, fill in the row created without it."""
        if self.late is None:
            return
        task = asyncio.create_task(self._complete(services, workspace, self.late))
        _completing.add(task)
        task.add_done_callback(_completing.discard)

    async def _complete(self, services: Services, workspace: accounts.Workspace, lookup: asyncio.Future) -> None:
        try:
            profile = await lookup
            await accounts.complete_profile(services, workspace, slack_user_id=self.user_id, profile=profile)
        except Exception:  # noqa: BLE001 - a detached task has no caller to tell
            log.warning("could not complete the profile of %s; they keep the default role", self.user_id, exc_info=True)


def tenancy(services: Services, *, auto_install: bool):
    """Build the middleware; `auto_install` makes the single workspace of token mode its own account."""

    routes = accounts.Routes()

    async def resolve_tenant(context: AsyncBoltContext, body: dict, req: AsyncBoltRequest, next):
        try:
            return await _resolve(context, body, next)
        except Exception as error:
            if not connection_lost(error):
                raise
            # Nothing was recorded (the signature neither), so the person can simply send it again.
            log.warning("a Slack request lost its database connection while resolving its workspace")
            return _refuse(context, body, UNAVAILABLE)

    async def _resolve(context: AsyncBoltContext, body: dict, next):
        context[SERVICES] = services
        team_id, enterprise_id = context.team_id, context.enterprise_id
        if context.is_enterprise_install:
            team_id = None
        if auto_install and not _is_token_team(context, team_id):
            return _refuse(context, body, UNKNOWN_WORKSPACE)
        arrival = await accounts.arrive(
            services, routes, team_id=team_id, enterprise_id=enterprise_id, slack_user_id=context.user_id,
            signature=context.get(SIGNATURE),
        )
        if arrival.replay:
            log.warning("dropped an exact replay of a signed Slack request from team %s", team_id)
            return BoltResponse(status=200, body="")
        workspace = arrival.workspace
        if workspace is None and auto_install and (team_id or enterprise_id):
            team = (body.get("team") or {}).get("domain") or body.get("team_domain") or team_id
            workspace = await accounts.install_workspace(
                services, team_id=team_id, enterprise_id=enterprise_id, name=team or "Workspace"
            )
        event_type = (body.get("event") or {}).get("type")
        if event_type in ("app_uninstalled", "tokens_revoked"):
            context[WORKSPACE] = workspace
            return await next()
        if workspace is None or workspace.status != AccountStatus.ACTIVE:
            return _refuse(context, body, UNKNOWN_WORKSPACE if workspace is None else INACTIVE_WORKSPACE)
        context[WORKSPACE] = workspace
        if context.user_id:
            tenant = arrival.tenant
            if tenant is None:
                first_contact = FirstContact(context.client, context.user_id)
                tenant = await accounts.first_contact(
                    services, workspace, slack_user_id=context.user_id, load_profile=first_contact.load
                )
                first_contact.complete_later(services, workspace)
            context[TENANT] = replace(tenant, channel_id=context.channel_id) if context.channel_id else tenant
        return await next()

    return resolve_tenant


def _is_token_team(context: AsyncBoltContext, team_id: str | None) -> bool:
    """Single-workspace mode serves only the team its bot token belongs to (auth.test, cached by Bolt)."""
    authorized = context.authorize_result
    return authorized is None or authorized.team_id is None or authorized.team_id == team_id


def _refuse(context: AsyncBoltContext, body: dict, sentence: str) -> BoltResponse:
    """Say why nothing happened, in the one shape Slack accepts for each kind of request."""
    if body.get("type") == "view_submission":
        # A modal's submission may be answered only with a response_action: the modal itself says it.
        return BoltResponse(status=200, body={"response_action": "update", "view": refusal_view(sentence)})
    if body.get("command") or body.get("type") in ("block_actions", "message_action", "shortcut"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": sentence})
    return BoltResponse(status=200, body="")


def refusal_view(sentence: str) -> dict:
    """A modal that says why its form was not taken, with only a Close button."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "EventOS"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": sentence}}],
    }
