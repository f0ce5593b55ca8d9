"""One transaction boundary: page writes commit through `@commits`, and no views/api module commits itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import get_flashed_messages, render_template_string
from werkzeug.exceptions import NotFound

from mall.accounts import operations as accounts
from mall.accounts.models import User
from mall.boundary import commits
from mall.errors import Conflict, FieldErrors
from mall.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def _commit_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit" and ast.unparse(node.func.value).endswith("session")]


def test_no_views_or_api_module_commits():
    found = [f"{path.relative_to(ROOT)}:{line}"
             for folder in ("mall", "plugins", "tenants")
             for path in sorted((ROOT / folder).rglob("*.py")) if path.name in ("views.py", "api.py")
             for line in _commit_calls(path)]
    assert found == []


def test_the_check_sees_a_commit(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("from mall.extensions import db\n\ndef v():\n    db.session.commit()\n")
    assert _commit_calls(sample) == [4]


def test_every_page_that_writes_declares_the_boundary(app):
    """Each page endpoint taking POST is wrapped in @commits (API writes go through @write)."""
    missing = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "commits", False):
            missing.append(rule.endpoint)
    assert missing == []


def _user(name: str) -> User:
    user = accounts.register(f"{name}@example.com", "secret-pass-1", name)
    db.session.flush()
    return user


def _names() -> list[str]:
    db.session.rollback()
    return list(db.session.execute(db.select(User.name).order_by(User.name)).scalars())


def test_a_successful_page_commits(app):
    @commits
    def view():
        _user("kept")
        return "ok"

    with app.test_request_context("/", method="POST"):
        assert view() == "ok"
    assert _names() == ["kept"]


def test_a_reshown_form_rolls_back(app):
    @commits
    def view():
        _user("half-done")
        return render_template_string("form with errors"), 422

    with app.test_request_context("/", method="POST"):
        assert view()[1] == 422
    assert _names() == []


def test_a_refusal_rolls_back_and_goes_back_with_its_message(app):
    @commits(back="orders.detail")
    def view(order_id):
        _user("half-done")
        raise FieldErrors("Please correct the review.", {"rating": ["Give 1 to 5 stars."]})

    with app.test_request_context("/", method="POST"):
        response = view(order_id=7)
        assert response.status_code == 302 and response.location.endswith("/orders/7")
        assert get_flashed_messages() == ["Please correct the review. Give 1 to 5 stars."]
    assert _names() == []


def test_without_a_page_to_go_back_to_the_refusal_is_raised(app):
    @commits
    def view():
        _user("half-done")
        raise Conflict("No.")

    with app.test_request_context("/", method="POST"), pytest.raises(Conflict):
        view()
    assert _names() == []


def test_an_abort_rolls_back(app):
    @commits
    def view():
        _user("half-done")
        raise NotFound()

    with app.test_request_context("/", method="POST"), pytest.raises(NotFound):
        view()
    assert _names() == []


def test_a_constraint_lost_at_commit_is_a_conflict(app):
    _user("taken")
    db.session.commit()

    @commits
    def view():
        db.session.add(User(email="taken@example.com", name="again", password_hash="x", referral_code="AGAIN1"))
        return "ok"

    with app.test_request_context("/", method="POST"), pytest.raises(Conflict):
        view()
    assert _names() == ["taken"]
