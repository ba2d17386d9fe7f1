"""Role checks: one place that says which role an action needs."""

from enum import StrEnum

from core.context import ROLE_RANK, Role, TenantContext
from core.errors import Forbidden, Next, NextStep


class Action(StrEnum):
    """What a user tries to do, as the refusal names it ("Only an organizer user can create events")."""

    ADD_COMPANIES = "add companies"
    ADD_CONTACTS = "add contacts"
    ADD_NAMES_TO_GUEST_LISTS = "add names to guest lists"
    ADD_THE_DEMO_DATA = "add the demo data"
    ADD_TICKET_TYPES = "add ticket types"
    ADD_VENUES = "add venues"
    CANCEL_CAMPAIGNS = "cancel campaigns"
    CANCEL_EVENTS = "cancel events"
    CHANGE_CONSENT = "change consent"
    CHANGE_EVENTS = "change events"
    CHANGE_HOW_LONG_WAITLIST_OFFERS_LAST = "change how long waitlist offers last"
    CHANGE_ROLES = "change roles"
    CHANGE_THE_ACCOUNT_SETTINGS = "change the account settings"
    CHANGE_TICKET_TYPES = "change ticket types"
    CHANGE_VENUES = "change venues"
    CHECK_PEOPLE_IN = "check people in"
    COMP_TICKETS = "comp tickets"
    CREATE_CAMPAIGNS = "create campaigns"
    CREATE_DOOR_TOKENS = "create door tokens"
    CREATE_EVENTS = "create events"
    CREATE_PROMO_CODES = "create promo codes"
    EDIT_CONTACTS = "edit contacts"
    END_PROMO_CODES = "end promo codes"
    EXPORT_ATTENDEES = "export attendees"
    EXPORT_CHECKINS = "export checkins"
    EXPORT_CONTACTS = "export contacts"
    EXPORT_GUEST_LISTS = "export guest lists"
    EXPORT_ORDERS = "export orders"
    FIND_CONTACTS = "find contacts"
    LOG_TO_CONTACT_TIMELINES = "log to contact timelines"
    LOOK_UP_CONTACTS = "look up contacts"
    LOOK_UP_ORDERS = "look up orders"
    MAKE_SOMEONE_AN_OWNER = "make someone an owner"
    MERGE_CONTACTS = "merge contacts"
    PICK_CONTACTS = "pick contacts"
    POST_CONTACT_CARDS = "post contact cards"
    POST_DIGESTS = "post digests"
    PREVIEW_CAMPAIGNS = "preview campaigns"
    PUBLISH_EVENTS = "publish events"
    RECORD_PAYMENTS = "record payments"
    REFUND_ORDERS = "refund orders"
    REMOVE_NAMES_FROM_GUEST_LISTS = "remove names from guest lists"
    REMOVE_THE_DEMO_DATA = "remove the demo data"
    RESEND_TICKETS = "resend tickets"
    REVOKE_DOOR_TOKENS = "revoke door tokens"
    SCHEDULE_CAMPAIGNS = "schedule campaigns"
    SEE_CAMPAIGNS = "see campaigns"
    SEE_COMPANIES = "see companies"
    SEE_DIGESTS = "see digests"
    SEE_DOOR_TOKENS = "see door tokens"
    SEE_GUEST_LISTS = "see guest lists"
    SEE_GUEST_LIST_COUNTS = "see guest-list counts"
    SEE_PROMO_CODES = "see promo codes"
    SEE_WAITLISTS = "see waitlists"
    SEE_YOUR_SALES = "see your sales"
    SELL_TICKETS = "sell tickets"
    SEND_CAMPAIGNS = "send campaigns"
    SET_UP_DIGESTS = "set up digests"
    SET_UP_GUEST_LISTS = "set up guest lists"
    SHARE_EVENT_PAGES = "share event pages"
    STOP_DIGESTS = "stop digests"
    TAG_CONTACTS = "tag contacts"


ROLE_NAMES = {
    Role.OWNER: "an owner",
    Role.ADMIN: "an admin",
    Role.ORGANIZER: "an organizer",
    Role.SALES: "a sales",
    Role.PROMOTER: "a promoter",
    Role.DOOR: "a door",
}


def require(tenant: TenantContext, least: Role | str, action: Action | str) -> None:
    """Refuse with Forbidden(needs=least, action=action) unless the user has that role or more."""
    least, action = Role(least), Action(action)
    if ROLE_RANK.get(tenant.role, -1) < ROLE_RANK[least]:
        above = "" if least == Role.OWNER else " (or higher)"
        raise Forbidden(
            f"Only {ROLE_NAMES[least]} user{above} can {action}.",
            needs=least, action=action, next_step=Next.to(NextStep.ASK_FOR_ROLE, role=least),
        )
