"""GET /: what is running here, in which Slack mode, and where a newcomer goes next."""

from aiohttp import web

from bot.server import SERVICES

MODES = {
    "local": ("the local console workspace (no Slack credentials)",
              "Type slash commands in a terminal with: eventos console. Or connect a real Slack app "
              "(docs/slack-app.md)."),
    "token": ("one Slack workspace, with its bot token", "Open Slack and type /eventos help in any channel."),
    "oauth": ("any Slack workspace that installs it (OAuth)", "Install it in a workspace, then type /eventos help."),
    "socket": ("Slack over Socket Mode", "Open Slack and type /eventos help in any channel."),
}


async def welcome(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    mode = settings.slack_mode
    described, next_step = MODES[mode]
    html = request.app[SERVICES].templates.get_template("web/welcome.html.j2").render(
        mode=mode, described=described, next_step=next_step, install=mode == "oauth",
        mail=bool(settings.smtp_url), payments=bool(settings.stripe_api_key),
    )
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


def register(app: web.Application) -> None:
    app.router.add_get("/", welcome)
