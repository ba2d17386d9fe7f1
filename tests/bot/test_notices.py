"""Every notice core states survives the outbox's JSON and reads in Slack as it did when core wrote the words."""

import json
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import notices as slack_notices
from core import notices
from core.digests.notices import Digest
from core.digests.reports import Averages, CheckinDigest, EventDoors, SalesDigest, Totals
from core.money.amounts import Money

CORE = Path(__file__).resolve().parents[2] / "core"
AT = datetime(2031, 7, 1, 18, 5, 9, tzinfo=UTC)

SAMPLES = [
    notices.SaleAlert(event="Gala <!channel>", products="VIP", quantity=2, amount_cents=5000, currency="EUR",
                      method="bank", buyer=None, email="bea@example.test", reference="EV-ABC123", sold=12, capacity=100),
    notices.PublicSale(event="Gala", products="General admission", quantity=1, total_cents=0, currency="EUR",
                       buyer="Bea B.", reference="EV-ABC124", sold=30, capacity=30, orders=3, seats=4),
    notices.SoldOut(event="Gala", sold=30),
    notices.PaidWithoutSeats(reference="EV-ABC125", email="bea@example.test"),
    notices.CheckinConflict(
        event="Gala", attendee="Bo Berg", ticket_type="VIP", code="T-1", timezone="Europe/Berlin",
        scans=(notices.DoorScan("North door", AT, offline=True), notices.DoorScan(None, AT.replace(minute=6), False)),
    ),
    notices.DoorStatus(event="Gala", admitted=40, sold=120, recent=7, refused=1, at=AT, timezone="Europe/Berlin"),
    notices.CampaignReport(name="Spring news", slug="spring-news", channel="sms", sent=1200, failed=3, skipped=4,
                           in_doubt=0),
    Digest(
        sales=SalesDigest(day=date(2031, 6, 30), currency="EUR", total=Totals(2, 3, 0, (Money(7500, "EUR"),)),
                          previous=Totals(), average=Averages(1.5, 2.0, (Money(21000, "EUR"),)), events=(), fastest=(), upcoming=(), trend=(0, 1, 3)),
        checkins=CheckinDigest(day=date(2031, 6, 30), events=(EventDoors(
            event_id=uuid.UUID(int=1), name="Gala", timezone="Europe/Berlin", admitted=3, admitted_total=3, sold=4,
            duplicates=0, no_shows=None, busiest=(AT, 3), arrivals=(3,),
        ),)),
        currency="EUR", timezone="Europe/Berlin", late=datetime(2031, 7, 1, 7, tzinfo=UTC), so_far=AT,
    ),
]


def stored(notice: notices.Notice) -> notices.Notice:
    """The notice as the outbox gives it back: through JSON text, the way JSONB keeps it."""
    return notices.from_facts(notice.kind, json.loads(json.dumps(notices.to_facts(notice))))


def test_every_kind_of_notice_has_a_sample_and_slack_words():
    assert {type(n) for n in SAMPLES} == set(notices.KINDS.values()) == set(slack_notices.RENDERERS)


@pytest.mark.parametrize("notice", SAMPLES, ids=lambda n: n.kind)
def test_a_notice_reads_the_same_after_the_outbox_stored_it(notice):
    again = stored(notice)
    assert again == notice
    assert slack_notices.render(again) == slack_notices.render(notice)


def test_times_are_shown_in_the_zone_the_notice_names_after_storage():
    status = slack_notices.render(stored(SAMPLES[5])).text
    assert "_Updated 20:05 CEST_" in status
    conflict = slack_notices.render(stored(SAMPLES[4])).text
    assert "• North door at 20:05:09 CEST (scanned offline)" in conflict and "• a door at 20:06:09 CEST" in conflict
    digest = slack_notices.render(stored(SAMPLES[7]))
    shown = json.dumps(digest.blocks, ensure_ascii=False)
    assert "Busiest 15 minutes: 20:05–20:20 CEST, 3 admissions" in shown
    assert "Sent late: this digest was due at 09:00 CEST on Tue 1 Jul" in shown
    assert "today so far (Mon 30 Jun, to 20:05 CEST)" in digest.text


def test_names_people_typed_stay_inert_and_money_is_shown_in_its_currency():
    alert = slack_notices.render(SAMPLES[0]).text
    assert alert.startswith(":admission_tickets: *New sale for Gala &lt;!channel&gt;*: 2 × VIP, *50.00 EUR* by bank transfer")
    assert "bea@example.test · order `EV-ABC123` · 12 of 100 sold so far" in alert


def test_a_notice_that_is_not_registered_is_refused():
    with pytest.raises(ValueError):
        notices.to_facts(notices.DoorScan("North door", AT, offline=False))


def test_core_renders_no_slack_template():
    sources = "\n".join(path.read_text() for path in CORE.rglob("*.py"))
    assert not re.search(r"""["']slack/""", sources)
