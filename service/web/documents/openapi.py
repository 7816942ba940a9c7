"""The OpenAPI description of the documents (scans) endpoints."""
from __future__ import annotations

from service.web.openapi_written import FILE_ID
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json
from service.web.openapi_written import _page_of

MEDIA_TYPES = ["application/pdf", "image/jpeg", "image/png", "image/tiff"]  # recognised by content, not by name
DOCUMENT = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "doc_type": {"type": "string"},
    "title": {"type": "string"}, "original_name": {"type": "string"}, "sha256": {"type": "string"},
    "size": {"type": "integer"}, "media_type": {"enum": MEDIA_TYPES},
    "pages": {"type": ["integer", "null"]}, "ocr_status": {"enum": ["pending", "running", "done", "failed"]},
    "ocr_error": {"type": ["string", "null"]}, "ocr_progress": {"type": ["integer", "null"]},
    "search_status": {"enum": ["pending", "indexed"],
                      "description": "indexed once a search finds the document's read pages"},
    "status": {"type": "string"}, "uploaded_by": {"type": "string"},
    "uploaded_at": {"type": "string", "format": "date-time"}}}
DOC_TYPE = {"type": "object", "properties": {
    "code": {"type": "string"}, "label_zh": {"type": "string"}, "label_en": {"type": "string"},
    "active": {"type": "boolean"}, "builtin": {"type": "boolean"}}}
DOCUMENT_ID = [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}]
PAGE = DOCUMENT_ID + [{"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
TEMPLATE_KEY = [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}]
REQUIRED_TYPES = {"type": "object", "properties": {"template": {"type": "string"},
                                                   "types": {"type": "array", "items": {"type": "string"}}}}

PATHS: dict = {
    "/api/v1/files/{file_id}/documents": {
        "post": {"summary": "Add a scan: PDF, JPEG, PNG or TIFF by content; streamed and hashed",
                 "description": "Send doc_type and title before the file part: the file is streamed to storage "
                                "as it arrives (fields after it are still read and checked).",
                 "security": SECURED, "parameters": FILE_ID,
                 "requestBody": {"content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["file"], "properties": {
                         "file": {"type": "string", "format": "binary"}, "doc_type": {"type": "string"},
                         "title": {"type": "string"}}}}}},
                 "responses": {"201": {"description": "stored; OCR queued", **_json(DOCUMENT)},
                               **_errors(400, 401, 404, 409, 410, 413, 415, 422, 503)}},
        "get": {"summary": "The file's documents and the required types it lacks", "security": SECURED,
                "parameters": FILE_ID,
                "responses": {"200": {"description": "documents", **_json({**_page_of(DOCUMENT), "properties": {
                    **_page_of(DOCUMENT)["properties"],
                    "missing_types": {"type": "array", "items": {"type": "string"}}}})}, **_errors(401, 404)}}},
    "/api/v1/documents/{document_id}": {"get": {
        "summary": "A document's metadata and OCR state", "security": SECURED, "parameters": DOCUMENT_ID,
        "responses": {"200": {"description": "document", **_json(DOCUMENT)}, **_errors(401, 404)}}},
    "/api/v1/documents/{document_id}/content": {"get": {
        "summary": "The original bytes (audited)", "security": SECURED, "parameters": DOCUMENT_ID,
        "responses": {"200": {"description": "the original, in the media type its content was recognised as",
                              "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in MEDIA_TYPES}},
                      **_errors(401, 404, 410, 503)}}},
    "/api/v1/documents/{document_id}/text": {"get": {
        "summary": "Recognised or embedded text, pages separated by a form feed (audited)", "security": SECURED,
        "parameters": DOCUMENT_ID,
        "responses": {"200": {"description": "text", "content": {"text/plain": {}}}, **_errors(401, 404, 409, 410)}}},
    "/api/v1/documents/{document_id}/pages/{number}": {"get": {
        "summary": "One page's text and the boxes of its recognised lines", "security": SECURED, "parameters": PAGE,
        "responses": {"200": {"description": "page", **_json({"type": "object", "properties": {
            "number": {"type": "integer"}, "text": {"type": "string"}, "source": {"enum": ["text-layer", "ocr"]},
            "width": {"type": "integer"}, "height": {"type": "integer"},
            "lines": {"type": "array", "items": {"type": "object"}}}})}, **_errors(401, 404)}}},
    "/api/v1/documents/{document_id}/pages/{number}/{kind}": {"get": {
        "summary": "A page image or thumbnail (JPEG); ID and mobile numbers covered by an opaque box for roles "
                   "that see them masked (POST .../reveal with a purpose shows a page uncovered)", "security": SECURED,
        "parameters": PAGE + [{"name": "kind", "in": "path", "required": True,
                               "schema": {"enum": ["image", "thumb"]}}],
        "responses": {"200": {"description": "JPEG", "content": {"image/jpeg": {}}}, **_errors(401, 404)}}},
    "/api/v1/documents/{document_id}/ocr": {"post": {
        "summary": "Run OCR again", "security": SECURED, "parameters": DOCUMENT_ID,
        "responses": {"202": {"description": "queued", **_json(DOCUMENT)}, **_errors(401, 403, 404, 409)}}},
    "/api/v1/doc-types": {"get": {
        "summary": "Document types (?all=1 includes retired ones)", "security": SECURED,
        "responses": {"200": {"description": "types", **_json({"type": "object", "properties": {
            "items": {"type": "array", "items": DOC_TYPE}}})}, **_errors(401)}}},
    "/api/v1/doc-types/{code}": {"put": {
        "summary": "Add or change a document type (admin)", "security": SECURED,
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _json(DOC_TYPE),
        "responses": {"200": {"description": "saved", **_json(DOC_TYPE)}, **_errors(400, 401, 403, 422)}}},
    "/api/v1/templates/{key}/required-doc-types": {
        "get": {"summary": "Document types a file of this template must hold", "security": SECURED,
                "parameters": TEMPLATE_KEY,
                "responses": {"200": {"description": "types", **_json(REQUIRED_TYPES)}, **_errors(401)}},
        "put": {"summary": "Set the required document types (admin)", "security": SECURED,
                "parameters": TEMPLATE_KEY, "requestBody": _json(REQUIRED_TYPES),
                "responses": {"200": {"description": "saved", **_json(REQUIRED_TYPES)},
                              **_errors(400, 401, 403, 422)}}},
}
