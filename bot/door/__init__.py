"""Slack and HTTP side of the door: /checkin, door tokens, the scanner API and page."""
