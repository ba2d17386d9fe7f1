"""Every date a reader may type from the README, the docs, the help texts and the error hints is still ahead.

A date closer than a year fails here, well before a newcomer's first command would.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATE = re.compile(r"(?<![\w/])(20\d\d)-(\d\d)-(\d\d)(?![\w/])")
# Dates that are not examples: Twilio's API version in a URL, SQL's bin origin, and the record of a past bench run.
NOT_EXAMPLES = ("/2010-04-01/", "TIMESTAMPTZ '2000-01-01")
RECORDS = {ROOT / "docs" / "performance.md"}


def _sources() -> list[Path]:
    docs = [ROOT / "README.md", ROOT / "manifest.yml", *sorted((ROOT / "docs").glob("*.md"))]
    code = sorted(p for package in ("bot", "core", "templates") for p in (ROOT / package).rglob("*") if p.is_file()
                  and p.suffix in (".py", ".j2", ".html", ".txt", ".md"))
    return [p for p in docs + code if p not in RECORDS]


def _example_dates() -> list[tuple[str, date]]:
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(marker in line for marker in NOT_EXAMPLES):
                continue
            found += [(f"{path.relative_to(ROOT)}:{number}", date(*map(int, m.groups()))) for m in DATE.finditer(line)]
    return found


def test_the_sources_hold_example_dates_to_check():
    assert len(_example_dates()) > 10


@pytest.mark.parametrize(("where", "when"), _example_dates(), ids=lambda v: str(v))
def test_an_example_date_is_more_than_a_year_ahead(where, when):
    assert when > date.today() + timedelta(days=365), f"{where}: {when} is past or close; move the example ahead"
