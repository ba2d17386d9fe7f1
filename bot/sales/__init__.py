"""Slack and HTTP side of selling: /sell, /order, ticket pages, the Stripe webhook."""
