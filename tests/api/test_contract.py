"""The served OpenAPI description keeps every path and shape of the public contract (the project's API.md):
scanner stations, CRM exports and customers' scripts depend on them. The contract is written out here, as the
description must hold it, because a clone of the project need not sit beside the design folder."""
from __future__ import annotations

import pytest

# (method, path, request body properties, query parameters, status, answer properties); `items.` names a list's item
CONTRACT = [
    ("post", "/api/v1/auth/token", {"username", "password"}, set(), "200", {"token", "user"}),
    ("post", "/api/v1/users", {"username", "password", "roles", "department", "display_name"}, set(), "201",
     {"id", "username", "roles"}),
    ("post", "/api/v1/files", {"template", "name", "fields", "classification", "security", "department", "location"},
     set(), "201", {"id", "archive_no", "version"}),
    ("get", "/api/v1/files/{file_id}", set(), set(), "200", {"id", "archive_no", "version", "name", "fields"}),
    ("get", "/api/v1/files", set(), {"name", "archive_no", "customer_type", "stage", "project", "status", "page",
                                     "per_page"}, "200", {"total", "items", "items.id", "items.archive_no"}),
    ("patch", "/api/v1/files/{file_id}", set(), set(), "200", {"version"}),
    ("get", "/api/v1/files/{file_id}/history", set(), set(), "200", {"items", "items.version", "items.actor",
                                                                     "items.at"}),
    ("post", "/api/v1/files/{file_id}/documents", {"file", "doc_type", "title"}, set(), "201",
     {"id", "sha256", "size", "media_type", "ocr_status"}),
    ("get", "/api/v1/documents/{document_id}", set(), set(), "200", {"ocr_status", "pages"}),
    ("get", "/api/v1/documents/{document_id}/content", set(), set(), "200", set()),
    ("get", "/api/v1/documents/{document_id}/text", set(), set(), "200", set()),
    ("get", "/api/v1/search", set(), {"q", "doc_type", "customer_type", "stage", "project", "page", "per_page"},
     "200", {"total", "items", "items.file_id", "items.archive_no", "items.name", "items.document_id",
             "items.doc_type", "items.score", "items.snippet"}),
    ("post", "/api/v1/loans", {"file_id", "kind", "purpose", "days"}, set(), "201", {"id", "status"}),
    ("post", "/api/v1/loans/{loan_id}/approve", set(), set(), "200", {"status"}),
    ("post", "/api/v1/loans/{loan_id}/reject", set(), set(), "200", {"status"}),
    ("post", "/api/v1/loans/{loan_id}/checkout", set(), set(), "200", {"status", "due_at"}),
    ("post", "/api/v1/loans/{loan_id}/renew", {"days"}, set(), "200", {"due_at"}),
    ("post", "/api/v1/loans/{loan_id}/return", {"condition", "note"}, set(), "200", {"status"}),
    ("get", "/api/v1/loans", set(), {"status", "file_id", "borrower", "as_of"}, "200", {"total", "items"}),
    ("post", "/api/v1/retention/policies", {"name", "match", "trigger", "years"}, set(), "201", {"id"}),
    ("get", "/api/v1/retention/due", set(), {"as_of"}, "200", {"total", "items"}),
    ("post", "/api/v1/files/{file_id}/holds", {"reason"}, set(), "201", {"id"}),
    ("delete", "/api/v1/files/{file_id}/holds/{hold_id}", set(), set(), None, set()),
    ("post", "/api/v1/destructions", {"file_ids", "reason"}, set(), "201", {"id", "status"}),
    ("post", "/api/v1/destructions/{batch_id}/approve", set(), set(), "200", {"status"}),
    ("post", "/api/v1/destructions/{batch_id}/execute", set(), set(), "200", {"status"}),
    ("get", "/api/v1/destructions/{batch_id}", set(), set(), "200", {"items"}),
    ("get", "/api/v1/destructions/{batch_id}/certificate", set(), set(), "200", set()),
    ("get", "/api/v1/audit", set(), {"target", "actor", "action"}, "200",
     {"items", "items.at", "items.actor", "items.action", "items.target", "items.details"}),
    ("get", "/api/v1/audit/verify", set(), set(), "200", {"ok", "entries", "first_bad"}),
    ("get", "/healthz", set(), set(), "200", set()),
    ("get", "/readyz", set(), set(), "200", set()),
]
STATUSES = {("patch", "/api/v1/files/{file_id}"): {"412"}, ("post", "/api/v1/auth/token"): {"401"},
            ("post", "/api/v1/loans/{loan_id}/checkout"): {"409"}, ("post", "/api/v1/destructions"): {"409"},
            ("post", "/api/v1/destructions/{batch_id}/approve"): {"403"}, ("get", "/readyz"): {"503"},
            ("post", "/api/v1/files/{file_id}/documents"): {"413", "415"}}
MEDIA = {("get", "/api/v1/documents/{document_id}/text"): "text/plain",
         ("get", "/api/v1/destructions/{batch_id}/certificate"): "application/pdf",
         ("post", "/api/v1/files/{file_id}/documents"): "multipart/form-data",
         ("patch", "/api/v1/files/{file_id}"): "application/merge-patch+json"}


@pytest.fixture
def described(client):
    return client.get("/api/v1/openapi.json").get_json()


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _properties(doc: dict, schema: dict | None, prefix: str = "") -> set[str]:
    """Every property name the schema gives, through references, compositions and a list's items."""
    if not schema:
        return set()
    schema = _resolve(doc, schema)
    names: set[str] = set()
    for part in schema.get("allOf", []) + schema.get("anyOf", []) + schema.get("oneOf", []):
        names |= _properties(doc, part, prefix)
    for name, inner in schema.get("properties", {}).items():
        names.add(prefix + name)
        inner = _resolve(doc, inner)
        if name == "items" and inner.get("type") == "array":
            names |= _properties(doc, inner.get("items"), prefix + "items.")
    return names


@pytest.mark.parametrize(("method", "path", "body", "query", "status", "answer"), CONTRACT,
                         ids=[f"{m.upper()} {p}" for m, p, *_ in CONTRACT])
def test_the_description_keeps_the_contract(described, method, path, body, query, status, answer):
    operation = described["paths"][path][method]
    media = MEDIA.get((method, path), "application/json")
    if body or (method, path) in MEDIA and method != "get":
        content = operation["requestBody"]["content"]
        assert media in content, content.keys()
        assert body <= _properties(described, content[media].get("schema"))
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    assert query <= names
    responses = operation["responses"]
    ok = status or next(code for code in responses if code.startswith("2"))
    assert ok in responses and STATUSES.get((method, path), set()) <= set(responses)
    if method == "get" and (method, path) in MEDIA:
        assert any(kind.startswith(media) for kind in responses[ok]["content"])
    if answer:
        assert answer <= _properties(described, responses[ok]["content"]["application/json"]["schema"])
    errors = [code for code in responses if code[0] in "45" and path.startswith("/api/")]  # /readyz: its state
    for code in errors:
        if "content" in responses[code]:
            assert _resolve(described, responses[code]["content"]["application/json"]["schema"]).get(
                "properties", {}).keys() == {"error"}
