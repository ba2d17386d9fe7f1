"""The job engine: work that happens later or must be retried (outbox, ticker)."""
