"""/guest: guest lists from Slack, and guest-list names at the door."""
