"""Pick each port's implementation from the settings."""

from core.ports import Mailer, PaymentGateway, SmsSender
from core.settings import Settings


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_url:
        from core.gateways.smtp_mailer import SmtpMailer

        return SmtpMailer(settings.smtp_url, settings.eventos_mail_from)
    from core.gateways.mail import LocalMailbox

    return LocalMailbox(settings.eventos_mail_from, settings.eventos_data_dir / "mail")


def build_payments(settings: Settings) -> PaymentGateway | None:
    if not settings.stripe_api_key:
        return None
    from core.gateways.stripe_gateway import StripeGateway

    secret = settings.stripe_webhook_secret.get_secret_value() if settings.stripe_webhook_secret else None
    return StripeGateway(settings.stripe_api_key.get_secret_value(), secret, api_base=settings.stripe_api_base)


def build_sms(settings: Settings) -> SmsSender | None:
    if not (settings.sms_api_url and settings.sms_api_token):
        return None
    from core.gateways.sms import RestSms

    return RestSms(settings.sms_api_url, settings.sms_api_token.get_secret_value())
