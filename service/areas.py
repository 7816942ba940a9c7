"""An area's public names, imported from its modules when first used.

Each area's `__init__` names what other code may use and the module that holds it:

    __all__, __getattr__ = public(__name__, {"service": ["LoanService"], "desk": ["LoanDesk"]})

(`"HEADERS as INCIDENT_HEADERS"` exports a name under another; a module's own name exports the module,
as importing a submodule makes it the package's attribute of that name: so no other name may have it.)

`from service.loans import LoanService` then imports `service.loans.service` at that moment, not
every module of the area: an area whose modules use another area (a destruction removes files from
the search index, whose entries read a retention constant) is not imported whole, in an order that
would matter, whenever one of its names is used.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable


def public(package: str, names: dict[str, list[str]]) -> tuple[list[str], Callable[[str], object]]:
    """The package's `__all__` and its module `__getattr__` (PEP 562) for {module: [names]}."""
    where = {}  # public name: (module, its name there); "HEADERS as INCIDENT_HEADERS" renames
    for module, listed in names.items():
        for entry in listed:
            inner, _, outer = entry.partition(" as ")
            where[outer or inner] = (f"{package}.{module}", inner)

    def attribute(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, inner = where[name]
        module = importlib.import_module(module_name)
        if module_name.endswith(f".{inner}"):
            return module  # the module itself (`from service.followups import rules`), as Python's import has it
        return getattr(module, inner)

    return sorted(where), attribute
