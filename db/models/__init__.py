"""Every model, so `Base.metadata` is complete once this package is imported."""

from db.models.accounts import ROLES, Account, User
from db.models.base import Base
from db.models.campaigns import Campaign, CampaignRecipient
from db.models.crm import Company, ConsentChange, Contact, ContactThread, Interaction
from db.models.demo import DEMO_KINDS, Demo, DemoRow
from db.models.door import CheckIn, DoorToken
from db.models.events import Event, Product, Venue
from db.models.guestlists import GuestEntry, GuestList
from db.models.messaging import OutboxMessage, SlackDelivery, SlackRequestSignature
from db.models.promos import PromoCode, PromoCodeProduct, TrackedLink
from db.models.reporting import (
    AccountDaySales,
    AccountDaySources,
    AnalyticsWatermark,
    DigestRun,
    DigestSubscription,
    EventAnalytics,
)
from db.models.sales import (
    Attendee,
    Order,
    OrderLine,
    OrderTally,
    Payment,
    ProcessedWebhook,
    ProductSales,
    SaleRush,
    Ticket,
    TicketEmail,
)
from db.models.slack import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE
from db.models.waitlist import WaitlistEntry, WaitlistOffer

__all__ = [
    "BOTS_TABLE", "INSTALLATIONS_TABLE", "OAUTH_STATES_TABLE", "ROLES", "Account", "AccountDaySales", "AccountDaySources", "AnalyticsWatermark", "Attendee", "Base", "Campaign", "CampaignRecipient",
    "CheckIn", "Company", "ConsentChange", "Contact", "ContactThread", "DEMO_KINDS", "Demo", "DemoRow", "DigestRun",
    "DigestSubscription", "DoorToken", "Event", "EventAnalytics", "GuestEntry", "GuestList", "Interaction", "Order",
    "OrderLine", "OrderTally", "OutboxMessage", "Payment", "Product", "ProcessedWebhook", "ProductSales", "PromoCode", "PromoCodeProduct", "SaleRush", "SlackDelivery",
    "SlackRequestSignature", "Ticket", "TicketEmail", "TrackedLink", "User", "Venue",
    "WaitlistEntry", "WaitlistOffer",
]
