"""The timeline's kinds are named once (db/models/crm.py), and the database and core agree on them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from core.crm import interactions
from core.crm.contacts import upsert_contact
from core.errors import Invalid
from db.models import Interaction
from db.models.crm import HAND_LOGGED_KINDS, INTERACTION_KINDS, LOGGABLE_KINDS, RECORDED_KINDS


def test_each_kind_is_either_logged_by_people_or_recorded_by_eventos_and_named_once():
    assert len(set(INTERACTION_KINDS)) == len(INTERACTION_KINDS)
    assert set(LOGGABLE_KINDS) | set(RECORDED_KINDS) == set(INTERACTION_KINDS)
    assert not set(LOGGABLE_KINDS) & set(RECORDED_KINDS)
    assert set(HAND_LOGGED_KINDS) < set(LOGGABLE_KINDS)


async def test_the_database_takes_every_kind_and_refuses_any_other(services, make_tenant):
    tenant = await make_tenant()
    now = datetime.now(UTC)
    async with services.db.tenant(tenant.account_id) as session:
        contact_id = await upsert_contact(session, tenant.account_id, email="ann@example.com")
        for kind in INTERACTION_KINDS:
            await interactions.record_interaction(
                session, tenant.account_id, contact_id=contact_id, kind=kind, body=kind, occurred_at=now,
            )
    async with services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(func.count()).select_from(Interaction)) == len(INTERACTION_KINDS)
    with pytest.raises(IntegrityError, match="ck_interactions_kind"):
        async with services.db.tenant(tenant.account_id) as session:
            await session.execute(
                insert(Interaction).values(account_id=tenant.account_id, contact_id=contact_id, kind="gossip",
                                           body="Heard a rumour", occurred_at=now)
            )


@pytest.mark.parametrize("kind", RECORDED_KINDS)
async def test_people_cannot_log_what_only_eventos_records(services, make_tenant, kind):
    tenant = await make_tenant()
    with pytest.raises(Invalid):
        await interactions.log_interaction(services, tenant, kind=kind, body="Bought two", email="ann@example.com",
                                           create=True)
