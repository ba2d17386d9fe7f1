"""Text people type: names, slugs, and safe markup."""
