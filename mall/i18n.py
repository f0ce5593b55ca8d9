"""Chinese and English: locale selection, the language switch, merchant content in the viewer's language."""

from __future__ import annotations

from datetime import datetime
from functools import cache as cache_by_code
from itertools import zip_longest
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, session
from flask_babel import get_locale
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

    The user is the API token's holder on an API request (no session sign-in to load then). An API
    request may name its language with `?lang=zh|en`, which comes first: a client can read one
    reply in the other language without changing the holder's saved choice.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    asked = request.args.get("lang")
    if asked in languages and request.path.startswith("/api/"):
        return _locale(asked)
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


def is_english() -> bool:
    """Whether the viewer reads English (the page's or API request's language, or a forced one)."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _value(obj, name: str):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _pick(first, other):
    """The first value unless it is empty (None, "" or blanks), then the other; "" when both are."""
    if isinstance(first, str) and first.strip():
        return first
    if isinstance(other, str) and other.strip():
        return other
    return first if isinstance(first, str) else (other if isinstance(other, str) else "")


def localized(obj, field: str):
    """Merchant content in the viewer's language: `field` holds the Chinese, `field_en` the English.

    Either falls back to the other when empty, so a shop that wrote one language only shows it to
    everyone. `obj` is a model, a dataclass or a dict (a programme document's tier, a message's
    parameters); None gives "". A list field (a tier's perks) falls back item by item.
    """
    if obj is None:
        return ""
    chinese, english = _value(obj, field), _value(obj, f"{field}_en")
    if isinstance(chinese, list | tuple) or isinstance(english, list | tuple):
        english_first = is_english()
        pairs = zip_longest(chinese or (), english or (), fillvalue="")
        return [text for zh, en in pairs if (text := _pick(en, zh) if english_first else _pick(zh, en))]
    return _pick(english, chinese) if is_english() else _pick(chinese, english)


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


def _zone() -> str:
    """The time zone to show times in: the shop's on its pages, the platform's elsewhere."""
    from mall.clock import zone_of

    return zone_of(g.get("tenant") if has_request_context() else None)


def number(value, places: int | None = None) -> str:
    """A count or amount in the viewer's locale: 50000.0 → "50,000"; `places` fixes the decimals."""
    if value is None or value == "":
        return "—"
    if places is None:
        return format_decimal(value, locale=get_locale())
    return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0", locale=get_locale())


def money(value) -> str:
    """Money with two decimals and grouped thousands (the ¥ sign is the template's): 1234.5 → "1,234.50"."""
    from mall.money import round_half_up

    return format_decimal(round_half_up(value), format="#,##0.00", locale=get_locale())


def day(value, zone: str | None = None) -> str:
    """A date in the viewer's words ("2026年12月1日", "Dec 1, 2026"); a datetime counts in `zone`, by default the
    shop's."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        from mall.clock import as_utc

        value = as_utc(value).astimezone(ZoneInfo(zone or _zone())).date()
    return format_date(value, "medium", locale=get_locale())


def when(value, zone: str | None = None) -> str:
    """A moment as the date and the 24-hour time in `zone`, by default the shop's (or the platform's) zone:
    "Dec 1, 2026 15:04"."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):
        return day(value, zone)
    from mall.clock import as_utc

    local, locale = as_utc(value).astimezone(ZoneInfo(zone or _zone())), get_locale()
    return f"{format_date(local.date(), 'medium', locale=locale)} {format_skeleton('Hm', local, locale=locale)}"


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the core's and plugins' catalogues."""
    # One catalogue covers the core and the bundled plugins (babel.cfg extracts both).
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "mall" / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    # `when_in(zone)` names the zone where the page is not the shop's own (the operator reading a shop's figures).
    app.jinja_env.filters.update(localized=localized, number=number, money=money, day=day, when=when, when_in=when)
