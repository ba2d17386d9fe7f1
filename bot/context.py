"""What the tenancy middleware puts into every listener's context."""

TENANT = "tenant"
SERVICES = "services"
WORKSPACE = "workspace"
SIGNATURE = "slack_signature"  # set by bot.slack_edge on a signed request that replays must not repeat
