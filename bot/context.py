"""What the tenancy middleware puts into every listener's context."""

TENANT = "tenant"
SERVICES = "services"
WORKSPACE = "workspace"
