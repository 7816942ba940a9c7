"""Retention through the API: policies and the dates they give, holds, the due list, the storage lock."""
from __future__ import annotations

import io
from datetime import date
from datetime import datetime
from datetime import timezone

import pytest
from minio.error import S3Error

from service import clock
from tests.support import scans


def retention_of(office, file_id: str, who: str = "keeper") -> dict:
    response = office.get(who, f"/files/{file_id}/retention")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_contract_ended_in_2000_under_a_ten_year_policy_is_due_and_a_hold_takes_it_off(office, services):
    policy = office.policy(years=10, trigger="contract_end")
    old, recent = office.file(ended="2000-06-30"), office.file(ended="2030-01-31")
    state = retention_of(office, old["id"])
    assert state["policy_id"] == policy["id"] and state["trigger_date"] == "2000-06-30"
    assert state["destroy_after"] == "2010-06-30" and state["due"] is True
    assert retention_of(office, recent["id"])["destroy_after"] == "2040-01-31"
    assert office.due() == [old["archive_no"]]
    assert office.due(as_of="2010-06-30") == [] and office.due(as_of="2010-07-01") == [old["archive_no"]]

    held = office.post("auditor", f"/files/{old['id']}/holds",
                       {"reason": "litigation", "note": "（2026）京0105民初123号"})
    assert held.status_code == 201
    assert office.due() == []
    assert retention_of(office, old["id"])["holds"][0]["reason"] == "litigation"
    lifted = office.client.delete(f"/api/v1/files/{old['id']}/holds/{held.get_json()['id']}",
                                  headers=office.h["keeper"], json={"reason": "已结案"})
    assert lifted.status_code == 200 and lifted.get_json()["status"] == "lifted"
    assert office.due() == [old["archive_no"]]
    actions = [e["action"] for e in services.audit.search(target=f"file:{old['id']}")[1]]
    assert "retention.hold_placed" in actions and "retention.hold_lifted" in actions


def test_the_longest_matching_policy_wins_and_a_permanent_one_beats_every_period(office):
    office.policy(years=10, trigger="contract_end", name="一般客户")
    office.policy(years=30, trigger="created", match={"customer_type": "投资"}, name="投资客户")
    office.policy(years=None, trigger="created", match={"doc_types": ["id_copy"]}, name="留存身份证的")
    office.policy(years=5, trigger="closed", match={"template": "enterprise"}, name="企业客户")
    plain = office.file(ended="2000-06-30")
    investor = office.file(ended="2000-06-30", classification={"customer_type": "投资", "project": "JXLT"})
    state = retention_of(office, investor["id"])
    assert state["policy_name"] == "投资客户" and state["destroy_after"] == f"{int(investor['created_at'][:4]) + 30}" \
        + investor["created_at"][4:10]
    assert retention_of(office, plain["id"])["policy_name"] == "一般客户"
    upload = office.client.post(f"/api/v1/files/{plain['id']}/documents", headers=office.h["keeper"],
                                data={"file": (io.BytesIO(scans.contract_page_png()), "id.png"), "doc_type": "id_copy"},
                                content_type="multipart/form-data")
    assert upload.status_code == 201
    state = retention_of(office, plain["id"])
    assert state["kind"] == "permanent" and state["destroy_after"] is None and state["policy_name"] == "留存身份证的"
    assert office.due() == []  # the investor's file waits 30 years from its registration


def test_dates_follow_a_changed_contract_end_date_and_a_retired_policy(office):
    policy = office.policy(years=10)
    f = office.file(ended="2000-06-30")
    patched = office.client.patch(f"/api/v1/files/{f['id']}", headers={**office.h["keeper"], "If-Match": "1"},
                                  json={"fields": {"contract_end_date": "2021-03-01"}})
    assert patched.status_code == 200, patched.get_json()
    assert retention_of(office, f["id"])["destroy_after"] == "2031-03-01"
    assert office.due() == []
    no_end = office.file(ended=None)
    assert retention_of(office, no_end["id"])["kind"] == "pending"  # waits for its contract end date
    assert office.client.delete(f"/api/v1/retention/policies/{policy['id']}",
                                headers=office.h["admin"]).status_code == 200
    assert retention_of(office, f["id"])["kind"] == "none"
    listed = office.get("admin", "/retention/policies?all=1").get_json()["items"]
    assert listed[0]["active"] is False


@pytest.mark.parametrize("body, field", [
    ({"name": "", "trigger": "created", "years": 10}, "name"),
    ({"name": "x", "trigger": "signed", "years": 10}, "trigger"),
    ({"name": "x", "trigger": "created", "years": "10"}, "years"),
    ({"name": "x", "trigger": "created", "years": 0}, "years"),
    ({"name": "x", "trigger": "created"}, "years"),
    ({"name": "x", "trigger": "created", "years": 3, "match": {"colour": "red"}}, "match"),
    ({"name": "x", "trigger": "created", "years": 3, "match": {"stage": "睡眠"}}, "match.stage"),
    ({"name": "x", "trigger": "created", "years": 3, "match": {"doc_types": ["nonsense"]}}, "match.doc_types"),
    ({"name": "x", "trigger": "created", "years": 3, "match": {"template": "nope"}}, "match.template"),
])
def test_a_bad_policy_is_422_naming_the_field_and_stores_nothing(office, services, body, field):
    response = office.post("admin", "/retention/policies", body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert services.db["retention_policies"].count_documents({}) == 0


def test_only_the_admin_defines_or_retires_policies(office, services):
    for who in ("keeper", "boss", "clerk", "auditor"):
        assert office.post(who, "/retention/policies",
                           {"name": "x", "trigger": "created", "years": 3}).status_code == 403
    policy = office.policy()
    assert office.client.delete(f"/api/v1/retention/policies/{policy['id']}",
                                headers=office.h["keeper"]).status_code == 403
    assert office.client.delete("/api/v1/retention/policies/nope", headers=office.h["admin"]).status_code == 404
    assert office.get("admin", "/retention/policies").get_json()["total"] == 1
    assert office.post("admin", "/retention/policies", ["not", "an", "object"]).status_code == 400


def test_bad_holds_are_refused_and_change_nothing(office, services):
    office.policy()
    f = office.file()
    cases = [("keeper", {"reason": "boredom"}, 422), ("keeper", {"reason": "audit", "note": 7}, 422),
             ("clerk", {"reason": "audit"}, 403), ("boss", {"reason": "audit"}, 403)]
    for who, body, status in cases:
        assert office.post(who, f"/files/{f['id']}/holds", body).status_code == status
    assert office.post("keeper", "/files/ffffffffffffffffffffffff/holds", {"reason": "audit"}).status_code == 404
    assert services.db["retention_holds"].count_documents({}) == 0
    hold = office.post("keeper", f"/files/{f['id']}/holds", {"reason": "dispute"}).get_json()
    url = f"/api/v1/files/{f['id']}/holds/{hold['id']}"
    assert office.client.delete(url, headers=office.h["keeper"], json={"reason": ""}).status_code == 422
    assert office.client.delete(url, headers=office.h["clerk"], json={"reason": "x"}).status_code == 403
    other = office.file()
    assert office.client.delete(f"/api/v1/files/{other['id']}/holds/{hold['id']}", headers=office.h["keeper"],
                                json={"reason": "x"}).status_code == 404
    assert office.client.delete(url, headers=office.h["admin"], json={"reason": "和解"}).status_code == 200
    assert office.client.delete(url, headers=office.h["keeper"], json={"reason": "again"}).status_code == 409
    listed = office.get("auditor", "/retention/holds?status=lifted").get_json()
    assert listed["total"] == 1 and listed["items"][0]["lift_reason"] == "和解"
    assert office.get("clerk", "/retention/holds").status_code == 403


def test_a_hold_is_lifted_with_the_reason_in_the_query_and_the_description_leaves_the_body_optional(office):
    office.policy()
    f = office.file()
    hold = office.post("keeper", f"/files/{f['id']}/holds", {"reason": "audit"}).get_json()
    url = f"/api/v1/files/{f['id']}/holds/{hold['id']}"
    assert office.client.delete(url, headers=office.h["keeper"]).status_code == 422  # no reason at all
    lifted = office.client.delete(url, headers=office.h["keeper"], query_string={"reason": "审计完毕"})
    assert lifted.status_code == 200 and lifted.get_json()["lift_reason"] == "审计完毕"
    described = office.client.get("/api/v1/openapi.json").get_json()["paths"][
        "/api/v1/files/{file_id}/holds/{hold_id}"]["delete"]
    assert not described["requestBody"].get("required")
    assert "reason" in [p["name"] for p in described["parameters"] if p["in"] == "query"]


def test_the_due_list_refuses_a_malformed_date_and_people_who_do_not_work_with_retention(office):
    assert office.get("keeper", "/retention/due?as_of=2020-13-01").status_code == 400
    assert office.get("keeper", "/retention/due?as_of=yesterday").status_code == 400
    assert office.get("clerk", "/retention/due").status_code == 403
    for who in ("auditor", "boss", "gm", "admin"):
        assert office.get(who, "/retention/due").status_code == 200


def _versions(services, key: str) -> list:
    bucket = services.objects.bucket("originals")
    return [v for v in services.objects._client.list_objects(bucket, prefix=key, include_version=True)]


def test_deleting_an_original_with_the_minio_client_before_its_destroy_after_date_fails(office, services):
    office.policy(years=10)
    f = office.file(ended="2030-01-31")
    scan = office.scan(f["id"])
    key = services.documents.repo.by_id(scan["id"])["key"]
    minio, bucket = services.objects._client, services.objects.bucket("originals")
    retention = minio.get_object_retention(bucket, key)
    assert retention.mode == "GOVERNANCE"
    assert retention.retain_until_date == datetime(2040, 1, 31, 16, 0, tzinfo=timezone.utc)  # 2040-02-01 00:00 +08
    (version,) = _versions(services, key)
    with pytest.raises(S3Error):
        minio.remove_object(bucket, key, version_id=version.version_id)
    minio.remove_object(bucket, key)  # a plain delete only hides it behind a delete marker
    assert minio.get_object(bucket, key, version_id=version.version_id).read()[:4] == b"\x89PNG"
    assert len(_versions(services, key)) == 2


def test_a_hold_puts_a_legal_hold_on_the_originals_and_lifting_it_releases_them(office, services):
    office.policy(years=10)
    f = office.file(ended="2000-06-30")
    scan = office.scan(f["id"])
    key = services.documents.repo.by_id(scan["id"])["key"]
    minio, bucket = services.objects._client, services.objects.bucket("originals")
    assert minio.get_object_retention(bucket, key) is None  # past due: nothing to wait for
    hold = office.post("keeper", f"/files/{f['id']}/holds", {"reason": "audit"}).get_json()
    assert minio.is_object_legal_hold_enabled(bucket, key)
    second = office.scan(f["id"], buyer="李娜")
    second_key = services.documents.repo.by_id(second["id"])["key"]
    assert minio.is_object_legal_hold_enabled(bucket, second_key)  # uploaded while held
    (version,) = _versions(services, key)
    with pytest.raises(S3Error):
        minio.remove_object(bucket, key, version_id=version.version_id)
    office.client.delete(f"/api/v1/files/{f['id']}/holds/{hold['id']}", headers=office.h["keeper"],
                         json={"reason": "审计完毕"})
    assert not minio.is_object_legal_hold_enabled(bucket, key)


def test_a_policy_change_moves_the_lock_of_originals_already_stored(office, services):
    f = office.file(ended="2030-01-31")
    scan = office.scan(f["id"])
    key = services.documents.repo.by_id(scan["id"])["key"]
    minio, bucket = services.objects._client, services.objects.bucket("originals")
    assert minio.get_object_retention(bucket, key) is None  # no policy yet
    permanent = office.policy(years=None, trigger="created", name="永久")
    assert minio.get_object_retention(bucket, key).retain_until_date.year == 2199
    office.client.delete(f"/api/v1/retention/policies/{permanent['id']}", headers=office.h["admin"])
    office.policy(years=10)
    assert minio.get_object_retention(bucket, key).retain_until_date.date() == date(2040, 1, 31)


def test_an_originals_bucket_made_before_object_lock_leaves_originals_unlocked_and_nothing_fails(office, services):
    office.policy(years=10)
    minio, bucket = services.objects._client, services.objects.bucket("originals")
    minio.remove_bucket(bucket)
    minio.make_bucket(bucket)  # as a deployment older than this feature made it
    services.retention.locks._enabled = None
    f = office.file(ended="2030-01-31")
    office.scan(f["id"])
    assert retention_of(office, f["id"])["destroy_after"] == "2040-01-31"
    assert services.retention.locks.enabled() is False


def test_the_sweeper_purges_every_version_of_an_orphan_but_not_a_locked_original(office, services):
    from datetime import timedelta

    from bson import ObjectId

    from storage.documents import original_key
    office.policy(years=10)
    orphan = original_key(ObjectId())
    services.objects.put_bytes("originals", orphan, b"%PDF-1.4 lost upload")
    services.objects.remove("originals", orphan)  # a delete marker over the version
    f = office.file(ended="2030-01-31")
    locked = services.documents.repo.by_id(office.scan(f["id"])["id"])
    services.db["documents"].delete_one({"_id": locked["_id"]})  # its record lost: an orphan, but locked
    later = clock.now() + timedelta(seconds=services.settings.sweep_grace_seconds + 60)
    report = services.sweeper.run(now=later)
    assert report.removed == [f"originals/{orphan}"], (report.removed, orphan, locked["key"])
    assert list(services.objects.versions("originals", orphan)) == []
    assert [v.key for v in services.objects.versions("originals", locked["key"])] == [locked["key"]]


@pytest.mark.calendar
def test_the_recompute_command_computes_every_file_again_and_last_activity_counts_loans(office, services, settings,
                                                                                          monkeypatch, capsys):
    import json

    from service.cli.commands import main as archive_main
    office.policy(years=3, trigger="last_activity", name="最后活动后三年")
    f = office.file()
    today = services.retention.today()
    three_years_on = date(today.year + 3, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    assert retention_of(office, f["id"])["trigger_date"] == today.isoformat()
    services.db["retention"].delete_many({})
    for name, value in {"ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix}.items():
        monkeypatch.setenv(name, value)
    assert archive_main(["retention-recompute"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["files"] == 1
    state = services.db["retention"].find_one({"_id": f["id"]})
    assert state["policy_name"] == "最后活动后三年" and state["destroy_after"] == three_years_on.isoformat()
    assert archive_main(["destruction-register-verify"]) == 0
