"""Who is acting, for which account: passed explicitly into every use case."""

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A user's role in an account, least to most (the order is the rank)."""

    DOOR = "door"
    PROMOTER = "promoter"
    SALES = "sales"
    ORGANIZER = "organizer"
    ADMIN = "admin"
    OWNER = "owner"


ROLE_RANK = {role: rank for rank, role in enumerate(Role)}


@dataclass(frozen=True)
class TenantContext:
    account_id: uuid.UUID
    user_id: uuid.UUID | None
    role: str
    timezone: str = "UTC"
    currency: str = "USD"
    slack_user_id: str | None = None
    channel_id: str | None = None

    def has_role(self, least: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[least]
