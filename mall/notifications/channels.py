"""Where e-mail and SMS go: SMTP or an outbox folder for e-mail, a provider interface for SMS.

Every provider gets the message's idempotency key: the folders write one file per key and
never overwrite it, and SMTP sends the key as the Message-ID, so a retried delivery whose
first attempt did get out is not a second message.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from flask import current_app

from mall.jobs import resolve

log = logging.getLogger(__name__)


def _file_name(key: str, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key) + suffix


def _write_once(folder: str, name: str, text: str) -> bool:
    """Create the file; False when it exists already (this message went out before)."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    try:
        with open(path / name, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    return True


class Outbox:
    """The embedded e-mail default: each message is an .eml file in OUTBOX_DIR, and a log line."""

    def __init__(self, config):
        self.folder = config["OUTBOX_DIR"]
        self.sender = config["MAIL_FROM"]

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        """Write the message once."""
        message = _message(self.sender, key, to, subject, body)
        if _write_once(self.folder, _file_name(key, ".eml"), message.as_string()):
            log.info("e-mail to %s: %s (outbox %s)", to, subject, self.folder)


class Smtp:
    """E-mail through the SMTP server in MAIL_SERVER."""

    def __init__(self, config):
        self.config = config

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        """Send one message; raises on any SMTP or network error so the delivery is retried."""
        c = self.config
        message = _message(c["MAIL_FROM"], key, to, subject, body)
        with smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=30) as server:
            if c["MAIL_USE_TLS"]:
                server.starttls()
            if c["MAIL_USERNAME"]:
                server.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
            server.send_message(message)


class FileSms:
    """The embedded SMS default: each text is a file in SMS_OUTBOX_DIR, and a log line.

    A real provider implements the same `send(key, to, text)` and passes the key as its
    client reference, which gateways use to drop repeats.
    """

    def __init__(self, config):
        self.folder = config["SMS_OUTBOX_DIR"]

    def send(self, key: str, to: str, text: str) -> None:
        """Write the text once."""
        if _write_once(self.folder, _file_name(key, ".sms"), f"To: {to}\n\n{text}\n"):
            log.info("SMS to %s: %s", to, text)


def _message(sender: str, key: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{_file_name(key, '')}@mall>"
    message.set_content(body)
    return message


def email_sender():
    """The app's e-mail sender: SMTP when MAIL_SERVER is set, else the outbox folder."""
    config = current_app.config
    return Smtp(config) if config.get("MAIL_SERVER") else Outbox(config)


def sms_sender():
    """The app's SMS provider, from SMS_PROVIDER."""
    return resolve(current_app.config["SMS_PROVIDER"])(current_app.config)
