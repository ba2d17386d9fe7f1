"""Slack side of digests: /digest."""
