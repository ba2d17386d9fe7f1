"""The database roles request work runs as; none owns anything or can bypass RLS."""

APP_ROLE = "eventos_app"
SYSTEM_ROLE = "eventos_system"
SLACK_ROLE = "eventos_slack"
