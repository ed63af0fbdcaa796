"""Imports go one way, down the layers: common ← store ← loaders ← metrics ← outputs ← ui ← pages, cli ← app.py.

Every import anywhere in a module counts (an import inside a function is still a dependency). The entry points
that only name the top (app.py and `python -m loaders`, whose commands live in cli/) are the exceptions."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"common": 0, "store": 1, "loaders": 2, "metrics": 3, "outputs": 4, "ui": 5, "pages": 6, "cli": 6, "app": 7}
ENTRY_POINTS = {"app.py": {"ui"}, "loaders/__main__.py": {"cli"}}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _modules():
    for package in LAYERS:
        if (ROOT / package).is_dir():
            yield from sorted((ROOT / package).rglob("*.py"))
    yield ROOT / "app.py"


MODULES = [p for p in _modules() if p.exists()]


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_imports_point_down(path):
    rel = path.relative_to(ROOT).as_posix()
    own = rel.split("/")[0].removesuffix(".py")
    allowed_up = ENTRY_POINTS.get(rel, set())
    wrong = [f"line {line}: {own} imports {target}" for line, target in _imports(path)
             if target in LAYERS and target != own and target not in allowed_up and LAYERS[target] >= LAYERS[own]]
    assert not wrong, f"{rel}: " + "; ".join(wrong)


def test_loaders_never_import_metrics():
    for path in (ROOT / "loaders").rglob("*.py"):
        assert "metrics" not in {t for _, t in _imports(path)}, path


def test_the_layers_are_the_folders():
    for package in LAYERS:
        target = ROOT / (package + ".py" if package == "app" else package)
        assert target.exists(), target
