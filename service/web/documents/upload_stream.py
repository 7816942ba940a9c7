"""A multipart/form-data body read as it arrives, so that a large upload goes on to storage without
first being parsed into a temporary file.

The fields sent before the file are known when its part starts; the file is a stream whose read(n)
returns n bytes until its end, as a file's does. Fields sent after the file (the small rest of the
body) are read the moment the file ends, before its last read returns, and handed to a callback
that may still refuse them while the upload can be undone.
"""
from __future__ import annotations

import io
import logging
from contextlib import contextmanager
from typing import BinaryIO
from typing import Callable
from typing import Iterator

from flask import Request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.multipart import Data
from werkzeug.sansio.multipart import Epilogue
from werkzeug.sansio.multipart import Event
from werkzeug.sansio.multipart import Field
from werkzeug.sansio.multipart import File
from werkzeug.sansio.multipart import MultipartDecoder
from werkzeug.sansio.multipart import NeedData

from service.errors import Malformed
from service.messages import N_

log = logging.getLogger(__name__)

# gunicorn keeps what a read leaves of the chunk it received and copies it again on the next read:
# reading its body 64 KiB at a time (as Werkzeug's form parser does) cost 2.5 s of CPU per GB,
# 1 MiB at a time 0.3 s.
READ_SIZE = 1024 * 1024
# The decoder copies its buffer on every event; slices of this size keep those copies in the cache.
FEED_SIZE = 256 * 1024


@contextmanager
def streamed_form(request: Request) -> Iterator["StreamedForm"]:
    """The request's multipart body, read as it arrives.

    If the view fails, the rest of the body is read and dropped before the error is answered: a
    client still sending its file would otherwise meet a closed connection instead of the answer.
    """
    boundary = request.mimetype_params.get("boundary", "")
    if request.mimetype != "multipart/form-data" or not boundary or not boundary.isascii():
        raise Malformed(N_("请以 multipart 的 file 部分上传扫描件"), {"file": "required"})
    form = StreamedForm(request.stream, boundary.encode("ascii"), request.max_form_memory_size,
                        request.max_form_parts)
    try:
        yield form
    except (ClientDisconnected, RequestEntityTooLarge):
        raise  # nobody is left to answer, or the rest is too large to read
    except Exception:
        form.discard()
        raise


class StreamedForm:
    """The parts of one multipart body, read in order from the request stream."""

    def __init__(self, stream: BinaryIO, boundary: bytes, max_field_bytes: int | None = None,
                 max_parts: int | None = None):
        self.fields: dict[str, str] = {}
        self.late_fields: dict[str, str] = {}
        self._stream = stream
        self._buffer = bytearray(READ_SIZE)
        self._chunk = memoryview(b"")
        self._limit = max_field_bytes
        self._field_bytes = 0
        # The decoder's own bound is on what it holds unparsed: a slice plus a part's headers.
        self._decoder = _Decoder(boundary, max(max_field_bytes or 0, 4 * FEED_SIZE), max_parts=max_parts)
        self._in_file = False
        self._at_end: Callable[[dict[str, str]], None] | None = None

    def file(self, name: str, at_end: Callable[[dict[str, str]], None] | None = None) -> "FilePart | None":
        """The file part called `name`, with the fields before it in `fields`; None if there is none.

        Once the file has ended, the fields after it are in `late_fields` and `at_end` is called with
        them, before the file's last read returns (it may raise to refuse them).
        """
        while not isinstance(event := self._next_event(), Epilogue):
            if isinstance(event, Field):
                self._read_field(event.name, self.fields)
            elif isinstance(event, File) and event.name == name:
                self._in_file, self._at_end = True, at_end
                return FilePart(self, event.filename or "")
            elif isinstance(event, File):
                self._skip_data()
        return None

    def finish(self) -> dict[str, str]:
        """Read the body to its end; the fields that came after the file."""
        if self._in_file:
            self._skip_data()
            self._file_ended()
        return self.late_fields

    def discard(self) -> None:
        """Read and drop what is left of the body, unparsed."""
        try:
            while self._stream.readinto(self._buffer):
                pass
        except (ClientDisconnected, RequestEntityTooLarge, OSError) as exc:  # the error being answered matters more
            log.info("the rest of an upload could not be read: %s", type(exc).__name__)

    def _file_ended(self) -> None:
        """Read the parts after the file (fields are kept, further files dropped) and check them."""
        self._in_file = False
        while not isinstance(event := self._next_event(), Epilogue):
            if isinstance(event, Field):
                self._read_field(event.name, self.late_fields)
            elif isinstance(event, File):
                self._skip_data()
        if self._at_end is not None:
            self._at_end(self.late_fields)

    def _read_field(self, name: str, into: dict[str, str]) -> None:
        """One field's value; all fields together may hold max_field_bytes."""
        pieces = []
        for data in self._data():
            self._field_bytes += len(data)
            if self._limit is not None and self._field_bytes > self._limit:
                raise RequestEntityTooLarge()
            pieces.append(data)
        if name not in self.fields and name not in into:  # the first value wins, as in request.form
            into[name] = b"".join(pieces).decode("utf-8", "replace")

    def _skip_data(self) -> None:
        for _ in self._data():
            pass

    def _data(self) -> Iterator[bytes]:
        """The data of the current part, piece by piece."""
        while True:
            event = self._next_event()
            if not isinstance(event, Data):
                raise Malformed(N_("multipart 请求体格式错误"), {"body": "a part without data"})
            yield event.data
            if not event.more_data:
                return

    def _next_event(self) -> Event:
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError:
                raise Malformed(N_("multipart 请求体不完整或格式错误"), {"body": "truncated"}) from None
            if not isinstance(event, NeedData):
                return event
            self._decoder.receive_data(self._feed())

    def _feed(self) -> memoryview | None:
        """The next slice of the body for the decoder (which copies it); None at its end."""
        if not self._chunk:
            size = self._stream.readinto(self._buffer)
            if not size:
                return None
            self._chunk = memoryview(self._buffer)[:size]
        piece, self._chunk = self._chunk[:FEED_SIZE], self._chunk[FEED_SIZE:]
        return piece


class _Decoder(MultipartDecoder):
    """Werkzeug's decoder, made to hold back a closing delimiter split after its first "-".

    Werkzeug (3.1.9, pallets/werkzeug#3285) sizes the tail it keeps back by the delimiter without
    the closing "--": when a read ends inside "\r\n--boundary-", the CR goes out as data, and the
    file gains a byte. Reads here end at fixed offsets, so one body length in 256 Ki would always
    be stored wrong. This is its method with the closing delimiter's length.
    """

    def _last_partial_boundary_index(self, data: bytes | bytearray) -> int:
        complete_boundary_index = len(data) - len(b"\r\n--" + self.boundary + b"--")
        last_nl = data.rfind(b"\n")
        last_cr = data.rfind(b"\r")
        candidates = [i for i in (last_nl, last_cr) if i >= 0 and i >= complete_boundary_index]
        return min(candidates, default=len(data))


class FilePart:
    """One file of a multipart body as a read-only stream (the form holds no reference back to it)."""

    def __init__(self, form: StreamedForm, filename: str):
        self.filename = filename
        self._form = form
        self._rest = b""
        self._ended = False

    def read(self, n: int = -1) -> bytes:
        """n bytes (all that is left if n < 0); fewer only at the end of the file."""
        if not self._rest and not self._ended:
            self._pull()
        if 0 <= n <= len(self._rest):
            data, self._rest = self._rest[:n], self._rest[n:]
            return data
        out = io.BytesIO()  # its getvalue() hands over its buffer instead of copying it
        while n < 0 or out.tell() < n:
            if not self._rest:
                if self._ended:
                    break
                self._pull()
                continue
            want = len(self._rest) if n < 0 else n - out.tell()
            out.write(self._rest[:want])
            self._rest = self._rest[want:]
        return out.getvalue()

    def _pull(self) -> None:
        event = self._form._next_event()
        if not isinstance(event, Data):
            raise Malformed(N_("multipart 请求体格式错误"), {"body": "a part without data"})
        self._rest = event.data
        if not event.more_data:
            self._ended = True
            self._form._file_ended()
