"""Each status enum core uses lists exactly the values its column's CHECK constraint allows in the migrated schema."""

import re
from enum import StrEnum

import pytest
from sqlalchemy import CheckConstraint, text

from db import enums
from db.models import Base

# (table, constraint name without the ck_<table>_ prefix, the enum its values come from)
COLUMNS = [
    ("accounts", "status", enums.AccountStatus),
    ("events", "status", enums.EventStatus),
    ("orders", "status", enums.OrderStatus),
    ("orders", "source", enums.OrderSource),
    ("attendees", "status", enums.AttendeeStatus),
    ("tickets", "status", enums.TicketStatus),
    ("payments", "status", enums.PaymentStatus),
    ("check_ins", "result", enums.CheckinResult),
    ("campaigns", "status", enums.CampaignStatus),
    ("campaigns", "channel", enums.Channel),
    ("campaign_recipients", "status", enums.RecipientStatus),
    ("outbox", "status", enums.DeliveryStatus),
    ("ticket_emails", "status", enums.DeliveryStatus),
    ("digest_subscriptions", "kind", enums.DigestKind),
    ("waitlist_entries", "status", enums.WaitlistEntryStatus),
    ("waitlist_offers", "status", enums.WaitlistOfferStatus),
    ("consent_changes", "channel", enums.Channel),
]

_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def test_every_enum_is_checked_on_some_column():
    declared = {value for value in vars(enums).values() if isinstance(value, type) and issubclass(value, StrEnum)}
    assert declared - {StrEnum} == {enum for _, _, enum in COLUMNS}


@pytest.mark.parametrize(("table", "name", "enum"), COLUMNS, ids=lambda v: getattr(v, "__name__", v))
async def test_the_database_allows_exactly_the_enums_values(owner_engine, table, name, enum):
    async with owner_engine.connect() as connection:
        definition = (await connection.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :name AND conrelid = CAST(:table AS regclass)"),
            {"name": f"ck_{table}_{name}", "table": table},
        )).scalar_one()
    assert sorted(_QUOTED.findall(definition)) == sorted(member.value for member in enum)


@pytest.mark.parametrize(("table", "name", "enum"), COLUMNS, ids=lambda v: getattr(v, "__name__", v))
def test_the_models_check_comes_from_the_enum(table, name, enum):
    [check] = [c for c in Base.metadata.tables[table].constraints
               if isinstance(c, CheckConstraint) and c.name == f"ck_{table}_{name}"]
    assert sorted(_QUOTED.findall(str(check.sqltext))) == sorted(member.value for member in enum)


def test_a_member_is_the_string_the_database_stores():
    assert enums.OrderStatus.PAID == "paid" and f"{enums.OrderStatus.PAID}" == "paid"
    assert enums.sql_values(enums.TicketStatus) == "('valid', 'void')"
