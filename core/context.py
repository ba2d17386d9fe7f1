"""Who is acting, for which account: passed explicitly into every use case."""

import uuid
from dataclasses import dataclass

ROLE_RANK = {"door": 0, "promoter": 1, "sales": 2, "organizer": 3, "admin": 4, "owner": 5}


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
