"""The loyalty plugin's layout: feature packages, short modules, short views, few top-level modules."""

from __future__ import annotations

import ast
from pathlib import Path

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "loyalty"
TOP_LEVEL = {"__init__.py", "cli.py", "demo.py", "seeds.py", "tick.py", "invariants.py", "keys.py"}
MAX_MODULE_LINES = 400
MAX_VIEW_LINES = 40


def _sources():
    return [p for p in sorted(PLUGIN.rglob("*.py")) if "migrations" not in p.parts]


def _is_route(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(call, ast.Attribute) and call.attr == "route"


def _views(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(map(_is_route, node.decorator_list)):
            # from the first decorator to the last line: what a reader scrolls through
            yield node.name, node.end_lineno - min(d.lineno for d in node.decorator_list) + 1


def test_only_the_plugin_wide_modules_sit_at_the_top():
    assert {p.name for p in PLUGIN.glob("*.py")} <= TOP_LEVEL


def test_features_are_packages():
    features = {p.parent.name for p in PLUGIN.glob("*/__init__.py")}
    assert {"programmes", "members", "points", "wallet", "coupons", "segments", "pushes", "checkout",
            "settlement"} <= features


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PLUGIN)): n for p in _sources()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_view_function_is_over_40_lines():
    long = {f"{p.relative_to(PLUGIN)}:{name}": n for p in _sources()
            for name, n in _views(ast.parse(p.read_text(encoding="utf-8"))) if n > MAX_VIEW_LINES}
    assert long == {}


def test_the_view_check_counts_a_routed_function():
    source = "@bp.route('/x')\n@login_required\ndef page():\n" + "    pass\n" * 41
    assert list(_views(ast.parse(source))) == [("page", 44)]
