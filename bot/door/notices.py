"""How the door's notices read in Slack: the live door status, and a ticket let in twice."""

from zoneinfo import ZoneInfo

from bot.text import Words, escape, slack_template
from core.notices import CheckinConflict, DoorStatus


def checkin_conflict(notice: CheckinConflict) -> Words:
    zone = ZoneInfo(notice.timezone)
    return Words(slack_template(
        "checkin_conflict.md.j2", event_name=escape(notice.event), attendee=escape(notice.attendee),
        ticket_type=escape(notice.ticket_type), code=notice.code,
        scans=[
            {"door": escape(scan.door or "a door"), "at": scan.at.astimezone(zone), "offline": scan.offline}
            for scan in sorted(notice.scans, key=lambda scan: scan.at)
        ],
    ))


def door_status(notice: DoorStatus) -> Words:
    return Words(slack_template(
        "door_status.md.j2", event_name=escape(notice.event), counts=notice,
        at=notice.at.astimezone(ZoneInfo(notice.timezone)),
        share=round(100 * notice.admitted / notice.sold) if notice.sold else None,
    ))
