"""Phone numbers in E.164, read in the account's country when typed without a `+`."""

from functools import cache
from importlib import resources

import phonenumbers

from core.errors import Invalid


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone → ISO country code, from tzdata's zone.tab."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}


def region_for_timezone(timezone: str | None) -> str | None:
    """The country an IANA zone belongs to (`Europe/Paris` → `FR`), or None."""
    return _zone_countries().get(timezone or "")


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 (`+33612345678`); Invalid when it is not a possible number."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        hint = "" if region else " with its country code"
        raise Invalid(f"`{raw}` is not a phone number; write it{hint} like `+1 415 555 0100`.", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
