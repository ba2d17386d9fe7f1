"""Reading an export's rows: a server-side cursor a page at a time, and what an export produced.

Rows come from the cursor (`yield_per`) and go to the file as they arrive, so an event of 100,000
attendees is never held in memory whole; memory stays flat whatever the size.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

PAGE = 2000


@dataclass(frozen=True)
class Export:
    filename: str
    title: str
    rows: int
    size: int


async def stream(session: AsyncSession, query: Select, row: Callable[[object], Sequence[object]]) -> AsyncIterator[Sequence[object]]:
    """The query's rows, each made a CSV row by `row`, a page at a time (Core rows: no ORM on the hot loop)."""
    connection = await session.connection()
    result = await connection.stream(query.execution_options(yield_per=PAGE))
    async for page in result.partitions():
        for record in page:
            yield row(record)
