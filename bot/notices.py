"""How core's notices read in Slack: the words of each kind, chosen when the outbox sends it.

Each feature words its own notices (bot/<feature>/notices.py, from templates/slack/); the Slack
notifier calls `render` for every message that carries a notice.
"""

from collections.abc import Callable
from typing import Any

from bot.campaigns import notices as campaigns
from bot.digests import notices as digests
from bot.door import notices as door
from bot.sales import notices as sales
from bot.storefront import notices as storefront
from bot.text import Words
from core import notices
from core.digests.notices import Digest

RENDERERS: dict[type[notices.Notice], Callable[[Any], Words]] = {
    notices.SaleAlert: sales.sale_alert,
    notices.PaidWithoutSeats: sales.paid_without_seats,
    notices.PublicSale: storefront.public_sale,
    notices.SoldOut: storefront.sold_out,
    notices.CheckinConflict: door.checkin_conflict,
    notices.DoorStatus: door.door_status,
    notices.CampaignReport: campaigns.campaign_report,
    Digest: digests.digest,
}


def render(notice: notices.Notice) -> Words:
    """The Slack text (and blocks, for the long ones) of a notice."""
    return RENDERERS[type(notice)](notice)
