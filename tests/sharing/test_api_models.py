"""External sharing's API models: the served description and the refusals they add."""
from __future__ import annotations

from tests.support.sharing import partner


def test_the_nda_upload_is_described_as_multipart_and_the_share_with_its_link(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    upload = doc["paths"]["/api/v1/partners/{partner_id}/ndas"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert upload["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert set(upload["responses"]) >= {"201", "400", "401", "403", "404", "422"}
    approved = doc["paths"]["/api/v1/shares/{share_id}/approve"]["post"]["responses"]["200"]
    linked = doc["components"]["schemas"][approved["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"link", "token", "status", "expires_at"} <= set(linked["properties"])
    assert "/api/v1/files/{file_id}/reveal" in doc["paths"]  # personal information stays described


def test_an_unknown_filter_value_is_malformed(desk):
    partner(desk)
    assert desk.client.get("/api/v1/shares?status=someday", headers=desk.h["clerk"]).status_code == 400
    assert desk.client.get("/api/v1/partners?kind=pawn", headers=desk.h["keeper"]).status_code == 400
    listed = desk.client.get("/api/v1/partners?kind=bank", headers=desk.h["keeper"])
    assert listed.status_code == 200 and listed.get_json()["total"] == 1
