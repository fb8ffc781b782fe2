"""The package's import layering (docs/architecture.md): no module imports a higher floor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "bessfin"

#: Floor of each sub-package of bessfin (docs/architecture.md). A module may import its own
#: package and any package on a LOWER floor, never one on a higher floor.
FLOORS: dict[str, int] = {
    "common": 0, "markets": 0, "io": 0,
    "dispatch": 1,
    "finance": 2, "supply": 2,
    "deal": 3,
    "studies": 4, "sam": 4,
    "report": 5, "screen": 5,
    "cli": 6,
}


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bessfin" and len(parts) > 1 else None


def imported_packages(path: Path) -> set[str]:
    """bessfin sub-packages a source file imports (top-level and function-level imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {p for p in map(_package, names) if p is not None}
    return found


def violations(root: Path = ROOT) -> list[str]:
    """``module imports package`` for every import of a higher floor."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if len(rel.parts) == 1:  # bessfin/__init__.py: the top face
            continue
        own = rel.parts[0]
        for pkg in sorted(imported_packages(path)):
            if pkg in FLOORS and FLOORS[pkg] > FLOORS[own]:
                bad.append(f"{rel} imports bessfin.{pkg} (floor {FLOORS[pkg]} > {FLOORS[own]})")
    return bad


def test_every_package_has_a_floor():
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert packages == set(FLOORS)


def test_no_module_imports_a_higher_floor():
    assert violations() == []


def test_checker_catches_an_upward_import(tmp_path):
    pkg = tmp_path / "finance"
    pkg.mkdir()
    (pkg / "bad.py").write_text("def f():\n    from bessfin.deal import Deal\n")
    (pkg / "ok.py").write_text("from bessfin.io import PriceData\n")
    assert violations(tmp_path) == ["finance/bad.py imports bessfin.deal (floor 3 > 2)"]


@pytest.mark.parametrize("src", ["import bessfin.report.html", "from bessfin import report"])
def test_both_import_forms_are_seen(tmp_path, src):
    f = tmp_path / "m.py"
    f.write_text(src + "\n")
    assert imported_packages(f) == {"report"}
