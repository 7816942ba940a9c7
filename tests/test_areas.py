"""Each area's exported names: every one resolves, to the module's own object, and nothing else does."""
from __future__ import annotations

import importlib
import types

import pytest

from service.areas import public

AREAS = ("accounts", "audit", "backup", "cli", "dashboard", "documents", "files", "followups", "fulltext", "intake",
         "loans", "notices", "privacy", "retention", "scans", "sharing")


@pytest.mark.parametrize("area", AREAS)
def test_every_exported_name_resolves_and_unknown_ones_do_not(area):
    package = importlib.import_module(f"service.{area}")
    assert package.__all__ == sorted(package.__all__) and package.__all__
    for name in package.__all__:
        assert getattr(package, name) is not None, f"service.{area}.{name}"
    with pytest.raises(AttributeError):
        package.NoSuchName  # noqa: B018


def test_a_name_comes_from_its_module_renamed_or_as_the_module_itself():
    all_names, attribute = public("service.loans", {"incidents": ["HEADERS as INCIDENT_HEADERS", "incidents"],
                                                    "service": ["LoanService"]})
    assert all_names == ["INCIDENT_HEADERS", "LoanService", "incidents"]
    from service.loans import incidents
    from service.loans import service
    assert attribute("INCIDENT_HEADERS") is incidents.HEADERS
    assert attribute("LoanService") is service.LoanService
    assert isinstance(attribute("incidents"), types.ModuleType)
    with pytest.raises(AttributeError):
        attribute("HEADERS")  # only under its exported name
