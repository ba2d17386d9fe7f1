"""Exports against real PostgreSQL: pages of the server-side cursor chain into one complete CSV."""

import csv
import io
import tempfile
import tracemalloc
from datetime import datetime, timedelta

from sqlalchemy import text

from core.exports import event_exports
from core.exports._csv_file import cell, money
from core.exports.streaming import PAGE
from tests.support import factories

ROWS = 2 * PAGE + 500


async def test_an_export_longer_than_several_pages_has_every_row_once_in_order(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner, timezone="Asia/Tokyo")
    async with services.db.tenant(owner.account_id) as session:
        await session.execute(text(
            "INSERT INTO check_ins (account_id, event_id, result, source, code, scanned_at, created_at) "
            "SELECT :a, :e, 'unknown', 'api', 'CODE-' || lpad(n::text, 6, '0'), "
            "       timestamptz '2027-03-01 10:00+00' + n * interval '1 second', "
            "       timestamptz '2027-03-01 10:00+00' + n * interval '1 second' "
            "FROM generate_series(1, :n) AS n"
        ), {"a": owner.account_id, "e": event.id, "n": ROWS})

    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            export = await event_exports.export_event(services, owner, event=event.slug, what="checkins", out=out)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out.seek(0)
        rows = list(csv.reader(io.StringIO(out.read().decode("utf-8-sig"), newline="")))

    assert export.rows == ROWS == len(rows) - 1
    assert rows[0][0] == "scanned_at (Asia/Tokyo)"
    last = datetime(2027, 3, 1, 19) + timedelta(seconds=ROWS)  # 10:00 UTC is 19:00 in Tokyo
    assert rows[1][0] == "2027-03-01 19:00:01" and rows[-1][0] == last.isoformat(" ")
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
    # A page at a time: far below what holding every row (and the whole file) would take.
    assert peak < 3 * 2**20, peak


def test_cells_neutralise_formulas_but_leave_numbers_and_amounts():
    assert [cell(v) for v in ("=1+1", "+49 30", "-x", "@me", "\tx", "\rx", "plain", "", None)] == [
        "'=1+1", "'+49 30", "'-x", "'@me", "'\tx", "'\rx", "plain", "", "",
    ]
    assert [cell(v) for v in (-3, 2.5, money(-1250, "EUR"), money(3000, "JPY"))] == [-3, 2.5, "-12.50", "3000"]
