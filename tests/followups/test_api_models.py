"""The follow-ups' API models: what the served description says, and that the service's own checks still answer."""
from __future__ import annotations


def test_a_contact_is_described_with_its_types_and_its_required_parts(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/api/v1/files/{file_id}/contacts"]["post"]["requestBody"]["content"]["application/json"]
    schema = doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"person", "channel", "purpose", "content"}
    assert schema["properties"]["satisfaction"]["maximum"] == 10
    assert schema["properties"]["channel"]["enum"] == ["phone", "sms", "visit", "wechat", "office"]
    assert "default" not in schema["properties"]["satisfaction"]
    assert {p["name"] for p in doc["paths"]["/api/v1/followups"]["get"]["parameters"]} >= {
        "page", "per_page", "bucket", "as_of", "assignee", "team", "file_id"}


def test_a_missing_part_of_a_contact_is_422_and_a_bad_one_still_400(team):
    f = team.file("clerk")
    missing = team.client.post(f"/api/v1/files/{f['id']}/contacts", headers=team.h["clerk"],
                               json={"channel": "phone", "purpose": "回访", "content": "询问"})
    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {"person"}
    wrong = team.record("clerk", f["id"], person=7, satisfaction="7")
    assert wrong.status_code == 400 and set(wrong.get_json()["error"]["fields"]) == {"person", "satisfaction"}


def test_bad_rules_and_resolutions_are_still_400_naming_the_part(team):
    rules = team.get("admin", "/followups/rules").get_json()
    bad = team.client.put("/api/v1/followups/rules", headers=team.h["admin"], json={**rules, "remind_days": "7"})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"remind_days"}
    assert team.get("boss", "/complaints", status="someday").status_code == 400
    assert team.get("boss", "/followups/report", month="2026-1").status_code == 400
