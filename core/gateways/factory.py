"""Pick each port's implementation from the settings."""

from core.ports import Mailer, PaymentGateway, SmsSender
from core.settings import Settings


def build_mailer(settings: Settings) -> Mailer:
    from core.gateways.mail import LogMailer

    return LogMailer(settings.eventos_mail_from)


def build_payments(settings: Settings) -> PaymentGateway | None:
    return None


def build_sms(settings: Settings) -> SmsSender | None:
    return None
