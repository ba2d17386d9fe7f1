"""The local console: a terminal that talks to the app as Slack would."""
