"""Sending e-mail over SMTP. Used by background jobs, never inside a request."""

import smtplib
from email.message import EmailMessage
from typing import Any


def mail_configured(settings: dict[str, Any]) -> bool:
    return bool(settings.get("PALABRE_MAIL_SERVER"))


def send_mail(settings: dict[str, Any], to: str, subject: str, body: str) -> None:
    """Send one plain-text e-mail with the configured SMTP server."""
    message = EmailMessage()
    message["From"] = settings["PALABRE_MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(
        settings["PALABRE_MAIL_SERVER"], settings["PALABRE_MAIL_PORT"], timeout=30
    ) as smtp:
        if settings.get("PALABRE_MAIL_USE_TLS"):
            smtp.starttls()
        if settings.get("PALABRE_MAIL_USERNAME"):
            smtp.login(settings["PALABRE_MAIL_USERNAME"], settings["PALABRE_MAIL_PASSWORD"])
        smtp.send_message(message)
