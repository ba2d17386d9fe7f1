"""The database roles request work runs as; both own nothing and cannot bypass RLS."""

APP_ROLE = "eventos_app"
SYSTEM_ROLE = "eventos_system"
