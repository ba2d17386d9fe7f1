"""Pure functions from core results to Block Kit: no database, no client."""
