"""Structured logs: one JSON object per line (time, level, logger, message, request fields), request ids."""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from datetime import datetime
from datetime import timezone

REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_current_request_id = None  # set by the web layer: a callable returning the current request's id or None


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID if it is a sane token, else a new random one."""
    if header and REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; request fields appear when the record or the request has them."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object on one line."""
        body = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                body[name] = value
        if "request_id" not in body and _current_request_id is not None:
            current = _current_request_id()
            if current:
                body["request_id"] = current
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def set_request_id_source(source) -> None:
    """Tell the formatter how to find the current request's id (the web layer passes its lookup)."""
    global _current_request_id
    _current_request_id = source


def configure(level: int = logging.INFO, stream=None) -> logging.Handler | None:
    """Send the root logger's records to stderr as JSON lines (ARCHIVE_LOG_FORMAT=text keeps plain text)."""
    root = logging.getLogger()
    if os.environ.get("ARCHIVE_LOG_FORMAT", "json") == "text":
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return None
    for handler in root.handlers:
        if isinstance(handler.formatter, JsonFormatter):
            return handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
