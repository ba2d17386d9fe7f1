"""Arrange rows a test needs (events, ticket types) through a tenant unit of work, as the app role."""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.context import TenantContext
from core.services import Services
from db.models import Account, Event, Product


async def make_event(
    services: Services, tenant: TenantContext, *, slug: str | None = None, name: str = "Summer Gala",
    capacity: int | None = None, status: str = "published", starts_at: datetime | None = None,
    ends_at: datetime | None = None, timezone: str = "Europe/Berlin", sales_channel: str | None = None,
    created_channel: str | None = None,
) -> Event:
    """An event (published, a week ahead, by default)."""
    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    event = Event(
        account_id=tenant.account_id, slug=slug or f"gala-{secrets.token_hex(3)}", name=name, starts_at=starts_at,
        ends_at=ends_at, timezone=timezone, status=status, capacity=capacity, sales_channel=sales_channel,
        created_channel=created_channel, created_by=tenant.user_id,
    )
    async with services.db.tenant(tenant.account_id) as session:
        session.add(event)
    return event


async def make_product(
    services: Services, tenant: TenantContext, event: Event, *, slug: str = "ga", name: str = "General admission",
    price_cents: int = 2500, currency: str = "EUR", capacity: int | None = None, max_per_order: int = 10,
    sales_start: datetime | None = None, sales_end: datetime | None = None,
) -> Product:
    """A ticket type of `event`."""
    product = Product(
        account_id=tenant.account_id, event_id=event.id, slug=slug, name=name, price_cents=price_cents,
        currency=currency, capacity=capacity, max_per_order=max_per_order, sales_start=sales_start,
        sales_end=sales_end,
    )
    async with services.db.tenant(tenant.account_id) as session:
        session.add(product)
    return product


async def set_account(services: Services, tenant: TenantContext, **values) -> None:
    """Change account settings a test depends on (sales_channel, timezone...), as the tenant may."""
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(update(Account).values(**values))


async def connect_stripe_account(owner_engine, tenant: TenantContext, stripe_account_id: str) -> None:
    """Record the account's Stripe Connect id as the owner: no tenant may change it (column grants, 0012)."""
    async with owner_engine.begin() as connection:
        await connection.execute(
            update(Account).where(Account.id == tenant.account_id).values(stripe_account_id=stripe_account_id)
        )
