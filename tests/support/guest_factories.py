"""Arrange guest-list tests: colleagues of a given role in the same account."""

import secrets

from sqlalchemy import select

from core.accounts import accounts
from core.context import TenantContext
from core.services import Services
from db.models import Account


async def colleague(services: Services, owner: TenantContext, role: str, *, name: str | None = None) -> TenantContext:
    """Another user of `owner`'s account, holding `role`."""
    async with services.db.tenant(owner.account_id) as session:
        team_id = (await session.execute(select(Account.slack_team_id))).scalar_one()
    workspace = await accounts.find_workspace(services, team_id=team_id, enterprise_id=None)
    slack_user_id = "U" + secrets.token_hex(5).upper()

    async def profile() -> accounts.UserProfile:
        return accounts.UserProfile(name=name or f"User {slack_user_id}", email=None, is_admin=False, is_owner=False)

    await accounts.acting_user(services, workspace, slack_user_id=slack_user_id, load_profile=profile)
    await accounts.set_role(services, owner, slack_user_id=slack_user_id, role=role)
    return await accounts.acting_user(services, workspace, slack_user_id=slack_user_id, load_profile=profile)
