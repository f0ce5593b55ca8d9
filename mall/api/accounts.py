"""API: register, token, me."""

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from mall.accounts import operations
from mall.accounts.models import ApiToken
from mall.api import bp, load, write
from mall.api.schemas import RegisterSchema, TokenSchema
from mall.api.serializers import iso, user_json
from mall.errors import DomainError
from mall.extensions import limiter
from mall.security import login_address_limit, registration_limit
from mall.tenants.access import actor, login_required, public


@bp.route("/auth/register", methods=["POST"])
@registration_limit
@public
@write
def register():
    """Create an account and return a token."""
    data = load(RegisterSchema())
    user = operations.register(data["email"], data["password"], data["name"], birthday=data["birthday"],
                               referral_code=data["referral_code"])
    token, row = ApiToken.issue_row(user)
    return 201, {"user": user_json(user), "token": token, "expires_at": iso(row.expires_at)}


def _token_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) and isinstance(body.get("email"), str) else ""
    return f"{request.remote_addr}:{email.strip().lower()}"


@bp.route("/auth/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_token_key)
@login_address_limit
@public
@write
def token():
    """Exchange e-mail and password for a bearer token."""
    data = load(TokenSchema())
    user = operations.authenticate(data["email"], data["password"])
    if user is None:
        raise _BadCredentials(_("Wrong e-mail address or password."))
    token, row = ApiToken.issue_row(user)
    return 200, {"token": token, "expires_at": iso(row.expires_at)}


class _BadCredentials(DomainError):
    status = 401
    code = "bad_credentials"


@bp.route("/me")
@login_required
def me():
    """The token's account."""
    user = actor()
    return jsonify({**user_json(user), "birthday": user.birthday.isoformat() if user.birthday else None,
                    "referral_code": user.referral_code, "phone": user.phone,
                    "consent": {"email": user.consent_email, "sms": user.consent_sms},
                    "is_operator": user.is_operator})
