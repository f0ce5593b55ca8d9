"""Chinese and English: locale selection, the language switch, and Jinja helpers."""

from __future__ import annotations

from functools import cache as cache_by_code

from babel import Locale
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, session
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from mall.boundary import commits
from mall.config import ROOT
from mall.extensions import babel
from mall.tenants.access import public

bp = Blueprint("i18n", __name__)


def select_locale() -> Locale:
    """Session choice, then the user's saved choice, then the browser's, then Chinese.

    The user is the API token's holder on an API request (no session sign-in to load then).
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("locale")
    if chosen in languages:
        return _locale(chosen)
    user = g.api_user if "api_user" in g else current_user
    if user and getattr(user, "is_authenticated", False) and user.locale in languages:
        return _locale(user.locale)
    return _locale(request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"])


@cache_by_code
def _locale(code: str) -> Locale:
    # One parsed Locale per language: parsing looks for locale data on disk every time.
    return Locale.parse(code)


@bp.route("/lang/<code>", methods=["POST"])
@public
@commits
def switch(code: str):
    """Switch the interface language and return to the page."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    target = request.form.get("next") or "/"
    return redirect(_page_to_show(target if target.startswith("/") and not target.startswith("//") else "/"))


def _page_to_show(target: str) -> str:
    """The page to return to: a form re-shown after a POST has no GET, so go up to the page that holds it."""
    adapter = current_app.url_map.bind("localhost")
    path, _, query = target.partition("?")
    while path not in ("", "/"):
        try:
            adapter.match(path, method="GET")
            return path + (f"?{query}" if query else "")
        except RequestRedirect:
            return target
        except HTTPException:
            path, query = path.rstrip("/").rsplit("/", 1)[0], ""
    return "/"


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the core's and plugins' catalogues."""
    # One catalogue covers the core and the bundled plugins (babel.cfg extracts both).
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "mall" / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
