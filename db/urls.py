"""Database URLs for the drivers we use."""

from sqlalchemy.engine import make_url


def async_url(url: str) -> str:
    """The SQLAlchemy asyncpg form of any postgresql:// URL."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    """The same server, another database."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)
