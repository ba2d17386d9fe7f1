"""Slack's mrkdwn is the one markup core writes (channel alerts, digests): text people typed goes in inert."""


def inert(value: object) -> str:
    """`value` as text that shows as typed in mrkdwn: no mentions, links or <!channel> pings."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
