"""The files area's people: a salesperson and an archivist, each as API headers."""
from __future__ import annotations

import pytest


@pytest.fixture
def clerk(auth):
    """A salesperson of 销售部; their Bearer headers."""
    auth.user("clerk", ["staff"], department="销售部")
    return auth.token("clerk")


@pytest.fixture
def keeper(auth):
    """The archivist; their Bearer headers."""
    auth.user("keeper", ["archivist"], department="档案室")
    return auth.token("keeper")
