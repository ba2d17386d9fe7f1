"""The services a use case may reach: database, clock, settings and the outbound ports."""

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.gateways.factory import build_mailer, build_payments, build_sms
from core.ports import Clock, Mailer, Notifier, PaymentGateway, SmsSender
from core.settings import Settings
from core.time.clock import SystemClock
from core.time.local_time import zone_name
from db.session import Database

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def build_templates() -> Environment:
    """Jinja2 for every text people read at length; HTML and XML templates are autoescaped.

    `zone_name(local)` names the zone of a time shown (CEST, or UTC+03 where the zone has no abbreviation).
    """
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.globals["zone_name"] = zone_name
    return templates


@dataclass
class Services:
    db: Database
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    mailer: Mailer | None = None
    payments: PaymentGateway | None = None
    sms: SmsSender | None = None
    notifier: Notifier | None = None
    templates: Environment = field(default_factory=build_templates)

    def __post_init__(self) -> None:
        if self.mailer is None:
            self.mailer = build_mailer(self.settings)
        if self.payments is None:
            self.payments = build_payments(self.settings)
        if self.sms is None:
            self.sms = build_sms(self.settings)

    async def aclose(self) -> None:
        """Close the connections the outbound gateways keep open (SMTP, Stripe, SMS, Slack); the database stays open."""
        for gateway in (self.mailer, self.payments, self.sms, self.notifier):
            close = getattr(gateway, "aclose", None)
            if close is not None:
                await close()
