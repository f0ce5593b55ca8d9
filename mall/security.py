"""Request-level protection: signing key, bounded ids, text the database can store, headers and proxies."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from mall.extensions import limiter
from mall.validation import MAX_INT

#: NUL and lone UTF-16 surrogates: PostgreSQL text cannot store them, so no input may carry them.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_KEY_FILE = "secret_key"
_MAKE_KEY = ("Production needs a long random signing key, e.g. "
             "MALL_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))').")
#: A signing key shorter than this can be guessed; a generated one (secrets.token_hex(32)) has 64 characters.
MIN_KEY_LENGTH = 32
#: The key earlier versions used when none was set: it is public, so a session signed with it proves nothing.
PUBLIC_DEV_KEY = "dev-only-secret-change-me"


#: Failed sign-ins per client address, whatever the e-mail: shared by the login page and POST /auth/token.
login_address_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], scope="login-address", key_func=get_remote_address,
    methods=["POST"], deduct_when=lambda response: response.status_code in (401, 422))
#: Accounts created per client address: shared by the register page and POST /auth/register.
registration_limit = limiter.shared_limit(
    lambda: current_app.config["REGISTER_RATE_LIMIT"], scope="register", key_func=get_remote_address,
    methods=["POST"], deduct_when=lambda response: response.status_code in (201, 302))
#: Password-reset mails asked for per client address, whatever the e-mail: every ask counts, found or not.
reset_address_limit = limiter.shared_limit(
    lambda: current_app.config["RESET_RATE_LIMIT"], scope="reset-address", key_func=get_remote_address,
    methods=["POST"])


class BoundedInt(IntegerConverter):
    """`<int:…>` in every route: 1 to 2³¹−1, so a larger id is a 404 before it reaches the database.

    The bound is in the pattern itself: a value the pattern refuses matches no rule at all (404 for every
    method), where a refusal after matching would make another method's rule answer 405.
    """

    regex = (r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
             r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])")

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_INT,
                 signed: bool = False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_development(app: Flask) -> bool:
    """A local run: `MALL_ENV=development` (set by `make demo`) or Flask's debug mode."""
    return app.config.get("MALL_ENV") == "development" or app.debug


def configure(app: Flask) -> None:
    """Settle the signing key, cookie flags and proxy handling; refuse to start when production lacks a key."""
    if not app.config.get("SECRET_KEY"):
        if app.testing:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        elif is_development(app):
            app.config["SECRET_KEY"] = _instance_key(Path(app.instance_path))
        else:
            raise RuntimeError(
                f"MALL_SECRET_KEY is not set. {_MAKE_KEY} For a local run set MALL_ENV=development "
                "(as `make demo` does) to keep a generated key in instance/secret_key."
            )
    if not app.testing:
        _refuse_weak_key(app.config["SECRET_KEY"])
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        # Secure cookies need HTTPS; a local demo and the tests serve plain http.
        app.config["SESSION_COOKIE_SECURE"] = not (app.testing or is_development(app))
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    proxies = app.config.get("PROXY_FIX") or 0
    if proxies:
        # Trust X-Forwarded-For/-Proto/-Host from this many proxies, so limits key on the real client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _refuse_weak_key(key: str | bytes) -> None:
    """Stop the start when the signing key is the public old default or too short to resist guessing."""
    if key in (PUBLIC_DEV_KEY, PUBLIC_DEV_KEY.encode()):
        raise RuntimeError(f"MALL_SECRET_KEY is {PUBLIC_DEV_KEY!r}, a value published with the code: anyone could "
                           f"sign sessions with it. {_MAKE_KEY}")
    if len(key) < MIN_KEY_LENGTH:
        raise RuntimeError(f"MALL_SECRET_KEY has {len(key)} characters; a signing key needs at least "
                           f"{MIN_KEY_LENGTH}. {_MAKE_KEY}")


def _instance_key(folder: Path) -> str:
    """The development key kept in instance/secret_key (mode 0600), created once and reused across restarts."""
    target = folder / _KEY_FILE
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".{_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, target)  # atomic: when two processes start at once, the first key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = target.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{target} holds no usable key; delete it to have a new one made.")
    return key


def unstorable_input() -> str | None:
    """The name of the first input (path, query, header, form field or JSON member) the database cannot store."""
    if _UNSTORABLE.search(request.path):
        return "path"
    pairs = [*request.args.items(multi=True), *request.headers.items()]
    uploads = []
    if request.mimetype in _FORM_TYPES:
        pairs += [*request.form.items(multi=True)]
        uploads = list(request.files.items(multi=True))
        pairs += [(name, upload.filename or "") for name, upload in uploads]
    for name, value in pairs:
        if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
            return _printable(name)
    for name, upload in uploads:
        # Any upload may be read as a JSON document (the programme editor takes one whatever its name); other
        # files, such as images, are not JSON and are stored as bytes, where a NUL is harmless.
        content = upload.read()
        upload.seek(0)  # the view reads the file after this check
        if _unstorable_json(content):
            return _printable(name)
    return _unstorable_json(request.get_data(cache=True))


def _printable(name: str) -> str:
    return _UNSTORABLE.sub("\ufffd", name)


def _unstorable_json(raw: bytes) -> str | None:
    """In JSON a NUL or a surrogate can only arrive as a \\u escape; find the member that holds it."""
    if b"\\u" not in raw and b"\\U" not in raw:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None  # the JSON reader answers a malformed body itself
    stack = [("", data)]
    while stack:  # iterative: a deeply nested body must not exhaust the stack
        path, value = stack.pop()
        if isinstance(value, str) and _UNSTORABLE.search(value):
            return _printable(path) or "body"
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(key):
                    return _printable(name)
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


def _refuse_unstorable():
    """Answer 400 before any view or query sees a character the database would reject."""
    name = unstorable_input()
    if name is None:
        return None
    from mall.errors import api_error, is_api_request

    message = _("The request contains a character that is not allowed (such as a NUL byte).")
    if is_api_request():
        return api_error(400, "bad_request", message, {name: [_("Remove the character that is not allowed.")]})
    return render_template("errors/error.html", status=400, message=message), 400


def csp_nonce() -> str:
    """A per-response nonce for the few inline <script> blocks the pages carry."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _content_security_policy() -> str:
    scripts = "'self'" + (f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else "")
    # Inline style attributes draw progress bars; scripts stay strictly same-origin or nonce'd.
    return ("default-src 'self'; script-src " + scripts + "; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:" + _media_origin() + "; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'")


def _media_origin() -> str:
    """Pictures served from another address (MALL_MEDIA_URL on a CDN or object store) may load too."""
    url = current_app.config.get("MEDIA_URL") or ""
    if not url.startswith(("https://", "http://")):
        return ""
    scheme, _, rest = url.partition("://")
    return f" {scheme}://{rest.split('/', 1)[0]}"


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Register the input check (first of every request hook) and the response headers."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unstorable)
    app.after_request(_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
