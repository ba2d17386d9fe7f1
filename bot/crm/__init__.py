"""Slack side of the CRM: /contact, /company, /log, thread capture, the timeline shortcut."""
