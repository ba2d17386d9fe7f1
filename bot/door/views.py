"""Views for check-in: a scan's answer, attendee search results with Admit buttons, door tokens."""

import json

from bot.text import clock, context, escape, header, local_time, quoted, section
from core.door.checkins import AttendeeMatch, AttendeeSearch, CheckinAnswer
from core.door.tokens import DoorTokenInfo, EventDoorTokens, IssuedDoorToken
from db.enums import CheckinResult

ADMIT = "checkin.admit"
REVOKE = "door_token.revoke"
KEEP_TOKENS = "door_token.keep"

REASONS = {
    "void": "was voided",
    "refunded": "was refunded",
    "cancelled": "was cancelled",
    "unpaid": "is not paid yet",
}


def _who(answer: CheckinAnswer) -> str:
    if not answer.attendee:
        return ""
    who = f"*{escape(answer.attendee['name'])}*"
    if answer.attendee.get("ticket_type"):
        who += f" · {escape(answer.attendee['ticket_type'])}"
    return who


def checkin_result(answer: CheckinAnswer) -> tuple[str, list[dict]]:
    """One scan's answer: a green tick for admitted, a red cross with the reason otherwise (times in the event's zone)."""
    who = _who(answer)
    event = f" at {escape(answer.event['name'])}" if answer.event else ""
    if answer.result == CheckinResult.ADMITTED:
        text = f":white_check_mark: *Admitted*{event} — {who}"
    elif answer.result == CheckinResult.ALREADY_ADMITTED:
        by = f" by {escape(answer.checked_in_by)}" if answer.checked_in_by else ""
        text = f":x: *Already admitted* at {clock(answer.checked_in_at, answer.event['timezone'])}{by} — {who}"
    elif answer.result == CheckinResult.WRONG_EVENT:
        other = escape(answer.event["name"]) if answer.event else "another event"
        text = f":x: *Wrong event* — this ticket is for {other}. {who}"
    elif answer.result == CheckinResult.NOT_VALID:
        text = f":x: *Not valid* — this ticket {REASONS.get(answer.reason or '', 'is not valid')}. {who}"
    else:
        text = ":x: *Unknown code* — this is not one of our tickets. To search by name: `/checkin EVENT name-or-email`."
    return text, [section(text.strip())]


def _match_line(match: AttendeeMatch, timezone: str) -> str:
    line = f"*{escape(match.name)}* · {escape(match.email)} · {escape(match.ticket_type)}"
    if match.state == "admitted":
        by = f" by {escape(match.admitted_by)}" if match.admitted_by else ""
        line += f"\n:white_check_mark: Checked in at {clock(match.admitted_at, timezone)}{by}"
    elif match.state == "not_valid":
        line += f"\n:no_entry: Ticket {REASONS.get(match.reason or '', 'is not valid')}"
    return line


def attendee_matches(search: AttendeeSearch) -> tuple[str, list[dict]]:
    """Matching attendees, each with an Admit button while their ticket can still be admitted."""
    if not search.matches:
        text = (
            f"Nobody at {escape(search.event_name)} has the email “{quoted(search.query)}” or a name starting "
            "with it; try the first name, or the full email."
        )
        return text, [section(text)]
    text = f"{len(search.matches)} match(es) for “{quoted(search.query)}” at {escape(search.event_name)}"
    blocks = [header(f"Check in · {search.event_name}")]
    for match in search.matches:
        block = section(_match_line(match, search.timezone))
        if match.state == "ready":
            block["accessory"] = {
                "type": "button", "action_id": ADMIT, "value": str(match.ticket_id), "style": "primary",
                "text": {"type": "plain_text", "text": "Admit"},
            }
        blocks.append(block)
    if len(search.matches) >= 10:
        blocks.append(context("Showing the first 10; type more of the name or the full email to narrow it down."))
    return text, blocks


def door_token_issued(issued: IssuedDoorToken, scan_url: str) -> tuple[str, list[dict]]:
    """The new token, shown once, with a link that sets up the scanner page."""
    text = f"Door token “{escape(issued.info.name)}” for {escape(issued.event_name)} (shown once)"
    return text, [
        section(f"*{escape(issued.info.name)}* can now check people in at *{escape(issued.event_name)}*."),
        section(f"```{issued.secret}```"),
        section(f"<{scan_url}#token={issued.secret}|Open the scanner with this token> — or open {scan_url} and paste it."),
        context(
            "This is the only time the token is shown; keep it like a password. "
            f"`/eventos door-token {issued.event_slug} revoke \"{escape(issued.info.name)}\"` turns it off."
        ),
    ]


def _token_line(token: DoorTokenInfo, timezone: str) -> str:
    state = f"revoked {local_time(token.revoked_at, timezone)}" if token.revoked_at else "active"
    used = f"{token.scans} scan(s), last {local_time(token.last_scan_at, timezone)}" if token.scans else "not used yet"
    return f"• *{escape(token.name)}* `{token.short_id}` — {state}; {used}"


def door_token_list(tokens: EventDoorTokens, timezone: str) -> tuple[str, list[dict]]:
    text = f"Door tokens for {escape(tokens.event_name)}"
    if not tokens.tokens:
        line = f"{escape(tokens.event_name)} has no door tokens yet; `/eventos door-token {tokens.event_slug}` makes one."
        return text, [section(line)]
    lines = "\n".join(_token_line(t, timezone) for t in tokens.tokens[:40])
    return text, [section(f"*Door tokens for {escape(tokens.event_name)}*\n{lines}")]


def revoke_step(tokens: EventDoorTokens, which: str) -> tuple[str, list[dict]]:
    """The confirmation of a revoke: which tokens stop working; scanners using them are refused at once."""
    names = ", ".join(f"“{escape(t.name)}” `{t.short_id}`" for t in tokens.tokens)
    text = f"Revoke {names} for {escape(tokens.event_name)}?"
    value = json.dumps({"e": tokens.event_slug, "w": which}, separators=(",", ":"))
    return text, [
        section(f"*{text}*\nScanners using {'it' if len(tokens.tokens) == 1 else 'them'} are refused from then on; "
                "this cannot be undone (make a new token instead)."),
        {
            "type": "actions",
            "block_id": f"door_token_revoke:{tokens.event_slug}",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Revoke"}, "action_id": REVOKE, "value": value,
                 "style": "danger"},
                {"type": "button", "text": {"type": "plain_text", "text": "Keep"}, "action_id": KEEP_TOKENS,
                 "value": tokens.event_slug},
            ],
        },
    ]


def door_tokens_revoked(tokens: EventDoorTokens) -> tuple[str, list[dict]]:
    names = ", ".join(f"“{escape(t.name)}”" for t in tokens.tokens)
    text = f"Revoked {names} for {escape(tokens.event_name)}; scanners using it are refused from now on."
    return text, [section(text)]
