"""Domain errors as facts: a stable code, typed fields, and a plain sentence; each transport chooses the words.

core states what happened in one plain English sentence (`message`: no Slack markup, no command
names) and, when there is an obvious next step, names it as a typed value (`Next`). `bot/` words the
step for Slack (the command to run), the scanner API for door staff, the web pages in their templates.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class NextStep(StrEnum):
    """What the person can do next; each transport words it (a Slack command, a hint for door staff).

    The comment after a step names the fields its `Next` carries.
    """

    # accounts
    ASK_FOR_ROLE = "ask_for_role"  # role: the least role the action needs
    TRY_EVENTOS_ONCE = "try_eventos_once"
    # door
    MAKE_DOOR_TOKEN = "make_door_token"
    NAME_DOOR_TOKEN = "name_door_token"  # event
    LIST_DOOR_TOKENS = "list_door_tokens"  # event
    SEARCH_ATTENDEES = "search_attendees"
    NAME_ATTENDEE = "name_attendee"  # event
    # sales
    SELL_NEW = "sell_new"
    SELL_AGAIN = "sell_again"
    SHOW_ORDER = "show_order"  # reference
    REFUND_ORDER = "refund_order"  # reference
    OPEN_PROMO_HELP = "open_promo_help"
    # events
    LIST_EVENTS = "list_events"
    LIST_EVENTS_AGAIN = "list_events_again"
    LIST_ALL_EVENTS = "list_all_events"
    EDIT_EVENT_DATES = "edit_event_dates"  # event
    PUBLISH_EVENT = "publish_event"  # event
    ADD_FIRST_TICKET_TYPE = "add_first_ticket_type"  # event
    LIST_TICKET_TYPES = "list_ticket_types"  # event
    EDIT_TICKET_TYPES = "edit_ticket_types"
    ADD_VENUE = "add_venue"
    # crm
    FIND_CONTACTS = "find_contacts"
    FIND_CONTACT_AGAIN = "find_contact_again"
    CHECK_CONTACT = "check_contact"  # email
    SHOW_CONTACT = "show_contact"  # email
    ADD_CONTACT = "add_contact"  # email
    TAG_CONTACT = "tag_contact"
    ADD_PHONE = "add_phone"  # email
    MERGE_CONTACTS = "merge_contacts"
    CHECK_COMPANY = "check_company"  # name
    SHOW_COMPANY = "show_company"  # name
    ADD_COMPANY = "add_company"  # name
    # campaigns
    LIST_CAMPAIGNS = "list_campaigns"
    SEND_CAMPAIGN_NOW = "send_campaign_now"  # campaign
    # digests
    NAME_DIGEST_CHANNEL = "name_digest_channel"
    LIST_DIGESTS = "list_digests"  # channel
    # guest lists
    OPEN_GUEST_HELP = "open_guest_help"
    SHOW_GUEST_LISTS = "show_guest_lists"


@dataclass(frozen=True)
class Next:
    """A next step and the values its wording needs (an event slug, an order reference...)."""

    step: NextStep
    args: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def to(cls, step: NextStep, **args: Any) -> "Next":
        return cls(step, MappingProxyType(args))


class Thing(StrEnum):
    """The kinds of things a person names in a request, for NotFound."""

    EVENT = "event"
    TICKET_TYPE = "ticket_type"
    VENUE = "venue"
    ORDER = "order"
    TICKET = "ticket"
    DOOR_TOKEN = "door_token"
    CONTACT = "contact"
    COMPANY = "company"
    CAMPAIGN = "campaign"
    DIGEST = "digest"
    GUEST_LIST = "guest_list"
    GUEST = "guest"
    USER = "user"
    PROMO_CODE = "promo_code"


@dataclass(frozen=True)
class Suggestion:
    """A close match for a name that was not found: its slug and its name."""

    slug: str
    name: str


class DomainError(Exception):
    """Base of every error a user may see: `code` for programs, `message` the plain fact, `next_step` what to do."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, next_step: Next | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.next_step = next_step
        self.details = details


class NotFound(DomainError):
    """Nothing matched what was asked: `kind` of thing, `asked` as typed, close `suggestions`."""

    code = "not_found"

    def __init__(
        self, message: str, *, kind: Thing | None = None, asked: str | None = None,
        suggestions: Sequence[Suggestion] = (), **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.kind, self.asked, self.suggestions = kind, asked, tuple(suggestions)


class Invalid(DomainError):
    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class Forbidden(DomainError):
    """The acting user's role is below `needs` for `action` (both None for refusals that are not about roles)."""

    code = "forbidden"

    def __init__(self, message: str, *, needs: str | None = None, action: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.needs, self.action = needs, action


class SoldOut(DomainError):
    """Fewer places are left than asked for: `remaining` of them."""

    code = "sold_out"

    def __init__(self, message: str, *, remaining: int, **details: Any) -> None:
        super().__init__(message, remaining=remaining, **details)
        self.remaining = remaining


class NotReady(DomainError):
    """The account or a feature is not set up yet (no workspace, no payment provider...)."""

    code = "not_ready"
