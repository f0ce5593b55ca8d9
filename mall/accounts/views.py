"""Account pages: register, log in / out, profile, password."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from mall import signals
from mall.accounts import operations
from mall.accounts.forms import (
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from mall.boundary import commits
from mall.errors import FieldErrors
from mall.extensions import limiter
from mall.forms import show_field_errors
from mall.security import login_address_limit, registration_limit, reset_address_limit
from mall.tenants.access import actor, login_required, public

bp = Blueprint("accounts", __name__)
#: Reset mails asked for one e-mail address from one client address.
RESET_PER_EMAIL_LIMIT = "5 per hour"
#: Where a reset link's token waits between opening the link and choosing the password (kept out of the URL).
_RESET_KEY = "reset_token"


def _safe_next(default: str) -> str:
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    # Only same-site relative paths: never redirect to another host.
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _sign_in(user) -> None:
    """Start the user's session in the language they chose last."""
    login_user(user)
    session["locale"] = user.locale or session.get("locale")


def _login_key() -> str:
    return f"{request.remote_addr}:{(request.form.get('email') or '').strip().lower()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
@login_address_limit
@public
@commits
def login():
    """Sign in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user)
            return redirect(_safe_next(url_for("catalog.home")))
        form.form_errors = [_("Wrong e-mail address or password.")]
    return render_template("accounts/login.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/logout", methods=["POST"])
@public
@commits
def logout():
    """Sign out."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
@registration_limit
@public
@commits
def register():
    """Create an account."""
    if current_user.is_authenticated and request.method == "POST":
        # Creating an account would silently swap the one in use: ask to sign out first.
        flash(_("You are signed in; sign out first to create another account."), "info")
        return redirect(url_for("catalog.home"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("ref"):
        form.referral_code.data = request.args["ref"].strip()[:16]  # a friend's share link (/register?ref=CODE)
    if form.validate_on_submit():
        try:
            user = operations.register(form.email.data, form.password.data, form.name.data,
                                       birthday=form.birthday.data, referral_code=form.referral_code.data)
        except FieldErrors as exc:
            # Registration adds nothing until every check passes: the re-shown form has nothing to undo.
            show_field_errors(form, exc)
        else:
            login_user(user)
            flash(_("Welcome, %(name)s!", name=user.name), "success")
            return redirect(url_for("catalog.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
@commits
def profile():
    """Edit name, phone, birthday and marketing consent."""
    user = actor()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.name = form.name.data.strip()
        user.phone = form.phone.data or None
        user.birthday = form.birthday.data
        user.consent_email = form.consent_email.data
        user.consent_sms = form.consent_sms.data
        signals.profile_saved.send(current_app._get_current_object(), user=user)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return _profile_page(user, form, PasswordForm(prefix="pw"), 422 if request.method == "POST" else 200)


def _profile_page(user, form, password_form, status: int):
    return render_template("accounts/profile.html", form=form, password_form=password_form,
                           tokens=operations.tokens_of(user)), status


@bp.route("/account/password", methods=["POST"])
@login_required
@commits
def change_password():
    """Change the password."""
    user = actor()
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            operations.change_password(user, password_form.current_password.data, password_form.new_password.data)
        except FieldErrors as exc:
            show_field_errors(password_form, exc)
        else:
            # This browser stays signed in under the new session version; all others are out.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other sessions and all API tokens are signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(user, ProfileForm(obj=user), password_form, 422)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
@commits(back="accounts.profile")
def revoke_token(token_id: int):
    """Revoke one of the user's API tokens."""
    operations.revoke_token(actor(), token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_PER_EMAIL_LIMIT, methods=["POST"], key_func=_login_key)
@reset_address_limit
@public
@commits
def forgot_password():
    """Ask for a reset link; the answer never tells whether the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data, str(get_locale()))
        flash(_("If an account exists for this address, we have sent a link to choose a new password. "
                "It works for two hours."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/password/reset", methods=["GET", "POST"])
@public
@commits
def reset_password():
    """A mailed link's page: choose a new password, sign out everywhere else and sign in here."""
    if "token" in request.args:
        # The token leaves the address bar, history and any Referer: it waits in the session (bounded).
        session[_RESET_KEY] = request.args["token"][:operations.RESET_TOKEN_MAX + 1]
        return redirect(url_for("accounts.reset_password"))
    token = session.get(_RESET_KEY)
    user = operations.user_for_reset(token)
    if user is None:
        return _dead_link(410 if token or request.method == "POST" else 200)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = operations.reset_password(token, form.password.data)
        except FieldErrors as exc:
            if "token" in exc.fields:
                return _dead_link(410)
            show_field_errors(form, exc)
        else:
            session.pop(_RESET_KEY, None)
            _sign_in(user)
            flash(_("Your new password is set and you are signed in. Other sessions and all API tokens are "
                    "signed out."), "success")
            return redirect(url_for("catalog.home"))
    return render_template("accounts/reset.html", form=form, user=user), 422 if request.method == "POST" else 200


def _dead_link(status: int):
    """An expired, used or garbled link (or none at all): say so and offer a new one."""
    session.pop(_RESET_KEY, None)
    return render_template("accounts/reset_dead.html"), status
