"""One direction of dependencies, read from the source with ``ast`` (every import, also one inside
a function): ``data`` never imports ``metrics``, streamlit, ``pages`` or ``ui``; ``metrics``
imports only ``data.schema``, ``data.texts`` and ``data.errors`` of the data layer, never
streamlit, ``pages`` or ``ui``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI = ("streamlit", "pages", "ui")
METRICS_MAY_USE = {"data", "data.schema", "data.texts", "data.errors"}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file; ``from data import texts`` gives data.texts."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _under(module: str, packages: tuple[str, ...] | list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def wrong_way(package: str, module: str) -> bool:
    """True when ``package`` (data or metrics) may not import ``module``."""
    if package == "data":
        return _under(module, ("metrics", *UI))
    if _under(module, UI):
        return True
    if _under(module, ("data",)):
        # ``from data import texts`` yields both data and data.texts; data.x.y is checked as data.x.
        parts = module.split(".")
        return ".".join(parts[:2]) not in METRICS_MAY_USE
    return False


def violations(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        reported: set[tuple[int, str]] = set()
        for line, module in imports(path):
            if wrong_way(package, module) and (line, module.rsplit(".", 1)[0]) not in reported:
                reported.add((line, module))
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", ["data", "metrics"])
def test_no_wrong_way_import(package):
    assert violations(package) == []


def test_the_check_sees_wrong_way_imports(tmp_path):
    """The rules themselves: each forbidden import is caught, the allowed ones pass, and an import
    inside a function counts."""
    assert wrong_way("data", "metrics.catalogue") and wrong_way("data", "streamlit")
    assert wrong_way("data", "ui.charts") and wrong_way("data", "pages.common")
    assert not wrong_way("data", "data.schema") and not wrong_way("data", "pandas")
    assert wrong_way("metrics", "data.store") and wrong_way("metrics", "data.settings")
    assert wrong_way("metrics", "streamlit") and wrong_way("metrics", "ui")
    assert not any(wrong_way("metrics", m) for m in ("data", "data.schema", "data.texts", "data.errors",
                                                      "metrics.frames", "numpy"))
    sample = tmp_path / "sample.py"
    sample.write_text("from data import texts, store\n\ndef f():\n    import streamlit as st\n", encoding="utf-8")
    found = imports(sample)
    assert (1, "data.store") in found and (4, "streamlit") in found
    assert [m for _, m in found if wrong_way("metrics", m)] == ["data.store", "streamlit"]
