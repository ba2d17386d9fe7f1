"""Run coroutines at once, none outliving the call that started them."""

import asyncio
from collections.abc import Awaitable, Iterable


async def together(awaitables: Iterable[Awaitable[None]]) -> None:
    """Await all at once, and return (or raise) only once every one has ended, cancelled or not.

    `asyncio.gather` returns at the first failure or cancellation while the others run on: a job
    cancelled at shutdown would then give its claims back while a lane still held a row lock and a
    connection, and a survivor's claim would skip that row. Here a failure lets the others finish
    their work, a cancellation waits for their clean-up, and the first failure is raised after all.
    """
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
