"""Every page each role can reach, in Chinese and English, on a laptop and a phone, holds to the one design:
no sideways scrolling, no interface text left in the other language, no bare browser-default control.

The crawl starts at each role's home and follows the links it finds (same origin, no downloads, no sign-out),
a few pages per URL pattern. Every problem on every page is collected and reported at once.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest

from mall.demo import OPERATOR, PASSWORD, load_demo
from mall.extensions import db
from tests.browser import ARTIFACTS, chromium, live_server, requires_browser

pytestmark = [pytest.mark.browser, requires_browser]

#: Problems the crawl knows about, as (URL regex, check, regex on "element: detail"). A listed problem is printed
#: but does not fail the test; none is listed today, and an entry is removed once fixed.
KNOWN_FAILURES: list[tuple[str, str, str]] = []

#: Role → (the demo account, where the crawl starts, the paths it stays under).
ROLES = {
    "visitor": (None, ["/"], ("/",)),
    "shopper": ("alice@mall-demo.cn", ["/", "/orders"], ("/",)),
    "owner": ("owner@fourtier.mall-demo.cn", ["/admin/fourtier/"], ("/admin/fourtier/", "/inbox", "/profile")),
    "support": ("support@fourtier.mall-demo.cn", ["/admin/fourtier/"], ("/admin/fourtier/", "/inbox", "/profile")),
    "operator": (OPERATOR, ["/platform/"], ("/platform/", "/inbox", "/profile")),
}
SCREENS = {1366: {"width": 1366, "height": 900}, 390: {"width": 390, "height": 844}}
LANGS = {"zh": "zh-CN", "en": "en"}
MAX_PAGES = 80  # per role
PER_PATTERN = 2  # pages per URL pattern (digits taken as one)
SHOTS = 40  # screenshots per role, language and width: the first page of each URL pattern
#: Links the crawl never follows: sign-out, language switch, files, downloads, the API.
SKIP = re.compile(r"^/(logout|lang/|static/|media/|api/)|\.(csv|pdf|png|jpe?g|zip|json)(\?|$)"
                  r"|/export|download|format=csv", re.I)

#: Interface ("chrome") elements whose text must be in the page's language.
CHROME = "nav, header, footer, button, label, th, h1, h2, h3, .btn, legend, .tabs a, .side a, .badge"
#: Merchant or user content inside chrome: shown as written, in whatever language it was written.
CONTENT = ".user-content, [data-content]"
#: English words allowed in Chinese chrome: brand and standard abbreviations, units, the language switch.
ALLOWED_EN = {"English", "SKU", "CSV", "API", "VIP", "PLUS", "Plus", "RMB", "CNY", "URL", "ID", "IDs", "SMS",
              "JSON", "kg", "pcs", "EMS", "JPEG", "PNG", "WebP", "RFM"}
#: Chinese allowed in English chrome: the language switch names its language in that language.
ALLOWED_CJK = {"中文"}
#: The controls every page must style, and the computed properties that tell a styled one from a default one.
CONTROLS = "input:not([type=hidden]), select, textarea, button"
STYLE_PROPS = ["border-top-width", "border-top-style", "border-top-color", "border-top-left-radius", "padding-top",
               "padding-left", "background-color", "appearance", "accent-color", "box-shadow", "width", "height"]

#: One script: the page's problems as [check, element, detail] lists.
AUDIT_JS = """([lang, chrome, content, allowed, controls, props]) => {
  const problems = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.getAttribute('name')) s += '[name=' + el.getAttribute('name') + ']';
    if (el.type && el.tagName === 'INPUT') s += '[type=' + el.type + ']';
    if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\\s+/).join('.');
    return s;
  };
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 1) {
    // Name the widest element that sticks out, to say where to look.
    let worst = null, most = 0;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right - window.innerWidth > most && r.width > 0) { most = r.right - window.innerWidth; worst = el; }
    }
    problems.push(['overflow', worst ? describe(worst) : 'html', overflow + 'px']);
  }
  const allow = new Set(allowed);
  const wrong = (text) => {
    if (lang === 'zh') {
      const words = (text.match(/[A-Za-z]{3,}/g) || []).filter(w => !allow.has(w));
      return words.length ? words.join(' ') : null;
    }
    const cjk = (text.match(/[\\u3400-\\u9fff\\uff01-\\uff5e]+/g) || []).filter(w => !allow.has(w));
    return cjk.length ? cjk.join(' ') : null;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !el.closest(chrome) || el.closest(content)) continue;
    if (el.closest('script, style, select, textarea, noscript')) continue;
    const bad = wrong(node.textContent);
    if (bad && !seen.has(el)) {
      seen.add(el);
      problems.push(['language', describe(el), bad + ' ← ' + el.textContent.trim().slice(0, 60)]);
    }
  }
  for (const el of document.querySelectorAll('[placeholder]')) {
    if (el.closest(content)) continue;
    const bad = wrong(el.getAttribute('placeholder'));
    if (bad) problems.push(['language', describe(el) + '@placeholder', bad]);
  }
  for (const sel of document.querySelectorAll('select')) {
    if (sel.closest(content)) continue;
    for (const option of sel.options) {
      if (option.closest(content)) continue;
      const bad = wrong(option.textContent);
      if (bad) { problems.push(['language', describe(sel) + ' option', bad]); break; }
    }
  }
  // A control's browser default: the same element alone in an empty frame, without the page's style sheet.
  const frame = document.createElement('iframe');
  frame.style.cssText = 'position:absolute;left:-9999px;top:0;width:400px;height:300px;border:0';
  document.body.appendChild(frame);
  const blank = frame.contentDocument;
  blank.open(); blank.write('<!doctype html><html><body></body></html>'); blank.close();
  const defaults = {};
  const styleOf = (el) => { const cs = getComputedStyle(el); return props.map(p => cs.getPropertyValue(p)); };
  for (const el of document.querySelectorAll(controls)) {
    if (el.closest('iframe') || !el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || cs.opacity === '0') continue;
    const kind = el.tagName + ':' + (el.type || '');
    if (!(kind in defaults)) {
      const twin = blank.createElement(el.tagName);
      if (el.tagName === 'INPUT') twin.type = el.type;
      if (el.tagName === 'SELECT') twin.appendChild(blank.createElement('option')).textContent = 'x';
      if (el.tagName === 'BUTTON') twin.textContent = el.textContent;
      blank.body.appendChild(twin);
      defaults[kind] = styleOf(twin);
      twin.remove();
    }
    const mine = styleOf(el);
    // Width and height follow the content: they alone do not make a control styled.
    const same = props.every((p, i) => p === 'width' || p === 'height' || mine[i] === defaults[kind][i]);
    if (same) problems.push(['unstyled', describe(el), (el.textContent || el.value || '').trim().slice(0, 40)]);
  }
  frame.remove();
  return problems;
}"""


def _pattern(url: str) -> str:
    """Pages of one kind share a pattern: every number as N, any shop's storefront as one, query values left out."""
    path, _, query = url.partition("?")
    keys = sorted(part.split("=", 1)[0] for part in query.split("&") if part)
    return re.sub(r"\d+", "N", re.sub(r"^/s/[^/]+", "/s/S", path)) + "?" + "&".join(keys)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(#password) button[type=submit]").click()


def _speak(page, base: str, lang: str) -> None:
    """Switch to `lang` with the top bar's language switch (the browser asks for the other language)."""
    page.goto(f"{base}/")
    if page.get_attribute("html", "lang") != LANGS[lang]:
        with page.expect_navigation():
            page.click("[data-test=lang-switch]")
    assert page.get_attribute("html", "lang") == LANGS[lang]


def _links(page, base: str, within: tuple[str, ...]) -> list[str]:
    """The page's same-origin links inside the role's area, as paths with their query."""
    found = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))"):
        if href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        parts = urlsplit(urljoin(page.url, href))
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if SKIP.search(path) or not path.startswith(within):
            continue
        found.append(path)
    return found


def _known(url: str, check: str, problem: str) -> bool:
    return any(re.search(pattern, url) and check == known and re.search(where, problem)
               for pattern, known, where in KNOWN_FAILURES)


class Crawl:
    """One role in one language at one width: visits pages, audits each and keeps the problems."""

    def __init__(self, page, base: str, role: str, lang: str, width: int):
        self.page, self.base, self.role, self.lang, self.width = page, base, role, lang, width
        self.folder = ARTIFACTS / "crawl" / f"{role}-{lang}-{width}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.shots, self.shot = 0, set()

    def visit(self, path: str) -> tuple[list[list[str]], list[str]]:
        """Open one page: its problems (check, element, detail) and, for discovery, its links."""
        response = self.page.goto(self.base + path)
        status = response.status if response else 0
        problems = [["status", "page", str(status)]] if status >= 400 else []
        problems += self.page.evaluate(AUDIT_JS, [self.lang, CHROME, CONTENT, sorted(ALLOWED_EN | ALLOWED_CJK),
                                                  CONTROLS, STYLE_PROPS])
        if self.shots < SHOTS and _pattern(path) not in self.shot:
            self.shots += 1
            self.shot.add(_pattern(path))
            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
            self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name[:80]}.png"), full_page=True)
        return problems, _links(self.page, self.base, ROLES[self.role][2])


def _discover(crawl: Crawl, report, extra: list[str]) -> list[str]:
    """Breadth first from the role's home: every reachable page, a few per URL pattern, audited on the way."""
    starts = ROLES[crawl.role][1] + extra
    queue, seen, per_pattern, visited = deque(starts), set(starts), Counter(), []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if per_pattern[_pattern(path)] >= PER_PATTERN:
            continue
        per_pattern[_pattern(path)] += 1
        problems, links = crawl.visit(path)
        report(crawl, path, problems)
        visited.append(path)
        for link in links:
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return visited


@pytest.fixture
def crawl_data(app):
    """The demo (shops, products, orders, members, coupons, pushes) plus an after-sales request and a cart of Alice's;
    gives pages each role's crawl starts from besides its home."""
    from mall.accounts.models import User
    from mall.aftersales.operations import request_after_sale
    from mall.cart import operations as cart
    from mall.catalog.models import ProductVariant
    from mall.checkout.operations import place_checkout
    from mall.orders.models import Order
    from mall.tenants.models import Tenant

    assert load_demo()
    tenant = db.session.execute(db.select(Tenant).filter_by(slug="fourtier")).scalar_one()
    alice = User.by_email("alice@mall-demo.cn")
    variant_id = db.session.execute(
        db.select(ProductVariant.id).where(ProductVariant.tenant_id == tenant.id, ProductVariant.is_active,
                                           ProductVariant.stock >= 2).order_by(ProductVariant.id)).scalars().first()
    order = place_checkout(alice, [{"variant_id": variant_id, "qty": 2}], {}).orders[0]
    request_after_sale(order, alice, "refund", [{"line_id": order.lines[0].id, "qty": 1}], "damaged")
    cart.add(alice, db.session.get(ProductVariant, variant_id), 2)  # the cart page shows its quantity steppers
    db.session.commit()
    # A received order, whose page has the review form (the newest orders the crawl meets first are not).
    received = db.session.execute(db.select(Order.id).where(Order.user_id == alice.id, Order.completed_at.is_not(None))
                                  .order_by(Order.id)).scalars().first()
    db.session.remove()  # SQLite: end this transaction before the server writes
    return {"shopper": [f"/orders/{received}"]}


# The crawl leaves a page while its pictures still load: the server's thread then drops a file it was sending, and
# the garbage collector reports the unclosed file (the development server's doing, not the app's).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_every_page_keeps_the_design(app, crawl_data):
    """Crawl every role × language × width; report every problem on every page together."""
    failures, known, started = [], [], time.monotonic()

    def report(crawl, path, problems):
        for check, element, detail in problems:
            line = f"{crawl.role}-{crawl.lang}-{crawl.width} {path} [{check}] {element}: {detail}"
            (known if _known(path, check, f"{element}: {detail}") else failures).append(line)

    counts = {}
    with live_server(app) as base, chromium() as browser:
        for role, (email, _starts, _within) in ROLES.items():
            pages, role_started = None, time.monotonic()
            for lang in LANGS:
                for width, viewport in SCREENS.items():
                    with browser.new_context(locale="en-US" if lang == "zh" else "zh-CN", viewport=viewport) as ctx:
                        page = ctx.new_page()
                        if email:
                            _sign_in(page, base, email)
                        _speak(page, base, lang)
                        crawl = Crawl(page, base, role, lang, width)
                        if pages is None:
                            pages = _discover(crawl, report, crawl_data.get(role, []))
                        else:
                            # The other languages and widths see the first page of each pattern the crawl found.
                            firsts = {_pattern(path): path for path in reversed(pages)}
                            for path in pages:
                                if firsts[_pattern(path)] == path:
                                    report(crawl, path, crawl.visit(path)[0])
            counts[role] = len(pages)
            print(f"{role}: {len(pages)} pages in {time.monotonic() - role_started:.0f}s", *pages, sep="\n  ")
    elapsed = time.monotonic() - started
    summary = f"{counts} pages per role in {elapsed:.0f}s; {len(known)} known problems elsewhere"
    (ARTIFACTS / "crawl" / "report.txt").write_text("\n".join([summary, *failures, "known:", *known]) + "\n")
    print(summary, *known, sep="\n")
    assert all(count >= 3 for count in counts.values()), counts
    assert failures == [], summary + "\n" + "\n".join(failures)
