"""HTTP routes other than Slack's: the scanner API and page, ticket pages, webhooks."""
