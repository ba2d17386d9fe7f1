"""GET /: a newcomer who opens the server sees what runs and where to go next."""

import aiohttp


async def test_the_root_page_says_what_runs_its_mode_and_where_to_go(slack):
    async with aiohttp.ClientSession() as http, http.get(f"{slack.base_url}/") as response:
        page = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert "EventOS is running" in page and "mode <code>token</code>" in page and "/eventos help" in page
    assert "no mail server is set" in page and "eventos mail" in page and "docs/console.md" in page
