"""Slack side of accounts: /eventos, installation events."""
