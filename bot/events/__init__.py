"""Slack side of events, venues and ticket types: /event, /venue, /ticket."""
