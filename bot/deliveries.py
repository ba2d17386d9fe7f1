"""Slack redelivers an event it got no answer to within 3 s (X-Slack-Retry-Num) and now and then
sends one twice: each event_id is processed once.

A retry after `connection_failed` may be the only copy that ever arrives, so retries are never
dropped for being retries: only an event_id already recorded is.
"""

from slack_bolt.response import BoltResponse

from core import deliveries
from core.services import Services


def once_per_event(services: Services):
    """Global middleware, before tenancy: a delivery whose event_id was recorded is acked and dropped."""

    async def skip_seen_events(body: dict, next):
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await deliveries.first_delivery(services, event_id=event_id, team_id=body.get("team_id")):
            return BoltResponse(status=200, body="")
        return await next()

    return skip_seen_events
