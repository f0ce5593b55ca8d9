"""Account mail sent after commit: the password-reset link."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from mall.accounts.models import User
from mall.accounts.operations import RESET_MAX_AGE, reset_token
from mall.notifications.channels import email_sender
from mall.notifications.delivery import absolute


def send_reset_mail(email: str, nonce: str, locale: str | None) -> bool:
    """Job: mail a reset link to the enabled account with this address; nothing for an unknown or disabled one.

    The key holds the request's nonce, so a retried job does not mail twice, and the link is signed here, after
    the request committed. Returns whether a mail went out.
    """
    user = User.by_email(email)
    if user is None or user.is_disabled:
        return False
    with current_app.test_request_context():
        link = absolute(url_for("accounts.reset_password", token=reset_token(user)))
    languages = current_app.config["LANGUAGES"]
    chosen = user.locale if user.locale in languages else locale if locale in languages else None
    with force_locale(chosen or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Choose a new password")
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.name),
            _("Someone (we hope you) asked to choose a new password for this account. Open this link within "
              "%(hours)d hours to choose it; it works once:", hours=int(RESET_MAX_AGE.total_seconds() // 3600)),
            link,
            _("If you did not ask, ignore this message: your password stays as it is."),
        ])
    email_sender().send(f"password-reset:{user.id}:{nonce}", user.email, subject, body)
    return True
