"""OcrEngine: RapidOCR in a child process that lives across pages and is replaced when it hangs."""
from __future__ import annotations

import logging
import multiprocessing
import time

from PIL import Image

from service.documents.ocr._child import ERROR
from service.documents.ocr._child import READY
from service.documents.ocr._child import serve
from service.documents.ocr._errors import OcrCrashed
from service.documents.ocr._errors import OcrFailure
from service.documents.ocr._errors import OcrTimeout
from service.documents.ocr._layout import reading_order

log = logging.getLogger(__name__)

# "spawn", not fork: onnxruntime's thread pools do not survive a fork, and a forked worker would
# carry the parent's database clients into the child
_CONTEXT = multiprocessing.get_context("spawn")
_PIPE_ERRORS = (OSError, EOFError)  # BrokenPipeError and ConnectionResetError are OSErrors


class OcrEngine:
    """`with OcrEngine() as engine:` then engine.recognise(image, timeout); one caller at a time.

    submit() and collect() split recognise() in two, so that a caller can prepare the next page
    while the child works on this one; one page at most is in flight.
    """

    def __init__(self, load_timeout: float = 120.0) -> None:
        self.load_timeout = load_timeout
        self.restarts = 0
        self._process = None
        self._conn = None
        self._ready = False
        self._in_flight: tuple[float, float] | None = None  # (deadline, timeout) of the page sent

    def __enter__(self) -> "OcrEngine":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The child's process id (for logs and monitoring); None before start and after close."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child (models load in the background) unless it is already running."""
        if self._process is not None:
            return
        parent_end, child_end = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=serve, args=(child_end,), name="ocr-engine", daemon=True)
        process.start()
        child_end.close()  # so that recv() in this process sees EOF when the child dies
        self._process, self._conn, self._ready = process, parent_end, False

    def recognise(self, image: Image.Image, timeout: float) -> list[dict]:
        """The text lines on one page image in reading order: {"text", "box", "score"} each."""
        self.submit(image, timeout)
        return self.collect()

    def submit(self, image: Image.Image, timeout: float) -> None:
        """Hand one page to the child; its `timeout` seconds start now."""
        self._wait_ready()
        if self._in_flight is not None:
            self._drop_in_flight()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        self._in_flight = (time.monotonic() + timeout, timeout)
        try:
            self._conn.send(("page", rgb.width, rgb.height))
            self._conn.send_bytes(rgb.tobytes())  # raw pixels: encoding a PNG would cost more than OCR saves
        except _PIPE_ERRORS:
            raise self._crashed("while receiving a page") from None

    def collect(self) -> list[dict]:
        """The lines of the page submitted last; OcrTimeout once its time is up."""
        if self._in_flight is None:
            raise RuntimeError("collect() without submit()")
        deadline, timeout = self._in_flight
        if not self._conn.poll(max(0.0, deadline - time.monotonic())):
            self._restart()
            raise OcrTimeout(timeout)
        self._in_flight = None
        kind, payload = self._receive("on a page")
        if kind == ERROR:
            raise OcrFailure(f"OCR error: {payload}")
        return reading_order(payload)

    def close(self) -> None:
        """Ask the child to stop; kill it if it does not within a few seconds."""
        process, conn = self._process, self._conn
        self._process, self._conn, self._ready, self._in_flight = None, None, False, None
        if process is None:
            return
        try:
            conn.send(None)
        except _PIPE_ERRORS:
            pass  # already gone: nothing to ask
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        conn.close()

    def _drop_in_flight(self) -> None:
        """A page was submitted and never collected (its reader was abandoned): let it finish
        and throw its answer away, so that it is never mistaken for the next page's."""
        try:
            self.collect()
        except OcrFailure as exc:
            log.info("dropped an uncollected page: %s", exc)

    def _wait_ready(self) -> None:
        self.start()
        if self._ready:
            return
        if not self._conn.poll(self.load_timeout):
            self._kill()
            raise OcrCrashed(f"OCR process did not load its models within {self.load_timeout:g} s")
        kind, *payload = self._receive("while loading its models")
        if kind != READY:
            self._kill()
            raise OcrCrashed(f"OCR process failed to start: {payload[0]}")
        self._ready = True

    def _receive(self, when: str) -> tuple:
        try:
            return self._conn.recv()
        except _PIPE_ERRORS:
            raise self._crashed(when) from None

    def _crashed(self, when: str) -> OcrCrashed:
        """Reap the dead child, start a fresh one for the next page, and say how it died."""
        self._process.join(5)
        code = self._process.exitcode
        self._restart()
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return OcrCrashed(f"OCR process crashed ({how}) {when}")

    def _restart(self) -> None:
        log.warning("restarting the OCR process (pid %s)", self.pid)
        self._kill()
        self.restarts += 1
        self.start()

    def _kill(self) -> None:
        process, conn = self._process, self._conn
        self._process, self._conn, self._ready, self._in_flight = None, None, False, None
        if process is not None:
            process.kill()
            process.join()
        if conn is not None:
            conn.close()
