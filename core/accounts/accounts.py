"""Accounts and users: resolve a Slack workspace to its account, a Slack user to a users row."""

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, case, func, select, text, true, update
from sqlalchemy.dialects.postgresql import insert

from core import deliveries
from core.accounts.permissions import Action, require
from core.context import ROLE_RANK, TenantContext
from core.errors import Conflict, Forbidden, Invalid, Next, NextStep, NotFound, Thing
from core.services import Services
from core.time.local_time import zone
from db.enums import AccountStatus
from db.models import Account, User
from db.session import become_tenant

CURRENCIES = {"USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "JPY", "SGD", "INR", "BRL", "MXN", "ZAR", "PLN", "CZK", "HKD"}


@dataclass(frozen=True)
class Workspace:
    """An account as routing sees it."""

    account_id: uuid.UUID
    name: str
    status: str
    timezone: str
    currency: str
    default_role: str


@dataclass(frozen=True)
class UserProfile:
    """What the chat platform tells us about a person on first contact."""

    name: str
    email: str | None
    is_admin: bool
    is_owner: bool


@dataclass(frozen=True)
class AccountSettings:
    name: str
    timezone: str
    currency: str
    sales_channel: str | None
    default_role: str


@dataclass(frozen=True)
class Member:
    slack_user_id: str
    name: str
    email: str | None
    role: str


async def find_workspace(services: Services, *, team_id: str | None, enterprise_id: str | None) -> Workspace | None:
    """The account installed for this workspace, or None (system path: the tenant is not known yet)."""
    async with services.db.system() as session:
        row = (
            await session.execute(
                select(Account.id, Account.name, Account.status, Account.timezone, Account.currency, Account.default_role)
                .where(func.coalesce(Account.slack_team_id, "") == (team_id or ""))
                .where(func.coalesce(Account.slack_enterprise_id, "") == (enterprise_id or ""))
                .where(text("slack_team_id IS NOT NULL OR slack_enterprise_id IS NOT NULL"))
            )
        ).first()
    return Workspace(*row) if row else None


# Built once: the hot path binds values into one statement shape, so SQLAlchemy reuses its compiled form.
_INSTALLED_FOR = (
    select(Account.id)
    .where(func.coalesce(Account.slack_team_id, "") == bindparam("team_id"))
    .where(func.coalesce(Account.slack_enterprise_id, "") == bindparam("enterprise_id"))
    .where(text("slack_team_id IS NOT NULL OR slack_enterprise_id IS NOT NULL"))
)
# Runs as the tenant: RLS leaves only its own account row, so the join needs no account id.
_ACTING = select(User.id, User.role).where(User.slack_user_id == bindparam("slack_user_id")).lateral()
_WORKSPACE_AND_USER = select(
    Account.id, Account.name, Account.status, Account.timezone, Account.currency, Account.default_role,
    _ACTING.c.id.label("user_id"), _ACTING.c.role,
).outerjoin(_ACTING, true())
# The same, and the request's signature recorded, in one round trip: always one row, whose
# `first_signed` is false for an exact replay and whose other columns are null when the account is gone.
_SIGNED = select(deliveries.signed_request_recorded().label("first_signed")).subquery("signed")
_WORKSPACE_AND_USER_ROW = _WORKSPACE_AND_USER.subquery("arriving")
_SIGNED_WORKSPACE_AND_USER = select(_SIGNED.c.first_signed, *_WORKSPACE_AND_USER_ROW.c).select_from(
    _SIGNED.outerjoin(_WORKSPACE_AND_USER_ROW, true())
)


@dataclass
class Routes:
    """Which account a Slack workspace was installed as, remembered for `ttl` seconds in this process.

    Only the mapping is kept: an account keeps its id through uninstall and reinstall, and its
    status, settings and the user's role are read afresh on every request.
    """

    ttl: float = 10.0
    _accounts: dict[tuple[str | None, str | None], tuple[uuid.UUID, float]] = field(default_factory=dict)

    def get(self, team_id: str | None, enterprise_id: str | None) -> uuid.UUID | None:
        entry = self._accounts.get((team_id, enterprise_id))
        return entry[0] if entry and entry[1] > time.monotonic() else None

    def put(self, team_id: str | None, enterprise_id: str | None, account_id: uuid.UUID) -> None:
        self._accounts[(team_id, enterprise_id)] = (account_id, time.monotonic() + self.ttl)

    def forget(self, team_id: str | None, enterprise_id: str | None) -> None:
        self._accounts.pop((team_id, enterprise_id), None)


@dataclass(frozen=True)
class Arrival:
    """Who a Slack request comes from: its workspace's account, and the acting user if they have a row."""

    workspace: Workspace | None
    tenant: TenantContext | None = None
    replay: bool = False  # the exact signed request was answered before: do nothing more


async def arrive(
    services: Services, routes: Routes, *, team_id: str | None, enterprise_id: str | None, slack_user_id: str | None,
    signature: str | None = None,
) -> Arrival:
    """The workspace and acting user of a request, in one transaction (one more statement on a routing miss).

    With the request's `signature`, the same transaction records it: an exact replay arrives as `replay`.
    """
    account_id = routes.get(team_id, enterprise_id)
    if account_id is not None:
        async with services.db.tenant(account_id) as session:
            first_signed, row = await _signed_workspace_and_user(session, slack_user_id, signature)
        if not first_signed:
            return Arrival(None, replay=True)
        if row is not None:
            return _arrival(row, slack_user_id)
        routes.forget(team_id, enterprise_id)
        signature = None  # recorded by the transaction above
    async with services.db.system() as session:
        if signature and not await deliveries.first_signed_request(session, signature=signature):
            return Arrival(None, replay=True)
        account_id = (
            await session.execute(_INSTALLED_FOR, {"team_id": team_id or "", "enterprise_id": enterprise_id or ""})
        ).scalar()
        if account_id is None:
            return Arrival(None)
        await become_tenant(session, account_id)
        row = (await session.execute(_WORKSPACE_AND_USER, {"slack_user_id": slack_user_id or ""})).one()
    routes.put(team_id, enterprise_id, account_id)
    return _arrival(row, slack_user_id)


async def _signed_workspace_and_user(session, slack_user_id: str | None, signature: str | None):
    """(whether the request is not a replay, the workspace and user row or None), in one statement."""
    values = {"slack_user_id": slack_user_id or ""}
    if not signature:
        return True, (await session.execute(_WORKSPACE_AND_USER, values)).first()
    row = (await session.execute(_SIGNED_WORKSPACE_AND_USER, values | {"signature": signature})).one()
    return row.first_signed, row if row.id is not None else None


def _arrival(row, slack_user_id: str | None) -> Arrival:
    workspace = Workspace(row.id, row.name, row.status, row.timezone, row.currency, row.default_role)
    if not slack_user_id or row.user_id is None:
        return Arrival(workspace)
    return Arrival(workspace, _tenant(workspace, row.user_id, row.role, slack_user_id))


def _tenant(workspace: Workspace, user_id: uuid.UUID, role: str, slack_user_id: str) -> TenantContext:
    return TenantContext(
        account_id=workspace.account_id, user_id=user_id, role=role, timezone=workspace.timezone,
        currency=workspace.currency, slack_user_id=slack_user_id,
    )


async def slack_ids(services: Services, account_id: uuid.UUID) -> tuple[str | None, str | None]:
    """The Slack team and enterprise ids an account was installed for (to find its bot token)."""
    async with services.db.tenant(account_id) as session:
        row = (await session.execute(select(Account.slack_team_id, Account.slack_enterprise_id))).first()
    if row is None:
        raise NotFound("This account no longer exists.")
    return row.slack_team_id, row.slack_enterprise_id


async def install_workspace(
    services: Services, *, team_id: str | None, enterprise_id: str | None, name: str,
    installer: str | None = None, installer_profile: UserProfile | None = None,
) -> Workspace:
    """Create the workspace's account, or reactivate it (keeping its data); the installer becomes owner."""
    async with services.db.system() as session:
        account_id = (
            await session.execute(
                insert(Account)
                .values(name=name or team_id or enterprise_id or "Workspace", slack_team_id=team_id,
                        slack_enterprise_id=enterprise_id, status=AccountStatus.ACTIVE)
                .on_conflict_do_update(
                    index_elements=[text("coalesce(slack_enterprise_id, '')"), text("coalesce(slack_team_id, '')")],
                    index_where=text("slack_team_id IS NOT NULL OR slack_enterprise_id IS NOT NULL"),
                    set_={"status": AccountStatus.ACTIVE, "deactivated_at": None},
                )
                .returning(Account.id)
            )
        ).scalar_one()
    if installer:
        profile = installer_profile or UserProfile(name=installer, email=None, is_admin=True, is_owner=True)
        async with services.db.tenant(account_id) as session:
            await session.execute(
                insert(User)
                .values(account_id=account_id, slack_user_id=installer, name=profile.name, email=profile.email, role="owner")
                .on_conflict_do_update(index_elements=["account_id", "slack_user_id"], set_={"role": "owner"})
            )
    workspace = await find_workspace(services, team_id=team_id, enterprise_id=enterprise_id)
    assert workspace is not None
    return workspace


async def deactivate_workspace(services: Services, *, team_id: str | None, enterprise_id: str | None) -> bool:
    """Mark the account inactive after an uninstall; every row stays for a later reinstall."""
    async with services.db.system() as session:
        result = await session.execute(
            update(Account)
            .where(func.coalesce(Account.slack_team_id, "") == (team_id or ""))
            .where(func.coalesce(Account.slack_enterprise_id, "") == (enterprise_id or ""))
            .where(Account.status == AccountStatus.ACTIVE)
            .values(status=AccountStatus.INACTIVE, deactivated_at=func.now())
        )
    return result.rowcount > 0


def _role_for(profile: UserProfile, default_role: str) -> str:
    return "admin" if profile.is_admin or profile.is_owner else default_role


async def acting_user(
    services: Services, workspace: Workspace, *, slack_user_id: str,
    load_profile: Callable[[], Awaitable[UserProfile | None]],
) -> TenantContext:
    """The tenant context for a Slack user, creating their users row on first contact."""
    async with services.db.tenant(workspace.account_id) as session:
        row = (await session.execute(select(User.id, User.role).where(User.slack_user_id == slack_user_id))).first()
    if row is None:
        return await first_contact(services, workspace, slack_user_id=slack_user_id, load_profile=load_profile)
    return _tenant(workspace, row.id, row.role, slack_user_id)


async def first_contact(
    services: Services, workspace: Workspace, *, slack_user_id: str,
    load_profile: Callable[[], Awaitable[UserProfile | None]],
) -> TenantContext:
    """Create the users row of someone seen for the first time (or take the row a concurrent request made).

    `load_profile` may give up (None): the row then starts with the account's default role and
    the Slack id as its name, and `complete_profile` fills it in once the profile arrives.
    """
    profile = await load_profile()
    name = profile.name if profile else slack_user_id
    async with services.db.tenant(workspace.account_id) as session:
        row = (
            await session.execute(
                insert(User)
                .values(account_id=workspace.account_id, slack_user_id=slack_user_id, name=name,
                        email=profile.email if profile else None,
                        role=_role_for(profile, workspace.default_role) if profile else workspace.default_role)
                .on_conflict_do_update(
                    index_elements=["account_id", "slack_user_id"], set_={"name": name if profile else User.name}
                )
                .returning(User.id, User.role)
            )
        ).one()
    return _tenant(workspace, row.id, row.role, slack_user_id)


async def complete_profile(services: Services, workspace: Workspace, *, slack_user_id: str, profile: UserProfile) -> None:
    """Fill in a user created before their profile arrived; a workspace admin still on the default role becomes admin."""
    values: dict = {"name": profile.name, "email": profile.email}
    if profile.is_admin or profile.is_owner:
        values["role"] = case((User.role == workspace.default_role, "admin"), else_=User.role)
    async with services.db.tenant(workspace.account_id) as session:
        await session.execute(update(User).where(User.slack_user_id == slack_user_id).values(**values))


async def account_settings(services: Services, tenant: TenantContext) -> AccountSettings:
    async with services.db.tenant(tenant.account_id) as session:
        account = (await session.execute(select(Account))).scalar_one()
        return AccountSettings(account.name, account.timezone, account.currency, account.sales_channel, account.default_role)


async def update_settings(
    services: Services, tenant: TenantContext, *, timezone: str | None = None, currency: str | None = None,
    sales_channel: str | None = None, default_role: str | None = None,
) -> AccountSettings:
    """Change the account's time zone, currency, sales channel or default role (admins)."""
    require(tenant, Action.CHANGE_THE_ACCOUNT_SETTINGS)
    values: dict[str, str] = {}
    if timezone is not None:
        values["timezone"] = valid_timezone(timezone)
    if currency is not None:
        code = currency.strip().upper()
        if code not in CURRENCIES:
            raise Invalid(f"currency must be a three-letter code such as USD, EUR or GBP, not “{currency}”.")
        values["currency"] = code
    if sales_channel is not None:
        values["sales_channel"] = sales_channel
    if default_role is not None:
        if default_role not in ROLE_RANK or default_role == "owner":
            raise Invalid("default_role must be one of admin, organizer, sales or door.")
        values["default_role"] = default_role
    if not values:
        raise Invalid("Give at least one of timezone=…, currency=…, sales_channel=#… or default_role=….")
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(update(Account).values(**values))
    return await account_settings(services, tenant)


def valid_timezone(name: str) -> str:
    """The IANA name, or a sentence saying what to type instead."""
    zone(name)
    return name


async def list_members(services: Services, tenant: TenantContext) -> list[Member]:
    async with services.db.tenant(tenant.account_id) as session:
        rows = await session.execute(select(User.slack_user_id, User.name, User.email, User.role).order_by(User.name))
        return [Member(*row) for row in rows]


async def set_role(services: Services, tenant: TenantContext, *, slack_user_id: str, role: str) -> Member:
    """Give a user a role; admins may grant up to admin, only owners may grant owner."""
    require(tenant, Action.CHANGE_ROLES)
    if role not in ROLE_RANK:
        raise Invalid(f"role must be one of {', '.join(ROLE_RANK)}, not “{role}”.")
    if role == "owner":
        require(tenant, Action.MAKE_SOMEONE_AN_OWNER)
    if slack_user_id == tenant.slack_user_id and ROLE_RANK[role] < ROLE_RANK[tenant.role]:
        raise Forbidden("You cannot lower your own role; ask another admin to do it.")
    async with services.db.tenant(tenant.account_id) as session:
        # Owners' rows are locked first, in one order, so two owners demoting each other at once
        # are serialised and the second sees the first's change: an account never loses its last owner.
        owners = (
            await session.execute(select(User.slack_user_id).where(User.role == "owner").order_by(User.id).with_for_update())
        ).scalars().all()
        user = (await session.execute(select(User).where(User.slack_user_id == slack_user_id).with_for_update())).scalar_one_or_none()
        if user is None:
            raise NotFound(
                "That person has not used EventOS yet.", kind=Thing.USER, asked=slack_user_id,
                next_step=Next.to(NextStep.TRY_EVENTOS_ONCE),
            )
        acting_is_owner = tenant.slack_user_id in owners
        if user.role == "owner" and not acting_is_owner:
            raise Forbidden("Only an owner can change another owner's role.")
        if user.role == "owner" and role != "owner" and owners == [user.slack_user_id]:
            raise Conflict("An account needs at least one owner; make someone else owner first.")
        user.role = role
        return Member(user.slack_user_id, user.name, user.email, user.role)
