"""Role checks: one place that says which role an action needs."""

from core.context import ROLE_RANK, TenantContext
from core.errors import Forbidden

ROLE_NAMES = {
    "owner": "an owner",
    "admin": "an admin",
    "organizer": "an organizer",
    "sales": "a sales",
    "promoter": "a promoter",
    "door": "a door",
}


def require(tenant: TenantContext, least: str, action: str) -> None:
    """Refuse with a sentence naming the role `action` needs, unless the user has it or more."""
    if ROLE_RANK.get(tenant.role, -1) < ROLE_RANK[least]:
        above = "" if least == "owner" else " (or higher)"
        raise Forbidden(
            f"Only {ROLE_NAMES[least]} user{above} can {action}; ask an admin to run "
            f"`/eventos role @you {least}`.",
            needs=least,
        )
