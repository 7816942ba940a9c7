"""The OpenAPI description of the scan import and inbox endpoints."""
from __future__ import annotations

from service.web.documents.openapi import DOCUMENT
from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json

PAGES = {"type": ["array", "null"], "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
ITEM = {"type": "object", "properties": {
    "kind": {"enum": ["document", "inbox", "failed"]}, "pages": PAGES, "file_id": {"type": "string"},
    "archive_no": {"type": "string"}, "doc_type": {"type": "string"}, "document_id": {"type": "string"},
    "inbox_id": {"type": "string"}, "reason": {"type": ["string", "null"]},
    "already": {"type": "boolean", "description": "stored by an earlier import or upload; nothing new was stored"}}}
INPUT = {"type": "object", "properties": {
    "name": {"type": "string"}, "outcome": {"enum": ["filed", "skipped", "failed"]},
    "reason": {"type": ["string", "null"]}, "media_type": {"type": "string"}, "pages": {"type": ["integer", "null"]},
    "items": {"type": "array", "items": ITEM}}}
COUNTS = {"type": "object", "properties": {key: {"type": "integer"} for key in (
    "inputs", "documents", "inbox", "already", "skipped", "failed")}}
IMPORT = {"type": "object", "properties": {
    "id": {"type": "string"}, "status": {"enum": ["queued", "running", "done", "failed"]},
    "source": {"enum": ["zip", "folder"]}, "name": {"type": "string"}, "total": {"type": ["integer", "null"]},
    "done": {"type": "integer"}, "counts": COUNTS, "error": {"type": ["string", "null"]},
    "created_by": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
    "finished_at": {"type": ["string", "null"], "format": "date-time"},
    "summary": {"type": ["array", "null"], "items": INPUT, "description": "per input, once done"}}}
INBOX_ITEM = {"type": "object", "properties": {
    "id": {"type": "string"}, "source_name": {"type": "string"}, "pages": PAGES,
    "page_count": {"type": ["integer", "null"]}, "reason": {"type": "string"}, "media_type": {"type": "string"},
    "size": {"type": "integer"}, "sha256": {"type": "string"}, "import_id": {"type": "string"},
    "state": {"enum": ["open", "assigned", "discarded"]}, "created_at": {"type": "string", "format": "date-time"},
    "file_id": {"type": ["string", "null"]}, "document_id": {"type": ["string", "null"]},
    "discard_reason": {"type": ["string", "null"]}, "decided_by": {"type": ["string", "null"]},
    "decided_at": {"type": ["string", "null"], "format": "date-time"}}}
ITEM_ID = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}]

PATHS: dict = {
    "/api/v1/scan-imports": {"post": {
        "summary": "Upload a zip of scanner output (archivists); filed in the worker by archive numbers in names "
                   "and separator sheets, the rest to the inbox", "security": SECURED,
        "requestBody": {"content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {"202": {"description": "stored; import queued", **_json(IMPORT)},
                      **_errors(400, 401, 403, 413, 415, 503)}}},
    "/api/v1/scan-imports/{import_id}": {"get": {
        "summary": "An import's progress (inputs done / total) and, once done, its summary", "security": SECURED,
        "parameters": [{"name": "import_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "import", **_json(IMPORT)}, **_errors(401, 403, 404)}}},
    "/api/v1/scan-inbox": {"get": {
        "summary": "Scanned pages that belong to no file yet (archivists)", "security": SECURED,
        "parameters": PAGING + [{"name": "state", "in": "query",
                                 "schema": {"enum": ["open", "assigned", "discarded"], "default": "open"}}],
        "responses": {"200": {"description": "page", **_json({"type": "object", "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "items": {"type": "array", "items": INBOX_ITEM}}})}, **_errors(400, 401, 403, 422)}}},
    "/api/v1/scan-inbox/{item_id}/assign": {"post": {
        "summary": "Make an inbox item a document of a file", "security": SECURED, "parameters": ITEM_ID,
        "requestBody": _json({"type": "object", "required": ["doc_type"], "properties": {
            "file_id": {"type": "string"}, "archive_no": {"type": "string", "description": "instead of file_id"},
            "doc_type": {"type": "string"}, "title": {"type": "string"}}}),
        "responses": {"200": {"description": "assigned", **_json({"type": "object", "properties": {
            "item": INBOX_ITEM, "document": DOCUMENT}})},
            **_errors(400, 401, 403, 404, 409, 410, 413, 415, 422, 503)}}},
    "/api/v1/scan-inbox/{item_id}/discard": {"post": {
        "summary": "Discard an inbox item with a reason (audited); its bytes are removed", "security": SECURED,
        "parameters": ITEM_ID,
        "requestBody": _json({"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}),
        "responses": {"200": {"description": "discarded", **_json(INBOX_ITEM)},
                      **_errors(400, 401, 403, 404, 409, 422)}}},
}
