"""The project's own errors; one module (web/errors.py) maps them to HTTP."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every error a business function raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Malformed(DomainError):
    code, status = "malformed", 400


class Unauthenticated(DomainError):
    code, status = "unauthenticated", 401


class Forbidden(DomainError):
    code, status = "forbidden", 403


class NotFound(DomainError):
    code, status = "not_found", 404


class Conflict(DomainError):
    code, status = "conflict", 409


class Gone(DomainError):
    code, status = "gone", 410


class StaleVersion(DomainError):
    code, status = "stale_version", 412


class TooLarge(DomainError):
    code, status = "too_large", 413


class UnsupportedMedia(DomainError):
    code, status = "unsupported_media_type", 415


class Invalid(DomainError):
    code, status = "invalid", 422


class Unavailable(DomainError):
    code, status = "unavailable", 503
