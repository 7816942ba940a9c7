"""Multipart bodies read as they arrive: fields on either side of the file, boundaries split across
reads, truncated bodies, and scans streamed through gunicorn the way `make run` serves them."""
from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.errors import Malformed
from service.web.documents.upload_stream import StreamedForm
from tests.support.servers import free_port

BOUNDARY = "scan-boundary-7d1f"
DELIMITER = f"\r\n--{BOUNDARY}".encode()


def multipart(*parts: tuple) -> bytes:
    """A body of (name, value) fields and (name, filename, bytes) files, in the order given."""
    out = io.BytesIO()
    for part in parts:
        out.write(f"--{BOUNDARY}\r\n".encode())
        if len(part) == 2:
            out.write(f'Content-Disposition: form-data; name="{part[0]}"\r\n\r\n{part[1]}\r\n'.encode())
        else:
            out.write(f'Content-Disposition: form-data; name="{part[0]}"; filename="{part[1]}"\r\n'
                      f"Content-Type: application/pdf\r\n\r\n".encode())
            out.write(part[2] + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


class Trickle(io.RawIOBase):
    """A body that arrives in reads of the given sizes, then in reads of whatever is asked."""

    def __init__(self, body: bytes, sizes: list[int]):
        self._body = memoryview(body)
        self._sizes = list(sizes)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._sizes.pop(0) if self._sizes else len(buffer), len(self._body))
        buffer[:size] = self._body[:size]
        self._body = self._body[size:]
        return size


def pdf(size: int) -> bytes:
    """A 'PDF' of random bytes, with near-misses of the boundary inside it."""
    near_miss = DELIMITER[:-1] + b"X" + b"\r\n--" + BOUNDARY[:5].encode() + b"\r"
    return b"%PDF-1.4\n" + near_miss + os.urandom(size - 9 - len(near_miss))


def read_all(part, size: int = 1000) -> bytes:
    pieces = []
    while chunk := part.read(size):
        pieces.append(chunk)
    return b"".join(pieces)


def test_fields_before_the_file_come_first_and_fields_after_it_by_its_last_read():
    scan = pdf(300_000)
    body = multipart(("doc_type", "id_copy"), ("file", "scan.pdf", scan), ("title", "身份证复印件"))
    form = StreamedForm(Trickle(body, [100_000] * 10), BOUNDARY.encode())
    seen = []
    part = form.file("file", at_end=lambda late: seen.append(dict(late)))
    assert form.fields == {"doc_type": "id_copy"} and part.filename == "scan.pdf" and seen == []
    pieces = []
    while chunk := part.read(1000):
        pieces.append(chunk)
        if sum(map(len, pieces)) < 150_000:
            assert seen == []  # the end of the file is not even in sight yet
    assert b"".join(pieces) == scan
    assert seen == [{"title": "身份证复印件"}]
    assert form.finish() == {"title": "身份证复印件"} and seen == [{"title": "身份证复印件"}]


@pytest.mark.parametrize("shift", range(-3, len(DELIMITER) + 3))
def test_a_boundary_split_across_two_reads_is_still_found(shift):
    scan = pdf(5000)
    body = multipart(("file", "scan.pdf", scan), ("doc_type", "other"))
    cut = body.index(DELIMITER, body.index(b"%PDF")) + shift
    form = StreamedForm(Trickle(body, [cut]), BOUNDARY.encode())
    assert read_all(form.file("file")) == scan
    assert form.finish() == {"doc_type": "other"}


@pytest.mark.parametrize("shift", range(len(DELIMITER) + 4))
def test_a_read_ending_inside_the_closing_boundary_adds_nothing_to_the_file(shift):
    """Werkzeug's own decoder gives the file the closing delimiter's CR here (pallets/werkzeug#3285)."""
    scan = pdf(5000)
    body = multipart(("doc_type", "other"), ("file", "scan.pdf", scan))
    cut = body.rindex(DELIMITER + b"--") + shift
    form = StreamedForm(Trickle(body, [cut]), BOUNDARY.encode())
    assert read_all(form.file("file")) == scan


def test_a_body_that_arrives_a_byte_at_a_time_reads_the_same():
    scan = pdf(3000)
    body = multipart(("title", "合同"), ("file", "a.pdf", scan), ("doc_type", "other"))
    form = StreamedForm(Trickle(body, [1] * len(body)), BOUNDARY.encode())
    assert read_all(form.file("file"), 7) == scan
    assert form.fields == {"title": "合同"} and form.finish() == {"doc_type": "other"}


def test_other_files_are_skipped_and_the_first_value_of_a_field_wins():
    scan = pdf(2000)
    body = multipart(("doc_type", "id_copy"), ("attachment", "x.bin", b"ignored"), ("file", "a.pdf", scan),
                     ("doc_type", "other"), ("file", "b.pdf", b"second"), ("title", "t"))
    form = StreamedForm(Trickle(body, [333] * 100), BOUNDARY.encode())
    assert read_all(form.file("file")) == scan
    assert form.fields == {"doc_type": "id_copy"} and form.finish() == {"title": "t"}


def test_a_body_without_the_file_gives_none():
    form = StreamedForm(Trickle(multipart(("doc_type", "other")), []), BOUNDARY.encode())
    assert form.file("file") is None and form.fields == {"doc_type": "other"}


def test_a_truncated_body_is_malformed():
    body = multipart(("doc_type", "other"), ("file", "a.pdf", pdf(50_000)))
    form = StreamedForm(Trickle(body[:30_000], []), BOUNDARY.encode())
    part = form.file("file")
    with pytest.raises(Malformed):
        read_all(part)


# Through the app -----------------------------------------------------------------------------



def post(client, headers, file_id, body: bytes):
    return client.post(f"/api/v1/files/{file_id}/documents", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


def test_a_type_and_title_sent_after_the_file_are_given_to_the_document(client, services, archivist, file_id):
    scan = pdf(12 * 1024 * 1024)  # three parts in the store
    response = post(client, archivist, file_id, multipart(("file", "id.pdf", scan), ("doc_type", "id_copy"),
                                                          ("title", "身份证复印件")))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["doc_type"], body["title"], body["size"]) == ("id_copy", "身份证复印件", len(scan))
    assert body["sha256"] == hashlib.sha256(scan).hexdigest()
    stored = client.get(f"/api/v1/documents/{body['id']}", headers=archivist).get_json()
    assert (stored["doc_type"], stored["title"]) == ("id_copy", "身份证复印件")
    actions = [e["action"] for e in services.audit.search(target=f"document:{body['id']}")[1]]
    assert "document.described" in actions


def test_an_unknown_type_after_the_file_refuses_the_upload_and_keeps_nothing(client, services, archivist, file_id):
    response = post(client, archivist, file_id, multipart(("file", "a.pdf", pdf(12 * 1024 * 1024)),
                                                          ("doc_type", "nonsense")))
    assert response.status_code == 422
    assert list(services.objects.keys("originals")) == []
    assert services.documents.repo.count({}) == 0


def test_a_truncated_upload_is_refused_and_keeps_nothing(client, services, archivist, file_id):
    body = multipart(("doc_type", "other"), ("file", "a.pdf", pdf(7 * 1024 * 1024)))
    response = post(client, archivist, file_id, body[:6 * 1024 * 1024])
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {"body": "truncated"}
    assert list(services.objects.keys("originals")) == []
    assert services.documents.repo.count({}) == 0


def test_a_body_that_is_not_multipart_is_refused(client, archivist, file_id):
    response = client.post(f"/api/v1/files/{file_id}/documents", headers=archivist, data=b"%PDF-1.4",
                           content_type="application/pdf")
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {"file": "required"}


# Through gunicorn, as scripts/run serves the app ---------------------------------------------

@pytest.fixture
def gunicorn(settings, services):
    """The app under gunicorn (gthread, MALLOC_ARENA_MAX=1, as scripts/run serves it) over the test's data."""
    port = free_port()
    env = {**os.environ, "ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix,
           "ARCHIVE_DATA_DIR": str(settings.data_dir), "ARCHIVE_INDEX_DIR": str(settings.index_dir),
           "MALLOC_ARENA_MAX": "1"}
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                            "--workers", "1", "--threads", "4", "--timeout", "120", "service.app:create_app()"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline or web.poll() is not None:
                web.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    yield port
    web.send_signal(signal.SIGTERM)
    web.wait(timeout=30)


def send(port: int, token: dict, path: str, head: bytes, scan: bytes, tail: bytes) -> tuple[int, dict]:
    """A multipart POST whose file goes out in 64 KiB writes, as a client streaming from disk does."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest("POST", path)
    connection.putheader("Authorization", token["Authorization"])
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(len(head) + len(scan) + len(tail)))
    connection.endheaders()
    connection.send(head)
    for start in range(0, len(scan), 64 * 1024):
        connection.send(scan[start:start + 64 * 1024])
    connection.send(tail)
    response = connection.getresponse()
    answer = (response.status, json.loads(response.read()))
    connection.close()
    return answer


def test_a_large_scan_streams_through_gunicorn_and_comes_back_whole(gunicorn, client, archivist, file_id):
    scan = pdf(23 * 1024 * 1024 + 12345)
    body = multipart(("doc_type", "purchase_contract"), ("file", "contract.pdf", scan), ("title", "合同"))
    start = body.index(scan)
    status, doc = send(gunicorn, archivist, f"/api/v1/files/{file_id}/documents", body[:start], scan,
                       body[start + len(scan):])
    assert status == 201, doc
    assert (doc["doc_type"], doc["title"], doc["size"]) == ("purchase_contract", "合同", len(scan))
    content = client.get(f"/api/v1/documents/{doc['id']}/content", headers=archivist)
    assert hashlib.sha256(content.data).hexdigest() == doc["sha256"] == hashlib.sha256(scan).hexdigest()


def test_a_client_still_sending_its_scan_reads_the_refusal(gunicorn, services, archivist):
    """The answer comes before the body is read; the server reads the rest so the client sees it."""
    scan = pdf(12 * 1024 * 1024)
    body = multipart(("file", "a.pdf", scan))
    start = body.index(scan)
    status, answer = send(gunicorn, archivist, f"/api/v1/files/{'0' * 24}/documents", body[:start], scan,
                          body[start + len(scan):])
    assert status == 404, answer
    assert list(services.objects.keys("originals")) == []
