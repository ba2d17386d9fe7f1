"""How a campaign's report reads in Slack."""

from bot.text import Words, escape, slack_template
from core.notices import CampaignReport


def campaign_report(notice: CampaignReport) -> Words:
    return Words(slack_template(
        "campaign_report.md.j2", name=escape(notice.name), slug=notice.slug,
        channel="email" if notice.channel == "email" else "SMS", sent=notice.sent, failed=notice.failed,
        skipped=notice.skipped, in_doubt=notice.in_doubt, reason=escape(notice.reason) if notice.reason else None,
        local=notice.stayed_local,
    ))
