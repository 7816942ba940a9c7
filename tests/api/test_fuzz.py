"""Schemathesis fuzzes every operation of the served OpenAPI description, in-process over WSGI.

No answer may be a 5xx, and every answer must be one the description documents: its status code, its
content type, its headers and its body's schema. Each operation runs a fixed number of examples drawn from a
fixed seed, valid ones and invalid ones; an operation with ids in its path runs them once more over records
that exist. The examples do not depend on the clock or the machine's speed: no deadline per example, and the
product's clock stands on the `clock` fixture's day.

Each operation is a Hypothesis test over schemathesis's strategy for it, run here in a loop rather than through
`schemathesis.pytest.from_fixture`: that one renames pytest's nodes through an attribute pytest 9.2 no longer has.
"""
from __future__ import annotations

import io

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import seed
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from service import clock as product_clock
from service.accounts import users as users_module
from tests.support import scans
from tests.support.files import individual
from tests.support.followups import contact

CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_headers_conformance,
          schemathesis.checks.response_schema_conformance]
SEED = 20270310
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
OFFICE_ROLES = ["admin", "archivist", "executive", "auditor"]  # together they may attempt every action
PASSWORD = "Correct-Horse-42"


@pytest.fixture
def served_schema(app, clock, monkeypatch):
    """The description as the app serves it, calls going straight to the app."""
    # the fuzzer signs in with made-up names: at Argon2's full cost each try would take half a second
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users_module, "_hasher", cheap)
    monkeypatch.setattr(users_module, "_DUMMY_HASH", cheap.hash("not-a-real-password-for-timing"))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


class Caller:
    """One person's bearer token; a fresh one for the request that revokes its own."""

    def __init__(self, services, username: str, roles: list[str]):
        self.services = services
        self.user = services.users.create(username, PASSWORD, roles, "销售部", username)
        self.headers = self._fresh()

    def _fresh(self) -> dict:
        token, _ = self.services.tokens.issue(self.user, "fuzz")
        return {"Authorization": f"Bearer {token}"}

    def headers_for(self, case) -> dict:
        """The bearer header for this case."""
        if case.method.upper() == "DELETE" and case.path == "/api/v1/auth/token":
            return self._fresh()
        return self.headers


def _created(response) -> str:
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def _complaint(client, headers: dict, file_id: str) -> str:
    """A complaint raised in a contact with the customer: its id."""
    recorded = client.post(f"/api/v1/files/{file_id}/contacts", headers=headers, json=contact(complaint={
        "category": "repair", "description": "卫生间漏水", "department": "工程部",
        "promised_date": product_clock.now().date().isoformat()}))
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    return recorded.get_json()["complaint_id"]


def seed_records(client, office: Caller, services) -> dict:
    """Records of each kind the paths name, made through the API: path parameter -> an id that exists.

    The fuzzer's own account is left out: an admin fuzzing /users/{user_id} with it would lock itself out."""
    h = office.headers
    due = individual(department="销售部", fields={**individual()["fields"], "contract_end_date": "2000-06-30"})
    file_id = _created(client.post("/api/v1/files", headers=h, json=due))
    other_id = _created(client.post("/api/v1/files", headers=h, json=individual(name="李娜", department="销售部")))
    pdf = scans.text_layer_pdf("商品房买卖合同\n买受人：张伟")
    document_id = _created(client.post(f"/api/v1/files/{file_id}/documents", headers=h, data={
        "file": (io.BytesIO(pdf), "合同.pdf"), "doc_type": "purchase_contract", "title": "购房合同"},
        content_type="multipart/form-data"))
    policy_id = _created(client.post("/api/v1/retention/policies", headers=h, json={
        "name": "合同终止后保管", "match": {}, "trigger": "contract_end", "years": 10}))
    return {
        "file_id": other_id, "document_id": document_id, "number": 1, "policy_id": policy_id,
        "correction_id": _created(client.post(f"/api/v1/files/{other_id}/corrections", headers=h, json={
            "changes": {"name": "李娜娜"}, "evidence": "身份证复印件"})),
        "loan_id": _created(client.post("/api/v1/loans", headers=h, json={
            "file_id": other_id, "kind": "physical", "purpose": "签约核对", "days": 7})),
        "hold_id": _created(client.post(f"/api/v1/files/{other_id}/holds", headers=h, json={"reason": "litigation"})),
        "batch_id": _created(client.post("/api/v1/destructions", headers=h, json={
            "file_ids": [file_id], "reason": "保管期满"})),
        "partner_id": _created(client.post("/api/v1/partners", headers=h, json={
            "name": "招商银行朝阳支行", "kind": "bank", "contact": "李经理 010-66668888"})),
        "submission_id": _created(client.post("/api/v1/submissions", headers=h, json={
            "file_id": file_id, "documents": [document_id]})),
        "complaint_id": _complaint(client, h, other_id),
        "user_id": services.users.create("fuzz-other", PASSWORD, ["staff"], "销售部", "fuzz-other").id,
        "key": "individual", "code": "purchase_contract", "stage": "意向",
    }


def fuzz(operation, caller: Caller, mode: GenerationMode, examples: int, path_parameters: dict | None) -> str:
    """Run one operation's examples in one mode: the first failure's report, or ''."""

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    def run(case):
        case.call_and_validate(headers=caller.headers_for(case), checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label
        return ""  # nothing of it can be wrong: no parameters and no body
    except (Exception, BaseExceptionGroup) as exc:  # every operation runs; the failures are reported together
        return f"{operation.label} [{mode.value}{', seeded ids' if path_parameters else ''}]: {exc}"
    return ""


def fuzz_every_operation(schema, caller: Caller, existing: dict, examples: int) -> list[str]:
    """Every operation in both modes, again over existing records if its path has ids: the failures."""
    operations = [result.ok() for result in schema.get_all_operations()]
    described = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    # schemathesis leaves out the operation it read the description from
    assert {operation.label for operation in operations} == described - {"GET /api/v1/openapi.json"}
    failures = []
    for operation in operations:
        names = [parameter.name for parameter in operation.path_parameters]
        runs = [None] + ([{n: existing[n] for n in names if n in existing}] if names else [])
        failures += [fuzz(operation, caller, mode, examples, path_parameters) for path_parameters in runs
                     for mode in MODES]
    return [report for report in failures if report]


def test_every_operation_answers_as_described_to_the_archive_office(served_schema, client, services):
    """Admin, archivist, executive and auditor at once: each endpoint lets them in and does its work."""
    office = Caller(services, "fuzz-office", OFFICE_ROLES)
    existing = seed_records(client, office, services)
    failures = fuzz_every_operation(served_schema, office, existing, examples=3)
    assert not failures, f"{len(failures)} runs failed:\n\n" + "\n\n".join(failures)


def test_every_operation_answers_as_described_to_staff(served_schema, client, services):
    """Staff are refused most of what the office may do; those refusals must be documented too."""
    existing = seed_records(client, Caller(services, "fuzz-office", OFFICE_ROLES), services)
    clerk = Caller(services, "fuzz-clerk", ["staff"])
    failures = fuzz_every_operation(served_schema, clerk, existing, examples=2)
    assert not failures, f"{len(failures)} runs failed:\n\n" + "\n\n".join(failures)
