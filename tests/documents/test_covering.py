"""Page images cover ID and mobile numbers for roles that see them masked: a scan read by real RapidOCR and a
born-digital PDF, through the API; the original stays as it was; showing a page uncovered asks for a purpose and
is audited; a number the lines do not place is never left open."""
from __future__ import annotations

import io

from service import access
from service.documents.covering import number_areas
from storage.documents import page_key
from tests.support import scans
from tests.support.jobs import drain

ID_NUMBER = "110105198803152417"  # printed on tests.support.scans' contract page
DARK = 40  # no pixel of a black box reads lighter than this after JPEG


def upload(client, headers, file_id: str, data: bytes, name: str) -> str:
    response = client.post(f"/api/v1/files/{file_id}/documents", headers=headers,
                           data={"file": (io.BytesIO(data), name), "doc_type": "purchase_contract",
                                 "title": "购房合同"}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def stored(services, document_id: str, kind: str = "image") -> bytes:
    """The page image as the worker stored it."""
    return services.objects.read("derivatives", page_key(document_id, 1, kind))


def record(services, document_id: str) -> dict:
    return services.documents.page(services.users.by_username("keeper"), document_id, 1)


def test_a_staff_member_gets_the_scan_with_its_id_number_covered_and_the_original_stays(desk, auth, client,
                                                                                        services, monkeypatch):
    file = desk.file()
    document = upload(client, desk.h["keeper"], file["id"], scans.contract_page_png(tilt=0), "合同.png")
    drain(services)
    page = record(services, document)
    assert any(ID_NUMBER in line["text"] for line in page["lines"]), page["text"]  # RapidOCR read it
    number = scans.band_of_line(page, ID_NUMBER, 0.45, 0.95)  # "身份证号码：" takes the line's first two fifths
    label = scans.band_of_line(page, ID_NUMBER, 0.02, 0.30)
    original = stored(services, document)

    served = client.get(f"/api/v1/documents/{document}/pages/1/image", headers=desk.h["clerk"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert scans.lightest(served.data, number) < DARK  # one opaque box over the number
    assert scans.lightest(original, number) > 200  # paper between the digits
    assert scans.lightest(served.data, label) > 200  # the words before it stay readable
    assert stored(services, document) == original  # the stored page image is never changed
    thumb = client.get(f"/api/v1/documents/{document}/pages/1/thumb", headers=desk.h["clerk"])
    assert thumb.status_code == 200 and thumb.data != stored(services, document, "thumb")
    # nobody sees numbers in full by default: the archivist and the auditor get the covered page too
    auth.user("auditor", ["auditor"])
    for who in (desk.h["keeper"], auth.token("auditor")):
        covered = client.get(f"/api/v1/documents/{document}/pages/1/image", headers=who).data
        assert scans.lightest(covered, number) < DARK
    # a role the policy lets see numbers in full gets the stored bytes as they are
    monkeypatch.setattr(access, "PII_FULL_ROLES", frozenset({"archivist"}))
    assert client.get(f"/api/v1/documents/{document}/pages/1/image", headers=desk.h["keeper"]).data == original
    assert client.get(f"/api/v1/documents/{document}/pages/1/thumb", headers=desk.h["keeper"]).data \
        == stored(services, document, "thumb")


def test_a_page_shown_uncovered_needs_a_purpose_and_is_audited(desk, auth, client, services):
    file = desk.file()
    document = upload(client, desk.h["keeper"], file["id"],
                      scans.text_layer_pdf(f"买受人身份证号码 {ID_NUMBER}\n联系电话 138-1234-5678\n逾期交房违约责任"),
                      "合同.pdf")
    drain(services)
    url = f"/api/v1/documents/{document}/pages/1/reveal"
    assert client.post(url, headers=desk.h["clerk"], json={}).status_code == 400
    assert client.post(url, headers=desk.h["clerk"], json={"purpose": " "}).status_code == 400
    auth.user("auditor", ["auditor"])
    assert client.post(url, headers=auth.token("auditor"), json={"purpose": "抽查"}).status_code == 403
    assert services.db["audit"].count_documents({"action": "pii.revealed"}) == 0

    shown = client.post(url, headers=desk.h["clerk"], json={"purpose": "办理按揭核对身份"})
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.data == stored(services, document) and shown.headers["Cache-Control"] == "private, no-store"
    entry = services.db["audit"].find_one({"action": "pii.revealed"})
    assert entry["actor"] == "clerk" and entry["target"] == f"file:{file['id']}"
    assert entry["details"] == {"document_id": document, "page": 1, "kinds": ["id", "phone"],
                                "purpose": "办理按揭核对身份"}
    # for that answer only: the page image is covered again afterwards
    again = client.get(f"/api/v1/documents/{document}/pages/1/image", headers=desk.h["clerk"])
    assert again.data != stored(services, document)


def test_a_text_layer_page_has_its_numbers_covered_where_the_pdf_places_them(desk, client, services):
    file = desk.file()
    document = upload(client, desk.h["keeper"], file["id"],
                      scans.text_layer_pdf(f"买受人身份证号码 {ID_NUMBER}\n联系电话 138 1234 5678\n逾期交房违约责任"),
                      "合同.pdf")
    drain(services)
    page = record(services, document)
    assert page["source"] == "text-layer" and all(line.get("box") for line in page["lines"])
    served = client.get(f"/api/v1/documents/{document}/pages/1/image", headers=desk.h["clerk"]).data
    original = stored(services, document)
    for text, start, end in ((ID_NUMBER, 0.50, 0.95), ("138 1234 5678", 0.45, 0.95)):
        assert scans.lightest(served, scans.band_of_line(page, text, start, end)) < DARK, text
        assert scans.lightest(original, scans.band_of_line(page, text, start, end)) > 200, text
    assert scans.lightest(served, scans.band_of_line(page, "逾期交房", 0.05, 0.95)) > 200


def test_a_page_without_numbers_is_served_as_stored(desk, client, services):
    file = desk.file()
    document = upload(client, desk.h["keeper"], file["id"],
                      scans.text_layer_pdf("合同编号 2026000123\n逾期交房违约责任"), "合同.pdf")
    drain(services)
    served = client.get(f"/api/v1/documents/{document}/pages/1/image", headers=desk.h["clerk"])
    assert served.status_code == 200 and served.data == stored(services, document)
    shown = client.post(f"/api/v1/documents/{document}/pages/1/reveal", headers=desk.h["clerk"],
                        json={"purpose": "核对"})
    assert shown.status_code == 404  # nothing to show in full, and nothing audited
    assert services.db["audit"].count_documents({"action": "pii.revealed"}) == 0


LINE = {"text": f"身份证号码：{ID_NUMBER}", "box": [[100, 100], [700, 100], [700, 140], [100, 140]]}


def test_a_number_that_is_only_part_of_a_line_is_covered_alone():
    (area,) = number_areas({"text": LINE["text"], "lines": [LINE], "width": 1000, "height": 1000})
    left, right = min(x for x, _ in area), max(x for x, _ in area)
    # six Chinese characters count twice a digit's width: the number starts 12/30 of the way along
    assert 100 + 600 * 11 / 30 < left < 100 + 600 * 12 / 30 and 700 < right < 700 + 600 / 30
    assert min(y for _, y in area) < 100 and max(y for _, y in area) > 140


def test_a_number_the_lines_do_not_place_is_never_left_open():
    # the text has the number but no line boxes (a record without them): the whole page is covered
    assert number_areas({"text": LINE["text"], "lines": [], "width": 800, "height": 1000}) == \
        [[(0, 0), (800, 0), (800, 1000), (0, 1000)]]
    # a text layer that split the number over two rectangles: every line holding digits is covered whole
    halves = [{"text": "身份证号码：110105198", "box": [[100, 100], [400, 100], [400, 140], [100, 140]]},
              {"text": "803152417", "box": [[420, 100], [600, 100], [600, 140], [420, 140]]},
              {"text": "逾期交房违约责任", "box": [[100, 200], [400, 200], [400, 240], [100, 240]]}]
    areas = number_areas({"text": "身份证号码：110105198803152417\n逾期交房违约责任", "lines": halves,
                          "width": 800, "height": 1000})
    assert len(areas) == 2 and all(y < 150 for area in areas for _, y in area)
    assert min(x for x, _ in areas[0]) < 100 and max(x for x, _ in areas[1]) > 600
    assert number_areas({"text": "逾期交房违约责任", "lines": halves[2:], "width": 800, "height": 1000}) == []
