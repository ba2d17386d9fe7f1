"""Email and SMS campaigns: audiences, messages, scheduling and sending."""
