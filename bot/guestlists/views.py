"""Guest-list views: core results → Block Kit (pure functions, no database, no client)."""

import json

from bot.door import views as door_views
from bot.text import clock, context, escape, fields, header, local_time, quoted, section
from core.door.checkins import AttendeeSearch
from core.guestlists.door import GuestAdmission, GuestMatch
from core.guestlists.entries import (
    GuestAdded,
    GuestListing,
    GuestRemoved,
    GuestRow,
    ImportResult,
)
from core.guestlists.lists import ListInfo
from core.guestlists.stats import Counts, GuestStats
from db.enums import CheckinResult

ADMIT = "guest.admit"
ADMIT_PARTY = "guest.admit_party"
IMPORT_VIEW = "guest.import"
BLOCK_LINES = "guest_lines"
BLOCK_LIST = "guest_list"
FIELD_BLOCKS = {"lines": BLOCK_LINES, "list": BLOCK_LIST}
BUTTONS_UP_TO = 4  # parties of up to four choices get buttons; bigger ones a menu


def _plus(companions: int) -> str:
    return f" +{companions}" if companions else ""


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n:,} people"


def guest_added(added: GuestAdded) -> tuple[str, list[dict]]:
    text = (
        f"Added *{escape(added.name)}*{_plus(added.companions)} to the *{escape(added.list_name)}* list "
        f"for {escape(added.event_name)}."
    )
    blocks = [section(text)]
    if added.list_left is not None:
        blocks.append(context(f"{added.list_left:,} place(s) left on {escape(added.list_name)}."))
    return text, blocks


def guest_removed(removed: GuestRemoved) -> tuple[str, list[dict]]:
    text = (
        f"Took *{escape(removed.name)}*{_plus(removed.companions)} off the {escape(removed.list_name)} list "
        f"for {escape(removed.event_name)}; their places are free again."
    )
    return text, [section(text)]


def imported(result: ImportResult) -> str:
    text = (
        f"Added {result.added:,} name(s) ({_people(result.places)}) to the *{escape(result.list_name)}* list "
        f"for {escape(result.event_name)}."
    )
    if result.already_listed:
        shown = ", ".join(escape(n) for n in result.already_listed[:10])
        more = f" and {len(result.already_listed) - 10} more" if len(result.already_listed) > 10 else ""
        text += f" Already listed, so skipped: {shown}{more}."
    return text


def _row_line(row: GuestRow, *, show_promoter: bool) -> str:
    line = f"• *{escape(row.name)}*{_plus(row.companions)} · {escape(row.list_name)}"
    if show_promoter and row.promoter:
        line += f" · by {escape(row.promoter)}"
    if row.email:
        line += f" · {escape(row.email)}"
    if row.arrived:
        line += f" · :white_check_mark: {row.arrived} in"
    if row.note:
        line += f"\n    _{escape(row.note)}_"
    return line


def guest_listing(listing: GuestListing) -> tuple[str, list[dict]]:
    scope = f"the {escape(listing.list_name)} list" if listing.list_name else "the guest lists"
    whose = "Your names on " if listing.mine_only else ""
    title = f"{whose}{scope} · {escape(listing.event_name)} ({listing.total:,})"
    if not listing.rows:
        text = f"No names on {scope} for {escape(listing.event_name)} yet; add one with `/guest add {listing.event_slug} \"Name\"`."
        return text, [section(text)]
    blocks = [header(f"Guest list · {listing.event_name}")]
    chunk: list[str] = []
    for row in listing.rows:
        chunk.append(_row_line(row, show_promoter=not listing.mine_only))
        if len(chunk) == 30:
            blocks.append(section("\n".join(chunk)))
            chunk = []
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if listing.total > len(listing.rows):
        blocks.append(context(f"Showing the first {len(listing.rows):,} of {listing.total:,}; `/event export {listing.event_slug} what=guests` has them all."))
    return title, blocks


def _counts_text(counts: Counts) -> str:
    return (
        f"{counts.names:,} name(s), {counts.places:,} place(s); "
        f"arrived {counts.arrived:,} (+{counts.companions_in:,} companions, {_people(counts.people)} in)"
    )


def _counts_line(counts: Counts) -> str:
    return f"*{escape(counts.label)}* — {_counts_text(counts)}"


def _list_line(counts: Counts, timezone: str) -> str:
    line = _counts_line(counts)
    extra = []
    if counts.cap is not None:
        extra.append(f"cap {counts.cap:,}")
    if counts.closes_at is not None:
        extra.append(f"closes {local_time(counts.closes_at, timezone)}")
    return line + (f" · {', '.join(extra)}" if extra else "")


def counts_blocks(stats: GuestStats) -> list[dict]:
    """The guest-list part of a card: totals, then per list and per promoter."""
    if not stats.lists and not stats.promoters:
        return []
    blocks = [section(f"*Guest lists* — {_counts_text(stats.total)}")]
    if stats.lists:
        blocks.append(section("*By list*\n" + "\n".join(f"• {_list_line(c, stats.timezone)}" for c in stats.lists[:25])))
    if stats.promoters:
        blocks.append(section("*By promoter*\n" + "\n".join(f"• {_counts_line(c)}" for c in stats.promoters[:25])))
    return blocks


def guest_stats(stats: GuestStats) -> tuple[str, list[dict]]:
    text = f"Guest lists: {escape(stats.event_name)}"
    if not stats.lists and not stats.promoters:
        none = "You have no names" if stats.mine_only else "No names are"
        line = f"{none} on a guest list for {escape(stats.event_name)} yet."
        return text, [section(line)]
    total = stats.total
    blocks = [
        header(f"Guest lists: {stats.event_name}"),
        fields([
            ("Names", f"{total.names:,}"), ("Places", f"{total.places:,}"),
            ("Arrived", f"{total.arrived:,}"), ("People in", f"{total.people:,} (+{total.companions_in:,} companions)"),
        ]),
        *counts_blocks(stats)[1:],
    ]
    if stats.mine_only:
        blocks.append(context("Only your own names are counted."))
    return text, blocks


def list_set_up(info: ListInfo) -> tuple[str, list[dict]]:
    parts = [f"promoter {escape(info.promoter)}" if info.promoter else "no promoter (organizers add to it)"]
    parts.append(f"cap {info.cap:,} ({max(info.cap - info.taken, 0):,} left)" if info.cap is not None else "no cap")
    parts.append(f"closes {local_time(info.closes_at, info.timezone)}" if info.closes_at else "never closes")
    text = f"The *{escape(info.name)}* list: {', '.join(parts)}."
    return text, [section(text)]


def import_modal(*, event: str, event_name: str, list_name: str | None, channel_id: str) -> dict:
    return {
        "type": "modal",
        "callback_id": IMPORT_VIEW,
        "title": {"type": "plain_text", "text": "Import guests"},
        "submit": {"type": "plain_text", "text": "Import"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"event": event, "channel": channel_id}, separators=(",", ":")),
        "blocks": [
            section(f"One guest per line for *{escape(event_name)}*: `Name, email, +N` (email and +N are optional)."),
            {
                "type": "input", "block_id": BLOCK_LINES, "label": {"type": "plain_text", "text": "Guests"},
                "element": {
                    "type": "plain_text_input", "action_id": "value", "multiline": True,
                    "placeholder": {"type": "plain_text", "text": "Anna Smith, anna@example.com, +1\nBob Jones"},
                },
            },
            {
                "type": "input", "block_id": BLOCK_LIST, "optional": True, "label": {"type": "plain_text", "text": "List"},
                "element": {
                    "type": "plain_text_input", "action_id": "value",
                    **({"initial_value": list_name} if list_name else {}),
                    "placeholder": {"type": "plain_text", "text": "vip (empty: your usual list)"},
                },
            },
        ],
    }


# ----- the door -------------------------------------------------------------------------------


def _admit_element(match: GuestMatch) -> list[dict]:
    most = 1 + match.companions
    if most <= BUTTONS_UP_TO:
        return [
            {
                "type": "button", "action_id": f"{ADMIT}:{n}", "value": f"{match.entry_id}:{n}",
                "text": {"type": "plain_text", "text": "Admit" if most == 1 else f"Admit {n}"},
                **({"style": "primary"} if n == most else {}),
            }
            for n in range(most, 0, -1)
        ]
    return [{
        "type": "static_select", "action_id": ADMIT_PARTY,
        "placeholder": {"type": "plain_text", "text": f"Admit (up to {most})"},
        "options": [
            {"text": {"type": "plain_text", "text": f"Admit {n}"}, "value": f"{match.entry_id}:{n}"}
            for n in range(most, 0, -1)
        ],
    }]


def guest_match_blocks(matches: list[GuestMatch], timezone: str) -> list[dict]:
    """Guest-list names found at the door, each with Admit choices (the whole party first) until admitted."""
    blocks: list[dict] = []
    for match in matches:
        line = f":clipboard: *{escape(match.name)}*{_plus(match.companions)} · {escape(match.list_name)} guest list"
        if match.note:
            line += f" · _{escape(match.note)}_"
        if match.admitted_at:
            by = f" by {escape(match.admitted_by)}" if match.admitted_by else ""
            line += f"\n:white_check_mark: {match.party} of {1 + match.companions} in at {clock(match.admitted_at, timezone)}{by}"
            blocks.append(section(line))
        else:
            blocks += [section(line), {"type": "actions", "block_id": f"guest_admit:{match.entry_id}", "elements": _admit_element(match)}]
    return blocks


def door_matches(search: AttendeeSearch, guests: list[GuestMatch]) -> tuple[str, list[dict]]:
    """`/checkin EVENT name`: ticket holders first, then guest-list names."""
    tickets = door_views.attendee_matches(search)
    if not guests:
        return tickets
    text = f"{len(guests)} guest-list match(es) for “{quoted(search.query)}” at {escape(search.event_name)}"
    if not search.matches:
        return text, [header(f"Check in · {search.event_name}"), *guest_match_blocks(guests, search.timezone)]
    return f"{tickets[0]}; {text}", [*tickets[1], *guest_match_blocks(guests, search.timezone)]


def admission(answer: GuestAdmission) -> tuple[str, list[dict]]:
    who = f"*{escape(answer.name)}* · {escape(answer.list_name)} guest list"
    if answer.result == CheckinResult.ADMITTED:
        text = f":white_check_mark: *Admitted* at {escape(answer.event_name)} — {who}, {answer.party} of {1 + answer.companions}"
    elif answer.result == CheckinResult.ALREADY_ADMITTED:
        by = f" by {escape(answer.by)}" if answer.by else ""
        text = f":x: *Already admitted* at {clock(answer.at, answer.timezone)}{by} — {who}, {answer.party} came in"
    else:
        text = f":x: *Not valid* — {escape(answer.event_name)} was cancelled. {who}"
    return text, [section(text)]
