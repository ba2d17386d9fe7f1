"""How a contact is called: "First Last", else the email. The one rule, for Python and for SQL."""

from sqlalchemy import ColumnElement, func

from db.models import Contact


def full_name(first_name: str | None, last_name: str | None) -> str:
    """The given names joined by a space; empty when the contact has none."""
    return " ".join(part for part in (first_name, last_name) if part)


def display_name(first_name: str | None, last_name: str | None, email: str) -> str:
    """The contact's full name, else its email."""
    return full_name(first_name, last_name) or email


def display_name_sql() -> ColumnElement[str]:
    """`display_name` as SQL over the `contacts` row a query selects from."""
    full = func.concat_ws(" ", func.nullif(Contact.first_name, ""), func.nullif(Contact.last_name, ""))
    return func.coalesce(func.nullif(full, ""), Contact.email)
