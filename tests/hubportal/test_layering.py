"""Imports flow one way: portal, reports -> certificates -> cohorts -> curriculum / trainees -> hubportal.

An app imports only from apps below it (at any place in a module, a function's own import too), so
that a newcomer can read each one with only what is under it in mind, and no import runs in a circle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEVEL = {"hubportal": 0, "trainees": 1, "curriculum": 1, "cohorts": 2, "certificates": 3, "reports": 4, "portal": 4,
         "dashboard": 4}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in LEVEL:
                found.add((top, node.lineno))
    return found


@pytest.mark.parametrize("app", sorted(LEVEL))
def test_an_app_imports_only_from_apps_below_it(app):
    wrong = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "settings" in path.parts:  # settings name apps as strings in INSTALLED_APPS only
            continue
        for other, line in imported_apps(path):
            if other != app and LEVEL[other] >= LEVEL[app]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {other}")
    assert not wrong, "\n".join(wrong)
