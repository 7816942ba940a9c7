"""A reader that replays a sniffed head, then the stream, and stops an upload once it passes a limit."""
from __future__ import annotations

from typing import BinaryIO

from service.errors import TooLarge
from service.messages import N_


class CappedReader:
    """Reads `head` then `stream`; raises TooLarge (413) as soon as more than `limit` bytes came."""

    def __init__(self, head: bytes, stream: BinaryIO, limit: int, what: str = N_("文件")):
        self._head = head
        self._stream = stream
        self._limit = limit
        self._what = what
        self._seen = 0

    def read(self, n: int = -1) -> bytes:
        """Up to n bytes (all that is left of the head first)."""
        if self._head:
            data, self._head = (self._head, b"") if n < 0 or n >= len(self._head) else \
                (self._head[:n], self._head[n:])
        else:
            data = self._stream.read(n if n >= 0 else self._limit + 1)
        self._seen += len(data)
        if self._seen > self._limit:
            raise TooLarge(N_("%(what)s 超过 %(mb)s MB", what=self._what, mb=self._limit // (1024 * 1024)),
                           {"file": f"max {self._limit} bytes"})
        return data
