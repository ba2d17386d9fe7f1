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


# The least role each action needs (higher roles may too): the one table of who may do what.
NEEDS: dict[Action, Role] = {
    **dict.fromkeys((
        Action.MAKE_SOMEONE_AN_OWNER,
    ), Role.OWNER),
    **dict.fromkeys((
        Action.ADD_THE_DEMO_DATA,
        Action.CHANGE_ROLES,
        Action.CHANGE_THE_ACCOUNT_SETTINGS,
        Action.REMOVE_THE_DEMO_DATA,
    ), Role.ADMIN),
    **dict.fromkeys((
        Action.ADD_TICKET_TYPES,
        Action.ADD_VENUES,
        Action.CANCEL_CAMPAIGNS,
        Action.CANCEL_EVENTS,
        Action.CHANGE_EVENTS,
        Action.CHANGE_HOW_LONG_WAITLIST_OFFERS_LAST,
        Action.CHANGE_TICKET_TYPES,
        Action.CHANGE_VENUES,
        Action.COMP_TICKETS,
        Action.CREATE_CAMPAIGNS,
        Action.CREATE_DOOR_TOKENS,
        Action.CREATE_EVENTS,
        Action.CREATE_PROMO_CODES,
        Action.END_PROMO_CODES,
        Action.MERGE_CONTACTS,
        Action.POST_DIGESTS,
        Action.PUBLISH_EVENTS,
        Action.REFUND_ORDERS,
        Action.REVOKE_DOOR_TOKENS,
        Action.SCHEDULE_CAMPAIGNS,
        Action.SEE_DOOR_TOKENS,
        Action.SEND_CAMPAIGNS,
        Action.SET_UP_DIGESTS,
        Action.SET_UP_GUEST_LISTS,
        Action.STOP_DIGESTS,
    ), Role.ORGANIZER),
    **dict.fromkeys((
        Action.ADD_COMPANIES,
        Action.ADD_CONTACTS,
        Action.CHANGE_CONSENT,
        Action.EDIT_CONTACTS,
        Action.EXPORT_ATTENDEES,
        Action.EXPORT_CHECKINS,
        Action.EXPORT_CONTACTS,
        Action.EXPORT_ORDERS,
        Action.LOG_TO_CONTACT_TIMELINES,
        Action.LOOK_UP_ORDERS,
        Action.PICK_CONTACTS,
        Action.POST_CONTACT_CARDS,
        Action.PREVIEW_CAMPAIGNS,
        Action.RECORD_PAYMENTS,
        Action.RESEND_TICKETS,
        Action.SEE_CAMPAIGNS,
        Action.SEE_COMPANIES,
        Action.SEE_DIGESTS,
        Action.SEE_PROMO_CODES,
        Action.SEE_WAITLISTS,
        Action.SELL_TICKETS,
        Action.TAG_CONTACTS,
    ), Role.SALES),
    **dict.fromkeys((
        Action.ADD_NAMES_TO_GUEST_LISTS,
        Action.EXPORT_GUEST_LISTS,
        Action.REMOVE_NAMES_FROM_GUEST_LISTS,
        Action.SEE_GUEST_LISTS,
        Action.SEE_GUEST_LIST_COUNTS,
        Action.SEE_YOUR_SALES,
        Action.SHARE_EVENT_PAGES,
    ), Role.PROMOTER),
    **dict.fromkeys((
        Action.CHECK_PEOPLE_IN,
        Action.FIND_CONTACTS,
        Action.LOOK_UP_CONTACTS,
    ), Role.DOOR),
}


ROLE_NAMES = {
    Role.OWNER: "an owner",
    Role.ADMIN: "an admin",
    Role.ORGANIZER: "an organizer",
    Role.SALES: "a sales",
    Role.PROMOTER: "a promoter",
    Role.DOOR: "a door",
}


def require(tenant: TenantContext, action: Action | str) -> None:
    """Refuse with Forbidden(needs=the action's role, action=action) unless the user has that role or more."""
    action = Action(action)
    least = NEEDS[action]
    if ROLE_RANK.get(tenant.role, -1) < ROLE_RANK[least]:
        above = "" if least == Role.OWNER else " (or higher)"
        raise Forbidden(
            f"Only {ROLE_NAMES[least]} user{above} can {action}.",
            needs=least, action=action, next_step=Next.to(NextStep.ASK_FOR_ROLE, role=least),
        )
