"""The OCR engine reads scans, born-digital PDFs and images, and fails with a reason it can show."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from service.documents.ocr import OCR
from service.documents.ocr import TEXT_LAYER
from service.documents.ocr import BrokenDocument
from service.documents.ocr import Limits
from service.documents.ocr import OcrCrashed
from service.documents.ocr import OcrEngine
from service.documents.ocr import OcrTimeout
from service.documents.ocr import PixelLimit
from service.documents.ocr import UnsupportedType
from service.documents.ocr import fix_cjk_spacing
from service.documents.ocr import page_count
from service.documents.ocr import read_pages
from service.documents.ocr import sniff
from tests.support import scans

ROOT = Path(__file__).resolve().parents[2]
PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"


@pytest.fixture(scope="module")
def engine():
    """One OCR child process for the whole module: loading the models once is the point."""
    with OcrEngine() as engine:
        yield engine


class RefusingEngine:
    """Stands in for the engine where no page may need OCR."""

    def submit(self, image, timeout):
        raise AssertionError("this page should have been read from its text layer")

    def collect(self):
        raise AssertionError("nothing was submitted")


def saved(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_tilted_contract_scan_is_read_with_its_title_and_buyer(engine, tmp_path):
    path = saved(tmp_path, "contract.png", scans.contract_page_png(tilt=1.5))
    [page] = list(read_pages(path, PNG, Limits(), engine))
    assert page.source == OCR
    assert page.text.splitlines()[0] == "商品房买卖合同"
    assert "买受人：张伟" in page.text
    assert "合同编号：HT-2026-0815" in page.text
    assert scans.cer(scans.contract_text(), page.text) <= 0.01
    assert (page.width, page.height) == page.image.size == (1654, 2338)
    assert all(0 <= x <= page.width and 0 <= y <= page.height
               for line in page.lines for x, y in line["box"])


def test_both_pages_of_a_scanned_pdf_are_read_by_ocr(engine, tmp_path):
    pngs = [scans.contract_page_png(), scans.contract_page_png(title="房屋租赁合同", buyer="李娜", seed=3)]
    path = saved(tmp_path, "scan.pdf", scans.scanned_pdf(pngs))
    assert page_count(path, PDF) == 2
    pages = list(read_pages(path, PDF, Limits(), engine))
    assert [(p.number, p.source) for p in pages] == [(1, OCR), (2, OCR)]
    assert "买受人：张伟" in pages[0].text
    assert pages[1].text.startswith("房屋租赁合同") and "买受人：李娜" in pages[1].text
    assert pages[0].image.mode == "RGB"


def test_a_born_digital_pdf_is_read_from_its_text_layer_without_ocr(tmp_path):
    path = saved(tmp_path, "contract.pdf", scans.text_layer_pdf(scans.contract_text()))
    [page] = list(read_pages(path, PDF, Limits(), RefusingEngine()))
    assert page.source == TEXT_LAYER
    assert scans.cer(scans.contract_text(), page.text) == 0
    assert page.lines[0]["text"] == "商品房买卖合同"
    top_left, _, bottom_right, _ = page.lines[0]["box"]
    # the title stands 72 pt from the left and about 55 pt from the top: at 200 dpi, in pixels
    assert top_left[0] == pytest.approx(200, abs=3)
    assert 130 < top_left[1] < bottom_right[1] < 190


def test_a_producer_that_spaces_every_chinese_character_is_read_unspaced(tmp_path):
    path = saved(tmp_path, "spaced.pdf", scans.spaced_text_layer_pdf(scans.contract_text()))
    [page] = list(read_pages(path, PDF, Limits(), RefusingEngine()))
    assert "商品房买卖合同" in page.text
    assert "买受人：张伟" in page.text
    assert "出卖人以出让方式取得位于朝阳区望京街道的地块建设用地使用权。" in page.text
    assert "买受人：张伟" in [line["text"] for line in page.lines]


def test_a_scan_with_only_a_page_stamp_in_its_text_layer_goes_to_ocr(engine, tmp_path):
    path = saved(tmp_path, "stamped.pdf", scans.stamped_scan_pdf(scans.contract_page_png(), "扫描件 第1页"))
    [page] = list(read_pages(path, PDF, Limits(), engine))
    assert page.source == OCR
    assert "买受人：张伟" in page.text


def test_a_typed_page_and_a_scanned_page_come_back_in_order(engine, tmp_path):
    typed = "补充协议\n" + scans.contract_text(buyer="赵磊")
    path = saved(tmp_path, "mixed.pdf", scans.typed_and_scanned_pdf(typed, scans.contract_page_png(buyer="孙丽")))
    pages = list(read_pages(path, PDF, Limits(), engine))
    assert [(p.number, p.source) for p in pages] == [(1, TEXT_LAYER), (2, OCR)]
    assert "买受人：赵磊" in pages[0].text and "买受人：孙丽" in pages[1].text


def test_a_reader_abandoned_after_its_first_page_does_not_leak_into_the_next_document(engine, tmp_path):
    pngs = [scans.contract_page_png(dpi=150, buyer="周杰"), scans.contract_page_png(dpi=150, buyer="吴敏")]
    first = read_pages(saved(tmp_path, "two.pdf", scans.scanned_pdf(pngs, dpi=150)), PDF, Limits(), engine)
    assert "买受人：周杰" in next(first).text  # page 2 is already with the OCR process by now
    first.close()
    other = saved(tmp_path, "other.png", scans.contract_page_png(dpi=150, buyer="郑爽"))
    [page] = list(read_pages(other, PNG, Limits(), engine))
    assert "买受人：郑爽" in page.text


def test_a_huge_pdf_page_is_rendered_within_the_pixel_limit(tmp_path):
    path = saved(tmp_path, "poster.pdf", scans.text_layer_pdf(scans.contract_text(), pagesize=(2000, 3000)))
    [page] = list(read_pages(path, PDF, Limits(max_pixels=4_000_000), RefusingEngine()))
    assert page.width * page.height <= 4_000_000
    assert all(0 <= x <= page.width and 0 <= y <= page.height for line in page.lines for x, y in line["box"])


def test_every_page_of_a_multipage_tiff_is_read(engine, tmp_path):
    pngs = [scans.contract_page_png(dpi=150, buyer="王芳"), scans.contract_page_png(dpi=150, buyer="刘洋", seed=5)]
    path = saved(tmp_path, "scan.tiff", scans.multipage_tiff(pngs))
    assert page_count(path, TIFF) == 2
    pages = list(read_pages(path, TIFF, Limits(), engine))
    assert [p.number for p in pages] == [1, 2]
    assert "买受人：王芳" in pages[0].text and "买受人：刘洋" in pages[1].text


def test_a_photographed_page_saved_as_jpeg_is_read(engine, tmp_path):
    path = saved(tmp_path, "photo.jpg", scans.jpeg_bytes(scans.contract_page_png(dpi=150, buyer="陈静")))
    [page] = list(read_pages(path, JPEG, Limits(), engine))
    assert "买受人：陈静" in page.text


def test_a_sixteen_bit_archival_scan_is_read(engine, tmp_path):
    path = saved(tmp_path, "archive.tiff", scans.sixteen_bit_tiff(scans.contract_page_png(dpi=150, buyer="林涛")))
    [page] = list(read_pages(path, TIFF, Limits(), engine))
    assert "买受人：林涛" in page.text


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path):
    path = saved(tmp_path, "bomb.png", scans.bomb_png(20_000, 20_000))
    assert path.stat().st_size < 200_000
    with pytest.raises(PixelLimit) as refused:
        list(read_pages(path, PNG, Limits(), RefusingEngine()))
    assert str(refused.value) == "pixel limit: 400000000 pixels > 80000000"


def test_an_image_just_over_our_pixel_limit_is_refused_too(tmp_path):
    # 90 M pixels: below what Pillow refuses by itself, above our limit
    path = saved(tmp_path, "poster.png", scans.bomb_png(10_000, 9_000))
    with pytest.raises(PixelLimit, match=r"^pixel limit: 90000000 pixels > 80000000$"):
        list(read_pages(path, PNG, Limits(), RefusingEngine()))


def test_damaged_files_fail_as_broken_documents(tmp_path):
    with pytest.raises(BrokenDocument, match=r"^broken PDF: "):
        list(read_pages(saved(tmp_path, "a.pdf", scans.broken_pdf()), PDF, Limits(), RefusingEngine()))
    with pytest.raises(BrokenDocument, match=r"^broken PDF: "):
        page_count(saved(tmp_path, "b.pdf", scans.broken_pdf()), PDF)
    with pytest.raises(BrokenDocument, match=r"^encrypted PDF: "):
        list(read_pages(saved(tmp_path, "c.pdf", scans.encrypted_pdf()), PDF, Limits(), RefusingEngine()))
    truncated = scans.truncated_png(scans.contract_page_png(dpi=100))
    with pytest.raises(BrokenDocument, match=r"^broken image: "):
        list(read_pages(saved(tmp_path, "d.png", truncated), PNG, Limits(), RefusingEngine()))
    with pytest.raises(UnsupportedType, match=r"^unsupported type: "):
        read_pages(saved(tmp_path, "e.exe", scans.windows_exe()), None, Limits(), RefusingEngine())


def test_a_page_over_its_time_limit_fails_and_the_next_page_is_read(engine, tmp_path):
    path = saved(tmp_path, "scan.png", scans.contract_page_png(dpi=150))
    with pytest.raises(OcrTimeout) as late:
        list(read_pages(path, PNG, Limits(page_timeout_seconds=0.05), engine))
    assert str(late.value) == "time limit: page 1 took more than 0.05 s"
    [page] = list(read_pages(path, PNG, Limits(), engine))
    assert "买受人：张伟" in page.text


def test_a_crashed_ocr_process_fails_the_page_and_is_replaced(engine, tmp_path):
    path = saved(tmp_path, "scan.png", scans.contract_page_png(dpi=150))
    list(read_pages(path, PNG, Limits(), engine))  # make sure a child is up before killing it
    os.kill(engine.pid, signal.SIGKILL)
    with pytest.raises(OcrCrashed, match=r"^OCR process crashed \(killed by signal 9\)"):
        list(read_pages(path, PNG, Limits(), engine))
    [page] = list(read_pages(path, PNG, Limits(), engine))
    assert "买受人：张伟" in page.text


def test_sniff_knows_documents_by_their_content():
    assert sniff(scans.contract_page_png(dpi=50)[:1024]) == PNG
    assert sniff(scans.jpeg_bytes(scans.contract_page_png(dpi=50))[:1024]) == JPEG
    assert sniff(scans.multipage_tiff([scans.contract_page_png(dpi=50)])[:1024]) == TIFF
    assert sniff(b"MM\x00*\x00\x00\x00\x08") == TIFF
    assert sniff(scans.text_layer_pdf("合同")[:1024]) == PDF
    assert sniff(b"\xef\xbb\xbf\r\n%PDF-1.4\n") == PDF  # junk before the header is tolerated
    assert sniff(scans.windows_exe()[:1024]) is None  # "contract.pdf" that is really an .exe
    assert sniff(b"") is None


@pytest.mark.parametrize("spaced, fixed", [
    ("买 受 人", "买受人"),
    ("买\u3000受\u00a0人：张 伟", "买受人：张伟"),
    ("合同 HT-2026 号", "合同 HT-2026 号"),
    ("Room 3 B", "Room 3 B"),
    ("第 一 条 ， 项 目", "第一条，项目"),
    ("面积 98.56 平方米", "面积 98.56 平方米"),
    ("甲方\n乙方", "甲方\n乙方"),
])
def test_spaces_between_chinese_characters_are_removed_and_others_kept(spaced, fixed):
    assert fix_cjk_spacing(spaced) == fixed


OFFLINE_OCR = textwrap.dedent("""
    import socket, sys
    from PIL import Image
    from service.documents.ocr import OcrEngine
    try:
        socket.create_connection(("1.1.1.1", 443), timeout=3).close()
        print("NETWORK REACHABLE")
    except OSError:
        pass
    with OcrEngine() as engine:
        lines = engine.recognise(Image.open(sys.argv[1]), timeout=60)
    print("\\n".join(line["text"] for line in lines))
""")

# imported by every Python process started with it on PYTHONPATH, the OCR child included
NO_SOCKETS = textwrap.dedent("""
    import socket

    def refuse(*args, **kwargs):
        raise OSError(101, "Network is unreachable (blocked by the test)")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
""")


def offline_command(tmp_path: Path, script: list[str]) -> tuple[list[str], dict]:
    """`unshare -rn` (a new network namespace with no interfaces) if the sandbox allows it, else
    a sitecustomize that makes every socket connection fail."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn", *script], env
    (tmp_path / "sitecustomize.py").write_text(NO_SOCKETS)
    env["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{ROOT}"
    return script, env


def test_ocr_works_with_the_network_unreachable(tmp_path):
    image = scans.contract_page(dpi=150).crop((0, 0, 1240, 700))
    image.save(tmp_path / "top.png")
    command, env = offline_command(tmp_path, [sys.executable, "-c", OFFLINE_OCR, str(tmp_path / "top.png")])
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "NETWORK REACHABLE" not in done.stdout
    assert "商品房买卖合同" in done.stdout and "买受人：张伟" in done.stdout
