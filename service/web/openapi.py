"""The OpenAPI 3.1 description served at /api/v1/openapi.json; grows with every endpoint."""
from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}},
}

PATHS: dict = {
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
    "/readyz": {"get": {"summary": "Readiness of the database and the object store", "responses": {
        "200": {"description": "both answer"},
        "503": {"description": "one is down; the body names it"}}}},
}


def document() -> dict:
    """The whole description."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "客户档案库 API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
