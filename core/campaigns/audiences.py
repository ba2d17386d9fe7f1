"""Campaign audiences: a small language over CRM and ticketing data, compiled to one SQL query.

    all                          every contact
    tag:vip                      contacts tagged vip
    company:Acme                 contacts of the company named Acme (any case; quote names
                                 with spaces: company:"Acme Events")
    event:summer-gala:bought     contacts holding an active ticket to the event (event:SLUG alone too)
    event:summer-gala:attended   contacts with a ticket (or guest-list name) admitted at the door
    event:summer-gala:no-show    bought, and not attended
    event:summer-gala:guestlist  contacts with a name on one of the event's guest lists
    event:summer-gala:waitlist   contacts on the event's waitlist who did not buy through it (waiting,
                                 offered, or let the offer lapse)
    list:vip                     contacts on a guest list named vip, at any event

Terms combine with `not`, `and`, `or` (binding in that order) and parentheses:
`event:gala:bought and not (tag:staff or company:"Acme Events")`.

Whatever the expression, only contacts who can be reached on the campaign's channel are
recipients: email consent (or SMS consent and a phone number), not unsubscribed, not merged
into another contact. Values are always bound parameters, never SQL text.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Union

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.crm.contacts import normalize_tags
from core.errors import Invalid, Next, NextStep, NotFound, Thing
from core.guestlists import audience as guests
from db.enums import AttendeeStatus, Channel, CheckinResult, WaitlistEntryStatus
from db.models import Attendee, CheckIn, Company, Contact, Event, GuestList, WaitlistEntry

MAX_LENGTH = 1000
MAX_TERMS = 40
MAX_DEPTH = 20
EVENT_STATES = {
    "bought": "bought", "attended": "attended", "no-show": "no-show", "noshow": "no-show", "no_show": "no-show",
    "guestlist": "guestlist", "guest-list": "guestlist", "waitlist": "waitlist", "wait-list": "waitlist",
}
KEYWORDS = ("and", "or", "not")
SYNTAX = (
    "all, tag:NAME, company:NAME, event:SLUG:bought|attended|no-show|guestlist|waitlist or list:NAME, "
    "joined with and, or, not and parentheses"
)
EXAMPLE = "`audience=\"event:summer-gala:bought and not tag:staff\"`"
QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u201d": "\u201d", "\u2018": "\u2019", "\u2019": "\u2019"}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STOP = frozenset("() \t\r\n")


@dataclass(frozen=True)
class Everyone:
    pass


@dataclass(frozen=True)
class Tag:
    name: str


@dataclass(frozen=True)
class InCompany:
    name: str


@dataclass(frozen=True)
class AtEvent:
    slug: str
    state: str  # bought | attended | no-show


@dataclass(frozen=True)
class OnList:
    name: str


@dataclass(frozen=True)
class Not:
    part: "Node"


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Node", ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Node", ...]


Node = Union[Everyone, Tag, InCompany, AtEvent, OnList, Not, AllOf, AnyOf]


@dataclass(frozen=True)
class Audience:
    """A parsed audience; `text` is its canonical spelling."""

    node: Node
    text: str

    @property
    def event_slugs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.slug for t in _terms(self.node) if isinstance(t, AtEvent)))

    @property
    def companies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.name for t in _terms(self.node) if isinstance(t, InCompany)))

    @property
    def guest_lists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.name for t in _terms(self.node) if isinstance(t, OnList)))


@dataclass(frozen=True)
class EventRef:
    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True)
class Bound:
    """An audience whose events were found in this account: ready to compile."""

    audience: Audience
    events: dict[str, EventRef]

    def condition(self) -> ColumnElement[bool]:
        """The audience as one boolean over `contacts` (correlated EXISTS subqueries)."""
        return _compile(self.audience.node, self.events)

    def recipients(self, channel: str) -> Select:
        """Ids of the contacts this audience reaches on `channel`: one query."""
        return select(Contact.id).where(Contact.merged_into_id.is_(None), reachable(channel), self.condition())


# --- parsing ------------------------------------------------------------------------------


def parse(text: str | None) -> Audience:
    """Read an audience; Invalid names the first problem in one sentence."""
    source = (text or "").strip()
    if not source:
        raise Invalid(f"Say who gets the campaign: {SYNTAX}; for example {EXAMPLE}.", field="audience")
    if len(source) > MAX_LENGTH:
        raise Invalid(f"Keep the audience under {MAX_LENGTH} characters.", field="audience")
    parser = _Parser(_tokens(source))
    node = parser.expression(0)
    if parser.peek() is not None:
        raise _unexpected(parser.peek(), parser.tokens[parser.position - 1])
    if sum(1 for _ in _terms(node)) > MAX_TERMS:
        raise Invalid(f"Use at most {MAX_TERMS} terms in an audience.", field="audience")
    return Audience(node, format_node(node))


@dataclass(frozen=True)
class _Token:
    kind: str  # ( ) and or not term
    text: str
    node: Node | None = None


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char))
            i += 1
        else:
            word, i = _word(source, i)
            lower = word.lower()
            if lower in KEYWORDS:
                tokens.append(_Token(lower, word))
            else:
                tokens.append(_Token("term", word, _term(word)))
    return tokens


def _word(source: str, start: int) -> tuple[str, int]:
    """One word; a quote right after `:` runs to its closing quote (`company:"Acme Events"`)."""
    i = start
    while i < len(source) and source[i] not in _STOP:
        if source[i] in QUOTES and i > start and source[i - 1] == ":":
            close = source.find(QUOTES[source[i]], i + 1)
            if close < 0:
                raise Invalid(f"Close the quote you opened in “{source[start:start + 30]}” in the audience.", field="audience")
            i = close + 1
            break
        i += 1
    return source[start:i], i


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in QUOTES and value[-1] == QUOTES[value[0]]:
        return value[1:-1].strip()
    return value


def _term(word: str) -> Node:
    kind, colon, value = word.partition(":")
    kind = kind.lower()
    if not colon:
        if kind == "all":
            return Everyone()
        raise Invalid(f"“{word}” is not an audience term; use {SYNTAX}.", field="audience")
    value = _unquote(value)
    if kind == "tag":
        if not value or re.search(r"[\s,]", value):
            raise Invalid(f"Name one tag after tag:, like tag:vip, not “{word}”.", field="audience")
        return Tag(normalize_tags([value])[0])
    if kind == "company":
        if not value:
            raise Invalid("Name the company after company:, like company:Acme or company:\"Acme Events\".", field="audience")
        return InCompany(value)
    if kind == "event":
        slug, _, state = value.rpartition(":") if ":" in value else (value, "", "bought")
        state_name = EVENT_STATES.get(state.lower())
        if state_name is None:
            raise Invalid(f"After event:{slug}: say bought, attended, no-show, guestlist or waitlist, not “{state}”.", field="audience")
        if not _SLUG.match(slug.lower()):
            raise Invalid(f"“{slug}” is not an event slug; write it like event:summer-gala:attended.", field="audience")
        return AtEvent(slug.lower(), state_name)
    if kind == "list":
        if not _SLUG.match(value.lower()):
            raise Invalid(f"Name a guest list after list:, like list:vip, not “{word}”.", field="audience")
        return OnList(value.lower())
    raise Invalid(f"“{word}” is not an audience term; use {SYNTAX}.", field="audience")


def _unexpected(token: _Token, previous: _Token) -> Invalid:
    if token.kind == ")":
        return Invalid("The audience has a “)” without its “(”.", field="audience")
    return Invalid(f"Join “{previous.text}” and “{token.text}” with and or or.", field="audience")


class _Parser:
    """Recursive descent: or < and < not < (…) | term."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token | None:
        token = self.peek()
        self.position += token is not None
        return token

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise Invalid(f"Nest the audience at most {MAX_DEPTH} levels deep.", field="audience")
        parts = [self.conjunction(depth)]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self, depth: int) -> Node:
        parts = [self.negation(depth)]
        while (token := self.peek()) is not None and token.kind == "and":
            self.take()
            parts.append(self.negation(depth))
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def negation(self, depth: int) -> Node:
        token = self.take()
        if token is None:
            previous = self.tokens[-1].text if self.tokens else ""
            raise Invalid(f"Finish the audience after “{previous}”.", field="audience")
        if token.kind == "not":
            return Not(self.negation(depth + 1))
        if token.kind == "(":
            inner = self.expression(depth + 1)
            closing = self.take()
            if closing is None or closing.kind != ")":
                if closing is None:
                    raise Invalid("Close the “(” in the audience with a “)”.", field="audience")
                raise _unexpected(closing, self.tokens[self.position - 2])
            return inner
        if token.kind == "term":
            return token.node
        if token.kind == ")":
            raise Invalid("Put a term inside the parentheses, or remove the “)”.", field="audience")
        raise Invalid(f"Put a term before “{token.text}”, like tag:vip {token.text} …", field="audience")


# --- spelling -----------------------------------------------------------------------------


def _quoted(value: str) -> str:
    if re.fullmatch(r"[^\s()\"'\u201c\u201d\u2018\u2019:]+", value):
        return value
    return f"'{value}'" if '"' in value else f'"{value}"'


def format_node(node: Node) -> str:
    """The canonical text of an audience (what is stored and shown)."""
    if isinstance(node, Everyone):
        return "all"
    if isinstance(node, Tag):
        return f"tag:{node.name}"
    if isinstance(node, InCompany):
        return f"company:{_quoted(node.name)}"
    if isinstance(node, AtEvent):
        return f"event:{node.slug}:{node.state}"
    if isinstance(node, OnList):
        return f"list:{node.name}"
    if isinstance(node, Not):
        inner = format_node(node.part)
        return f"not {inner}" if isinstance(node.part, (Everyone, Tag, InCompany, AtEvent, OnList, Not)) else f"not ({inner})"
    if isinstance(node, AllOf):
        return " and ".join(f"({format_node(p)})" if isinstance(p, AnyOf) else format_node(p) for p in node.parts)
    return " or ".join(format_node(p) for p in node.parts)


def _terms(node: Node):
    if isinstance(node, Not):
        yield from _terms(node.part)
    elif isinstance(node, (AllOf, AnyOf)):
        for part in node.parts:
            yield from _terms(part)
    else:
        yield node


# --- compiling ----------------------------------------------------------------------------


def reachable(channel: str) -> ColumnElement[bool]:
    """Who may get a campaign on `channel`: consent given, not unsubscribed, not merged away."""
    alive = and_(Contact.merged_into_id.is_(None), Contact.unsubscribed_at.is_(None))
    if channel == Channel.SMS:
        return and_(alive, Contact.sms_consent.is_(True), Contact.phone.is_not(None))
    return and_(alive, Contact.email_consent.is_(True))


def _bought(event_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(
        Attendee.account_id == Contact.account_id, Attendee.contact_id == Contact.id,
        Attendee.event_id == event_id, Attendee.status == AttendeeStatus.ACTIVE,
    )


def _attended(event_id: uuid.UUID) -> ColumnElement[bool]:
    with_ticket = exists().where(
        Attendee.account_id == Contact.account_id, Attendee.contact_id == Contact.id,
        CheckIn.account_id == Attendee.account_id, CheckIn.attendee_id == Attendee.id,
        CheckIn.event_id == event_id, CheckIn.result == CheckinResult.ADMITTED,
    )
    return or_(with_ticket, guests.came_as_guest(event_id))


def _waiting(event_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(
        WaitlistEntry.contact_id == Contact.id, WaitlistEntry.event_id == event_id,
        WaitlistEntry.status != WaitlistEntryStatus.BOUGHT,
    )


def _compile(node: Node, events: dict[str, EventRef]) -> ColumnElement[bool]:
    if isinstance(node, Everyone):
        return true()
    if isinstance(node, Tag):
        return Contact.tags.contains([node.name])
    if isinstance(node, InCompany):
        return exists().where(
            Company.account_id == Contact.account_id, Company.id == Contact.company_id,
            func.lower(Company.name) == node.name.lower(),
        )
    if isinstance(node, AtEvent):
        event_id = events[node.slug].id
        if node.state == "bought":
            return _bought(event_id)
        if node.state == "attended":
            return _attended(event_id)
        if node.state == "guestlist":
            return guests.on_event_lists(event_id)
        if node.state == "waitlist":
            return _waiting(event_id)
        return and_(_bought(event_id), not_(_attended(event_id)))
    if isinstance(node, OnList):
        return guests.on_list(node.name)
    if isinstance(node, Not):
        return not_(_compile(node.part, events))
    if isinstance(node, AllOf):
        return and_(*(_compile(p, events) for p in node.parts))
    return or_(*(_compile(p, events) for p in node.parts))


async def bind(session: AsyncSession, audience: Audience) -> Bound:
    """Find the audience's events in this account; NotFound names a slug that is not there."""
    slugs = audience.event_slugs
    found: dict[str, EventRef] = {}
    if slugs:
        rows = await session.execute(select(Event.id, Event.slug, Event.name).where(Event.slug.in_(slugs)))
        found = {row.slug: EventRef(row.id, row.slug, row.name) for row in rows}
    for slug in slugs:
        if slug not in found:
            raise NotFound(
                f"No event has the slug `{slug}`.", kind=Thing.EVENT, asked=slug,
                next_step=Next.to(NextStep.LIST_ALL_EVENTS), field="audience",
            )
    if audience.companies:
        names = {n.lower() for n in audience.companies}
        known = set((await session.scalars(select(func.lower(Company.name)).where(func.lower(Company.name).in_(names)))).all())
        for name in audience.companies:
            if name.lower() not in known:
                raise NotFound(
                    f"No company is named “{name}”.", kind=Thing.COMPANY, asked=name,
                    next_step=Next.to(NextStep.CHECK_COMPANY, name=name), field="audience",
                )
    if audience.guest_lists:
        lists = set((await session.scalars(select(GuestList.name).where(GuestList.name.in_(audience.guest_lists)))).all())
        for name in audience.guest_lists:
            if name not in lists:
                raise NotFound(
                    f"No guest list is named {name}.", kind=Thing.GUEST_LIST, asked=name,
                    next_step=Next.to(NextStep.SHOW_GUEST_LISTS), field="audience",
                )
    return Bound(audience, found)


@dataclass(frozen=True)
class Size:
    reachable: int
    skipped: int  # match the audience but lack consent or unsubscribed


async def size(session: AsyncSession, bound: Bound, channel: str) -> Size:
    """How many contacts the audience reaches on `channel`, and how many it skips for consent."""
    ok = reachable(channel)
    row = (
        await session.execute(
            select(func.count().filter(ok), func.count().filter(not_(ok)))
            .select_from(Contact)
            .where(Contact.merged_into_id.is_(None), bound.condition())
        )
    ).one()
    return Size(row[0], row[1])
