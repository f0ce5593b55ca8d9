"""The demo's members: who they are, where they live, when they registered and when they buy."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from werkzeug.security import generate_password_hash

from mall.demo import data
from mall.demo.rows import Row

#: (persona, share of members, orders a month when active, engagement 0–1: check-ins, wallet, coupons).
PERSONAS = (("loyal", 0.06, 3.2, 0.9), ("regular", 0.30, 1.0, 0.6), ("occasional", 0.40, 0.32, 0.3),
            ("dormant", 0.24, 0.05, 0.1))
#: How busy each hour of the day is (local time), relative to an average hour.
HOURS = (0.35, 0.15, 0.08, 0.05, 0.05, 0.08, 0.2, 0.45, 0.75, 0.95, 1.05, 1.1, 1.3, 1.15, 1.0, 0.95, 1.0, 1.05,
         1.15, 1.35, 1.7, 1.9, 1.6, 0.9)
#: The most `rate()` gives: the busiest hour of 双11 at the end of the story, on a weekend.
PEAK = 1.25 * 3.5 * 1.15 * max(HOURS)


def plan(story) -> None:
    """Make every member and put their registration in the story (their orders are planned then)."""
    password_hash = _password_hash(story)
    for n in range(1, story.volume.members + 1):
        user = _member(story, n, password_hash)
        story.schedule(user.created_at, register, story, user)


def _password_hash(story) -> str:
    """One hash for every member's password (the demo password), made once: hashing 2,000 times takes minutes."""
    from flask import current_app

    from mall.demo import PASSWORD

    return generate_password_hash(PASSWORD, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _member(story, n: int, password_hash: str) -> Row:
    rng = story.rng
    persona = rng.choices(PERSONAS, weights=[p[1] for p in PERSONAS])[0]
    family = rng.choice(data.FAMILY_NAMES)
    english = rng.random() < 0.1
    name = f"{rng.choice(data.ENGLISH_NAMES)} {family}" if english else family + rng.choice(data.GIVEN_NAMES)
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    has_phone = rng.random() < 0.7
    born = date(rng.randint(1965, 2005), 1, 1) + timedelta(days=rng.randrange(365)) if rng.random() < 0.7 else None
    shops = _favourites(story)
    user = Row(email=f"member{n:04d}@mall-demo.cn", password_hash=password_hash, name=name,
               phone=phone if has_phone else None, birthday=born, consent_email=rng.random() < 0.35,
               consent_sms=has_phone and rng.random() < 0.2, referral_code=f"DM{n:06d}", referred_by_id=None,
               is_operator=False, is_disabled=False, locale="en" if english else rng.choice(("zh", "zh", None)),
               created_at=_registered_at(story), session_version=0)
    user.update(persona=persona[0], rate=persona[2], engagement=min(1.0, max(0.0, rng.gauss(persona[3], 0.1))),
                shops=shops, address=_address(rng, name, phone))
    return user


def _favourites(story) -> list:
    """One to three shops a member buys from, the first most often."""
    rng = story.rng
    shops = list(story.shops)
    chosen = []
    for _ in range(rng.choices((1, 2, 3), weights=(45, 35, 20))[0]):
        shop = rng.choices(shops, weights=[s.spec.weight for s in shops])[0]
        shops.remove(shop)
        chosen.append(shop)
    return chosen


def _registered_at(story) -> datetime:
    """One member in four before the first order shown, the rest during the story, more of them lately."""
    rng = story.rng
    if rng.random() < 0.25:
        moment = story.first + (story.start - story.first) * rng.random()
    else:
        moment = story.start + (story.now - story.start - timedelta(hours=2)) * rng.random() ** 0.8
    return moment.replace(microsecond=0)


def _address(rng, name: str, phone: str) -> dict:
    """A delivery address (the address book's fields); orders keep a snapshot of it."""
    region, city, postcode, districts = rng.choice(data.PLACES)
    street = (f"{rng.choice(data.STREETS)}{rng.randint(1, 999)}号{rng.choice(data.COMPOUNDS)}"
              f"{rng.randint(1, 30)}栋{rng.randint(1, 32)}{rng.randint(1, 6):02d}室")
    return {"name": name, "phone": phone, "region": region, "city": city, "district": rng.choice(districts),
            "street": street, "postcode": postcode, "is_default": True}


def register(at: datetime, story, user: Row) -> None:
    """The account is made: its row, its address, the plugins' part, then its orders are planned."""
    story.rows.add("users", user)
    story.users.append(user)
    address_rows(story, user)
    story.call("registered", user, at)
    for moment in order_times(story, user):
        from mall.demo.purchases import place

        story.schedule(moment, place, story, user)


def address_rows(story, user: Row) -> None:
    """The member's address book: one default address (written once an `addresses` table exists)."""
    story.rows.add("addresses", {**user.address, "user_id": user.id, "created_at": user.created_at})


def rate(story, moment: datetime) -> float:
    """How busy the mall is at a moment, relative to an ordinary hour: growth, 618 and 双11, weekends, the hour."""
    local = moment.astimezone(story.zone)
    growth = 0.75 + 0.5 * max(0.0, (moment - story.start) / (story.now - story.start))
    season = 1.0
    if local.month == 6 and local.day <= 20:
        season = 3.0 if 16 <= local.day <= 18 else 1.5
    elif local.month == 11 and local.day <= 12:
        season = 3.5 if local.day in (10, 11) else 1.7
    elif local.month == 12 and local.day <= 12:
        season = 1.3
    weekend = 1.15 if local.weekday() >= 5 else 1.0
    return growth * season * weekend * HOURS[local.hour]


def order_times(story, user: Row) -> list[datetime]:
    """When the member orders: as many as their persona's rate gives, placed where the mall is busy."""
    rng = story.rng
    begin = max(user.created_at + timedelta(minutes=rng.randint(5, 600)), story.start)
    days = (story.now - begin).total_seconds() / 86400
    if days <= 0:
        return []
    wanted = _poisson(rng, user.rate * days / 30 * 1.15)
    times = []
    while len(times) < wanted:
        moment = begin + (story.now - begin) * rng.random()
        if rng.random() * PEAK <= rate(story, moment):
            times.append(moment.replace(microsecond=0))
    return sorted(times)


def _poisson(rng, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
