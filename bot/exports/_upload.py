"""Slack's external upload flow: ask for an upload URL, stream the file to it, then share it in a channel.

`files_upload_v2` reads the whole file into memory; an export can be large, so the file is streamed
from disk to the upload URL instead (`files.getUploadURLExternal` needs its length up front).
"""

from typing import BinaryIO

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=300)


class UploadRefused(Exception):
    """The upload URL did not take the file."""


async def share_file(
    client: AsyncWebClient, *, channel_id: str, file: BinaryIO, filename: str, title: str, comment: str
) -> str:
    """Upload `file` (from its start) and share it in `channel_id` with `comment`; returns the file id."""
    length = file.seek(0, 2)
    file.seek(0)
    answer = await client.files_getUploadURLExternal(filename=filename, length=length)
    async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as http:
        async with http.post(answer["upload_url"], data=file, headers={"Content-Type": "text/csv"}) as response:
            if response.status != 200:
                raise UploadRefused(f"upload URL answered {response.status}")
    await client.files_completeUploadExternal(
        files=[{"id": answer["file_id"], "title": title}], channel_id=channel_id, initial_comment=comment
    )
    return answer["file_id"]
