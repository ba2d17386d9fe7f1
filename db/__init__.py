"""The database layer: models, migrations, engines and tenant-scoped sessions."""
