"""The tests' own layout: a test module imports builders from tests/support, never another test module
or a conftest, and each area's tests live in that area's folder."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, absolute names as written."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for name in imported_modules(path):
            last = name.rsplit(".", 1)[-1]
            if name.startswith("tests.") and (last == "conftest" or last.startswith("test_")):
                offenders.append(f"{path.relative_to(TESTS)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_the_rule_catches_an_import_of_a_conftest(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text("from tests.conftest import PASSWORD\nfrom tests.support.auth import csrf_from\n")
    assert imported_modules(sample) == ["tests.conftest", "tests.support.auth"]


def test_every_area_of_the_service_has_its_test_folder():
    service = TESTS.parent / "service"
    areas = {p.name for p in service.iterdir() if (p / "__init__.py").exists()} - {"web", "cli", "worker",
                                                                                    "translations"}
    tested_elsewhere = {"notices": "loans"}  # a notice is told in the loan stories that send it
    missing = sorted(area for area in areas if not (TESTS / tested_elsewhere.get(area, area)).is_dir())
    assert not missing, f"areas without a tests/<area>/ folder: {missing}"
