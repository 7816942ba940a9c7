"""Fixtures of the document stories: an archivist and a registered file."""
from __future__ import annotations

import pytest

from tests.support.files import individual


@pytest.fixture
def archivist(auth):
    auth.user("keeper", ["archivist"], department="档案室")
    return auth.token("keeper")


@pytest.fixture
def file_id(client, archivist):
    response = client.post("/api/v1/files", headers=archivist, json=individual())
    assert response.status_code == 201
    return response.get_json()["id"]
