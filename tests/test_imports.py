"""The plugin boundary: the core never imports a plugin, and a plugin uses only the core's public names."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree: ast.AST):
    """(module, name) pairs a module imports; name is None for `import x.y`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def test_the_core_never_imports_a_plugin():
    found = [f"{path.relative_to(ROOT)}: {module}" for path, tree in _modules("mall")
             for module, _ in _imported(tree) if module == "plugins" or module.startswith("plugins.")]
    assert found == []


def test_the_plugin_uses_no_private_core_name():
    found = []
    for path, tree in _modules("plugins"):
        for module, name in _imported(tree):
            if module == "mall" or module.startswith("mall."):
                dotted = f"{module}.{name}" if name else module
                if _private(dotted):
                    found.append(f"{path.relative_to(ROOT)}: {dotted}")
        for node in ast.walk(tree):  # mall.x._y reached through an imported module
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                base = node.value
                parts = []
                while isinstance(base, ast.Attribute):
                    parts.append(base.attr)
                    base = base.value
                if isinstance(base, ast.Name) and base.id == "mall":
                    found.append(f"{path.relative_to(ROOT)}: mall.{'.'.join(reversed(parts))}.{node.attr}")
    assert found == []


def test_the_check_sees_a_private_name():
    tree = ast.parse("from mall.api import _authenticate\nimport mall.api._secret\n")
    assert [_private(f"{m}.{n}" if n else m) for m, n in _imported(tree)] == [True, True]


def test_tenants_live_inside_the_core():
    """Shops, staff roles and access checks are `mall.tenants`: the core uses them everywhere, so a package
    beside it would import the core and be imported by it. No module names a top-level `tenants`."""
    assert not (ROOT / "tenants").exists()
    found = [f"{path.relative_to(ROOT)}: {module}" for top in ("mall", "plugins", "tests")
             for path, tree in _modules(top) for module, _ in _imported(tree)
             if module == "tenants" or module.startswith("tenants.")]
    assert found == []
