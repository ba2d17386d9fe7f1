"""How a campaign's report reads in Slack."""

from bot.errors import slack_words
from bot.text import Words, escape, slack_template
from core.errors import Next
from core.notices import CampaignReport
from db.enums import Channel


def campaign_report(notice: CampaignReport) -> Words:
    return Words(slack_template(
        "campaign_report.md.j2", name=escape(notice.name), slug=notice.slug,
        channel="email" if notice.channel == Channel.EMAIL else "SMS", sent=notice.sent, failed=notice.failed,
        skipped=notice.skipped, in_doubt=notice.in_doubt, reason=escape(_reason(notice)) if notice.reason else None,
        local=notice.stayed_local,
    ))


def _reason(notice: CampaignReport) -> str:
    step = Next.to(notice.step, **notice.step_args or {}) if notice.step else None
    return slack_words(notice.reason or "", step)
