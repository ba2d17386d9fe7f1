"""Helpers for migrations that read or write rows, not only the schema.

Tenant tables FORCE row-level security, so their owner sees no row of them: a superuser owner
bypasses that, but a managed database's owner (Supabase, RDS, Cloud SQL) is no superuser, and a
data migration run as it would read nothing and write nothing, silently.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def every_row_visible(*tables: str) -> Iterator[None]:
    """Let the owner read and write every account's rows of `tables` inside the migration.

    ALTER TABLE is transactional and takes an ACCESS EXCLUSIVE lock: no other session sees the
    tables un-forced, and a failure rolls back to FORCEd with the rest of the migration.
    """
    for table in tables:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    yield
    for table in tables:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
