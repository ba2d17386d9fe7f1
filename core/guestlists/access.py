"""Who may do what with guest lists: one place for the promoter rules.

Promoters (the promoter role, and sales users, who rank above it) add names to their own lists and
see only the entries they added; organizers and up manage every list and see every entry. Door
staff find and admit guests but add nobody.
"""

import uuid

from core.context import Role, TenantContext
from core.errors import Forbidden

MANAGER = Role.ORGANIZER


def sees_all(tenant: TenantContext) -> bool:
    """Organizers and up see every list's entries; a promoter only their own."""
    return tenant.has_role(MANAGER)


def owner_filter(tenant: TenantContext) -> uuid.UUID | None:
    """The promoter whose entries this user may see, or None for all of them."""
    return None if sees_all(tenant) else tenant.user_id


def check_list_owner(tenant: TenantContext, list_name: str, promoter_id: uuid.UUID | None) -> None:
    """A promoter adds only to a list that is theirs."""
    if sees_all(tenant) or promoter_id == tenant.user_id:
        return
    raise Forbidden(
        f"The {list_name} list is not yours; add to your own list (list=NAME names one) or ask an organizer.",
        list=list_name,
    )
