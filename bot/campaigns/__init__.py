"""Slack and HTTP side of campaigns: /campaign and the unsubscribe page."""
