"""Simulation pages: "Simulate" from the programme editor, the result and the list in both languages, bad months,
another shop's id and a read-only role."""

from __future__ import annotations

from sqlalchemy import func

from mall import clock
from mall.extensions import db
from mall.tenants.models import StaffRole
from plugins.loyalty.simulations.models import Simulation
from tests.fixtures.factories import PASSWORD
from tests.test_programme_editor import _form
from tests.test_simulations import history  # noqa: F401  (the generated history fixture)


def _sign_in(client, user, lang="en"):
    client.post(f"/lang/{lang}")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_simulate_from_the_editor_then_read_the_result_and_the_list(client, history):  # noqa: F811
    slug, boss = history["shop"].slug, history["boss"]
    _sign_in(client, boss)
    url = f"/admin/{slug}/loyalty/programme"
    page = client.get(url).get_data(as_text=True)
    assert 'value="simulate"' in page and "Past simulations" in page
    data = _form(client, url)
    data["points__earn__points"] = "4"
    with clock.frozen_at(history["end"]):
        bad = client.post(url, data={**data, "action": "simulate", "simulate_months": "25"})
    assert bad.status_code == 422 and "Simulate over 1 to 24 months." in bad.get_data(as_text=True)
    assert db.session.execute(db.select(func.count(Simulation.id))).scalar() == 0
    with clock.frozen_at(history["end"]):
        done = client.post(url, data={**data, "action": "simulate", "simulate_months": "6"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "The simulation is queued." in text
    sim = db.session.execute(db.select(Simulation)).scalar_one()
    assert sim.status == "done" and sim.document["points"]["earn"]["points"] == "4"
    assert f"Simulation #{sim.id}" in text and "Members most affected" in text
    assert 'data-figure="points_issued">14,118<' in text
    listing = client.get(f"/admin/{slug}/loyalty/simulations").get_data(as_text=True)
    assert f"#{sim.id}" in listing
    client.post("/lang/zh")
    zh = client.get(f"/admin/{slug}/loyalty/simulations/{sim.id}")
    assert zh.status_code == 200 and "14,118" in zh.get_data(as_text=True)
    state = client.get(f"/admin/{slug}/loyalty/simulations/{sim.id}.json").json
    assert state == {"id": sim.id, "status": "done", "progress": 100}


def test_the_list_is_empty_at_first_and_ids_stay_in_their_shop(client, history, make_programme):  # noqa: F811
    slug = history["shop"].slug
    _sign_in(client, history["boss"])
    assert "No simulations yet." in client.get(f"/admin/{slug}/loyalty/simulations").get_data(as_text=True)
    with clock.frozen_at(history["end"]):
        history["owner"].post(f"/api/v1/shops/{slug}/programme/simulate",
                              json={"document": history["programme"].document, "months": 3})
    sim_id = db.session.execute(db.select(Simulation.id)).scalar_one()
    stranger = history["make_user"](name="Stranger")
    other = history["make_shop"](owner=stranger)
    make_programme(other, history["programme"].document)
    client.post("/logout")
    _sign_in(client, stranger)
    assert client.get(f"/admin/{other.slug}/loyalty/simulations/{sim_id}").status_code == 404
    assert client.get(f"/admin/{other.slug}/loyalty/simulations/{sim_id}.json").status_code == 404
    assert client.get(f"/admin/{slug}/loyalty/simulations/{sim_id}").status_code == 403
    support = history["make_user"](name="Sue")
    history["add_staff"](history["shop"], support, StaffRole.SUPPORT)
    client.post("/logout")
    _sign_in(client, support)
    assert client.get(f"/admin/{slug}/loyalty/simulations/{sim_id}").status_code == 200
    url = f"/admin/{slug}/loyalty/programme"
    assert 'value="simulate"' not in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={**_form(client, url), "action": "simulate", "simulate_months": "3"})
    assert refused.status_code == 403
    assert db.session.execute(db.select(func.count(Simulation.id))).scalar() == 1
