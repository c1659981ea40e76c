"""Import hygiene: the core never imports Textual (ruff's TID251 says the same at lint time)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted((ROOT / "kiosk").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_core_module_names_textual() -> None:
    assert len(CORE) > 10
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "textual"
        )
        for path in CORE
    }
    assert {path: names for path, names in offenders.items() if names} == {}


COMPOSITION_ROOT = ROOT / "kiosk" / "cli" / "run.py"
"""``kiosk run`` builds the App: the one core module allowed to reach for the UI."""


def test_only_the_run_command_reaches_for_the_ui() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "screens"
        )
        for path in CORE
        if path != COMPOSITION_ROOT
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert "screens.factory" in imported_modules(COMPOSITION_ROOT)
