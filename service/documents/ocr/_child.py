"""The OCR child process: loads RapidOCR once, then recognises the pages its parent sends."""
from __future__ import annotations

import signal
from multiprocessing.connection import Connection

READY = "ready"
LINES = "lines"
ERROR = "error"


def serve(conn: Connection) -> None:
    """Answer ("page", width, height) + raw RGB bytes with ("lines", [...]) until told to stop."""
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ocr = _load()
    except Exception as exc:  # the parent reports it as OcrCrashed; here it would only vanish
        conn.send((ERROR, f"could not load RapidOCR: {type(exc).__name__}: {exc}"))
        return
    conn.send((READY,))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone
            return
        if message is None:
            return
        _, width, height = message
        pixels = conn.recv_bytes()
        try:
            conn.send((LINES, _recognise(ocr, pixels, width, height)))
        except Exception as exc:  # one bad page must not take the loaded models down with it
            conn.send((ERROR, f"{type(exc).__name__}: {exc}"))


def _load():
    """RapidOCR with the models from its wheel, warmed up so the first page is not slower."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont
    from rapidocr import RapidOCR

    ocr = RapidOCR(params={"Global.log_level": "warning"})
    # RapidOCR loads each model on first use; a small text image makes all three load now
    sample = Image.new("RGB", (480, 80), "white")
    ImageDraw.Draw(sample).text((10, 15), "OCR 2026", fill="black", font=ImageFont.load_default(40))
    ocr(sample)
    return ocr


def _recognise(ocr, pixels: bytes, width: int, height: int) -> list[dict]:
    import cv2
    import numpy

    rgb = numpy.frombuffer(pixels, dtype=numpy.uint8).reshape(height, width, 3)
    result = ocr(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))  # RapidOCR takes arrays in OpenCV's order
    if result.boxes is None or result.txts is None:
        return []
    return [{"text": text, "box": [[round(float(x), 1), round(float(y), 1)] for x, y in box],
             "score": round(float(score), 4)}
            for box, text, score in zip(result.boxes, result.txts, result.scores)]
