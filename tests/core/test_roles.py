"""Roles: who may grant what, and an account never loses its last owner, even under concurrency."""

import asyncio

import pytest
from sqlalchemy import func, select

from core.accounts import accounts
from core.errors import Conflict, Forbidden
from db.models import User


async def _owners(services, tenant) -> int:
    async with services.db.tenant(tenant.account_id) as session:
        return await session.scalar(select(func.count()).select_from(User).where(User.role == "owner"))


async def _make_owner(services, owner, slack_user_id):
    admin = await accounts.acting_user(
        services, await _workspace(services, owner), slack_user_id=slack_user_id, load_profile=_profile(slack_user_id)
    )
    await accounts.set_role(services, owner, slack_user_id=admin.slack_user_id, role="owner")
    return await accounts.acting_user(services, await _workspace(services, owner), slack_user_id=slack_user_id, load_profile=_profile(slack_user_id))


async def _workspace(services, tenant):
    async with services.db.tenant(tenant.account_id) as session:
        from db.models import Account

        account = (await session.execute(select(Account))).scalar_one()
    return await accounts.find_workspace(services, team_id=account.slack_team_id, enterprise_id=None)


def _profile(user_id):
    async def load():
        return accounts.UserProfile(name=user_id, email=None, is_admin=False, is_owner=False)

    return load


async def test_the_last_owner_cannot_step_down(services, make_tenant):
    owner = await make_tenant()
    second = await _make_owner(services, owner, "UOWNER2ND")
    await accounts.set_role(services, second, slack_user_id=owner.slack_user_id, role="admin")
    with pytest.raises(Forbidden, match="cannot lower your own role"):
        await accounts.set_role(services, second, slack_user_id="UOWNER2ND", role="admin")
    assert await _owners(services, owner) == 1


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(services, make_tenant):
    for _ in range(5):
        owner = await make_tenant()
        second = await _make_owner(services, owner, "UOWNERTWO")
        results = await asyncio.gather(
            accounts.set_role(services, owner, slack_user_id="UOWNERTWO", role="admin"),
            accounts.set_role(services, second, slack_user_id=owner.slack_user_id, role="admin"),
            return_exceptions=True,
        )
        assert sum(isinstance(r, Forbidden | Conflict) for r in results) == 1, results
        assert await _owners(services, owner) == 1


async def test_an_admin_cannot_change_an_owner(services, make_tenant):
    admin = await make_tenant("admin")
    owner_id = (await accounts.list_members(services, admin))
    owner = next(m for m in owner_id if m.role == "owner")
    with pytest.raises(Forbidden, match="Only an owner"):
        await accounts.set_role(services, admin, slack_user_id=owner.slack_user_id, role="sales")
