"""CSV exports uploaded to Slack: `/event export` and `/contact export`."""
