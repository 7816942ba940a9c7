"""OCR: our engine (RapidOCR in a child process, pages through read_pages) against bare RapidOCR.

    .venv/bin/python -m bench.bench_ocr        (normally `scripts/bench ocr` or `make bench`)

The same N generated contract pages (BENCH_OCR_PAGES, default 6; A4 at 200 dpi, tilted, noisy,
each with its own title and buyer; see tests/scans.py) go through each path below, sequentially:

- bare RapidOCR: `RapidOCR()(image)` in this process on the page images already in memory. This
  is the baseline: the model with nothing around it.
- ours, scanned PDF: the pages as one image-only PDF (JPEG inside, as scanners write it) through
  `read_pages` with an `OcrEngine`: pdfium renders each page at 200 dpi (the next page while the
  child recognises this one), the pixels go through a pipe to the child, lines come back and are
  ordered and cleaned. Target: >= 0.9x bare pages/min.
- ours, multi-page TIFF: the same through Pillow instead of pdfium.
- ours, through the worker: the scanned PDF uploaded to a customer file through DocumentService
  (not timed), then its `ocr` job run by `Worker` (timed: claim, download from MinIO with the
  checksum verified, read_pages, page text, page images and thumbnails written to MinIO, ack).
  This is the product's number. Target: >= 0.9x bare pages/min.
- Tesseract 4/5 `chi_sim` with OMP_THREAD_LIMIT=1 (its documented setting for throughput), one
  `tesseract page.png -` per page, when `tesseract` and its chi_sim data are installed
  (`scripts/bench` tries to install them with apt-get); otherwise a row says why not.

Every path is warmed up on one page first (not timed): the worker keeps one engine for many jobs,
so model loading is not part of the per-page cost. Each timed path runs BENCH_OCR_ROUNDS times
(default 2, bare and ours alternating) and the fastest round counts, which keeps a noisy
neighbour on a 2-core box from deciding the ratio.

Besides wall-clock pages/min each row shows CPU seconds per page (this process, the OCR child
and waited-for subprocesses): other jobs on a shared 2-core box move wall time a lot and CPU
time little, so "CPU vs bare" tells whether a low "vs bare" is ours or the neighbours'.

CER is the character error rate against the ground truth with whitespace removed (Levenshtein
over characters), averaged over the pages; target <= 1% for ours. The benchmark exits 1 when a
path returns the wrong number of pages or ours misses the CER target; pages/min below target is
reported, not failed, because it depends on the machine's load.

A path is a function `(Pages) -> Run | str` (a str says why the path could not run) in the
`paths` list of main().
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Callable

from PIL import Image

from bench.common import Stopwatch
from bench.common import table
from bench.common import write_results
from service.documents.ocr import Limits
from service.documents.ocr import OcrEngine
from service.documents.ocr import read_pages
from tests.support import scans

N = int(os.environ.get("BENCH_OCR_PAGES") or 6)
ROUNDS = int(os.environ.get("BENCH_OCR_ROUNDS") or 2)
SPEED_TARGET = 0.9   # ours / bare pages per minute
CER_TARGET = 0.01
TITLES = ("商品房买卖合同", "房屋租赁合同", "借款合同", "车位买卖合同", "装修工程合同", "委托代理合同")
BUYERS = ("张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "黄敏")


@dataclass
class Pages:
    """The benchmark's pages: images in memory, the same as files, and their ground truth."""

    images: list[Image.Image]
    truths: list[str]
    pdf: Path
    tiff: Path
    pngs: list[Path]


@dataclass
class Run:
    """What one path produced in its fastest round: one text per page, the wall-clock seconds it
    took and the CPU seconds it used (all processes and threads of the path)."""

    texts: list[str]
    seconds: float
    cpu_seconds: float | None = None
    notes: list[str] = field(default_factory=list)


class CpuClock:
    """CPU seconds used by this process plus, optionally, one other process (the OCR child) and
    the subprocesses waited for: on a shared box CPU time shifts less with the load than wall time."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid

    def __enter__(self) -> "CpuClock":
        self._start = self._now()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = self._now() - self._start

    def _now(self) -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime + _process_cpu(self.pid)


def _process_cpu(pid: int | None) -> float:
    """utime + stime of another process, from /proc (0 when there is none to read)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_pages(n: int, folder: Path) -> Pages:
    """n distinct contract pages, tilted between -1.5 and 1.5 degrees, written as PDF, TIFF and PNG."""
    images, truths, pngs = [], [], []
    for i in range(n):
        title, buyer = TITLES[i % len(TITLES)], BUYERS[i % len(BUYERS)]
        tilt = -1.5 + 3.0 * i / max(1, n - 1)
        images.append(scans.contract_page(title, buyer, dpi=200, tilt=tilt, seed=i).convert("RGB"))
        truths.append(scans.contract_text(title, buyer))
        pngs.append(folder / f"page{i + 1}.png")
        images[-1].save(pngs[-1])
    png_bytes = [p.read_bytes() for p in pngs]
    pdf, tiff = folder / "scan.pdf", folder / "scan.tiff"
    pdf.write_bytes(scans.scanned_pdf(png_bytes))
    tiff.write_bytes(scans.multipage_tiff(png_bytes))
    return Pages(images, truths, pdf, tiff, pngs)


# --- the paths ---------------------------------------------------------------------------------

class BareRapidOCR:
    """The baseline: RapidOCR called in this process, as its README shows."""

    def __init__(self, warm_up: Image.Image) -> None:
        from rapidocr import RapidOCR
        self.ocr = RapidOCR(params={"Global.log_level": "warning"})
        self.ocr(warm_up)

    def __call__(self, pages: Pages) -> Run:
        texts = []
        with CpuClock() as cpu, Stopwatch() as watch:
            for image in pages.images:
                result = self.ocr(image)
                texts.append("\n".join(result.txts or ()))
        return Run(texts, watch.seconds, cpu.seconds)


class Ours:
    """OcrEngine + read_pages over one file holding all the pages."""

    def __init__(self, engine: OcrEngine, media_type: str, file: Callable[[Pages], Path]) -> None:
        self.engine, self.media_type, self.file = engine, media_type, file

    def __call__(self, pages: Pages) -> Run:
        texts, sources = [], set()
        with CpuClock(self.engine.pid) as cpu, Stopwatch() as watch:
            for page in read_pages(self.file(pages), self.media_type, Limits(), self.engine):
                texts.append(page.text)
                sources.add(page.source)
        return Run(texts, watch.seconds, cpu.seconds, [f"source {', '.join(sorted(sources))}"])


class ThroughWorker:
    """The product's path: the scanned PDF uploaded to a file, its `ocr` job run by the Worker
    (which keeps its own OcrEngine), the pages' text read back from the object store. The upload
    is not timed; the job is, from claim to ack, including page images and thumbnails."""

    def __init__(self, warm_up: Path) -> None:
        from bench.bench_files import file_body
        from bench.common import fresh_settings
        from service.wiring import build_services
        from service.worker import Worker
        self.services = build_services(fresh_settings("ocr"))
        self.services.ensure_schema()
        self.actor = self.services.users.create("keeper", "Bench-Pass-2026", ["archivist"], "档案室")
        self.file_body = file_body
        self.worker = Worker(self.services)
        self._read(warm_up)  # the worker's engine loads its models here, untimed

    def _upload(self, path: Path) -> str:
        import random
        file_id = str(self.services.files.create(self.actor, self.file_body(random.Random()))["_id"])
        with path.open("rb") as source:
            return str(self.services.documents.upload(self.actor, file_id, source, path.name, "purchase_contract",
                                                      "bench")["_id"])

    def _read(self, path: Path) -> list[str]:
        document_id = self._upload(path)
        self.worker.run(max_jobs=1)
        doc = self.services.documents.repo.by_id(document_id)
        if doc["ocr_status"] != "done":
            raise SystemExit(f"the worker did not read the document: {doc.get('ocr_error')}")
        return [self.services.documents._page_text(doc, n)["text"] for n in range(1, doc["pages"] + 1)]

    def __call__(self, pages: Pages) -> Run:
        document_id = self._upload(pages.pdf)
        engine = self.worker.handlers["ocr"]._engine
        with CpuClock(engine.pid) as cpu, Stopwatch() as watch:
            self.worker.run(max_jobs=1)
        doc = self.services.documents.repo.by_id(document_id)
        texts = [self.services.documents._page_text(doc, n)["text"] for n in range(1, (doc["pages"] or 0) + 1)]
        return Run(texts, watch.seconds, cpu.seconds, [f"job {doc['ocr_status']}"])

    def close(self) -> None:
        """Stop the worker's engine and drop this run's database and buckets."""
        self.worker.close()
        self.services.client.drop_database(self.services.settings.db_name)
        self.services.objects.drop_all()


def tesseract(pages: Pages) -> Run | str:
    """Tesseract chi_sim, one process per page, single-threaded as its docs advise for batches."""
    if shutil.which("tesseract") is None:
        return "tesseract not installed"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    if "chi_sim" not in langs:
        return "tesseract has no chi_sim data (tesseract-ocr-chi-sim)"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    texts = []
    with CpuClock() as cpu, Stopwatch() as watch:
        for png in pages.pngs:
            done = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], env=env,
                                  capture_output=True, text=True, check=True)
            texts.append(done.stdout)
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return Run(texts, watch.seconds, cpu.seconds, [version])


# --- measuring ---------------------------------------------------------------------------------

OcrPath = Callable[[Pages], "Run | str"]  # runs every page one way; a str says why it could not


def measure(paths: list[tuple[str, OcrPath, int]], pages: Pages) -> dict[str, Run | str]:
    """The fastest of each path's rounds; round by round all paths take turns, so that a slow
    minute on the machine hurts each of them alike."""
    best: dict[str, Run | str] = {}
    for round_ in range(max(rounds for _, _, rounds in paths)):
        for name, path, rounds in paths:
            if round_ >= rounds or isinstance(best.get(name), str):
                continue
            run = path(pages)
            shown = run if isinstance(run, str) else f"{run.seconds:.2f} s"
            print(f"  round {round_ + 1}: {name}: {shown}", flush=True)
            if name not in best or isinstance(run, str) or run.seconds < best[name].seconds:
                best[name] = run
    return best


def per_minute(run: Run) -> float:
    return len(run.texts) / run.seconds * 60 if run.seconds > 0 else float("nan")


def row(name: str, run: Run | str, pages: Pages, baseline: Run | str) -> tuple[list, dict, list[str]]:
    """A table row, a results entry and any problems for one path."""
    if isinstance(run, str):
        return [name, "-", "-", "-", "-", "-", "-", "-", "-", run], {"path": name, "skipped": run}, []
    cer = [scans.cer(truth, text) for truth, text in zip(pages.truths, run.texts)]
    mean_cer = sum(cer) / len(cer)
    ratio = per_minute(run) / per_minute(baseline) if isinstance(baseline, Run) else None
    cpu_page = run.cpu_seconds / len(run.texts) if run.cpu_seconds and run.texts else None
    cpu_ratio = (baseline.cpu_seconds / run.cpu_seconds
                 if isinstance(baseline, Run) and baseline.cpu_seconds and run.cpu_seconds else None)
    ours = name.startswith("ours")
    notes = list(run.notes)
    problems = []
    if len(run.texts) != len(pages.truths):
        problems.append(f"{name}: {len(run.texts)} pages, expected {len(pages.truths)}")
    if ours:
        notes.insert(0, "speed OK" if ratio is not None and ratio >= SPEED_TARGET else "speed BELOW TARGET")
        notes.insert(1, "CER OK" if mean_cer <= CER_TARGET else "CER ABOVE TARGET")
        if mean_cer > CER_TARGET:
            problems.append(f"{name}: CER {mean_cer:.2%} > {CER_TARGET:.0%}")
    cells = [name, len(run.texts), f"{run.seconds:.2f}", f"{per_minute(run):.1f}",
             f"{ratio:.2f}x" if ratio is not None else "-",
             f"{cpu_page:.2f}" if cpu_page is not None else "-",
             f"{cpu_ratio:.2f}x" if cpu_ratio is not None else "-",
             f"{mean_cer:.2%}", f"{max(cer):.2%}", "; ".join(notes)]
    result = {"path": name, "pages": len(run.texts), "seconds": run.seconds,
              "pages_per_minute": per_minute(run), "ratio_to_bare": ratio,
              "cpu_seconds": run.cpu_seconds, "cpu_ratio_to_bare": cpu_ratio, "cer_mean": mean_cer,
              "cer_max": max(cer), "cer_per_page": cer, "notes": run.notes}
    return cells, result, problems


def main() -> int:
    print(f"OCR benchmark: {N} generated A4 contract pages at 200 dpi, fastest of {ROUNDS} round(s), "
          f"{len(os.sched_getaffinity(0))} CPU(s)", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as folder, OcrEngine() as engine:
        pages = make_pages(N, Path(folder))
        engine.recognise(pages.images[0], timeout=300)  # warm-up: the child has loaded its models
        worker_path = ThroughWorker(pages.pngs[0])
        paths = [
            ("RapidOCR, bare (in-process)", BareRapidOCR(pages.images[0]), ROUNDS),
            ("ours: OcrEngine + read_pages, scanned PDF", Ours(engine, "application/pdf", lambda p: p.pdf), ROUNDS),
            ("ours: OcrEngine + read_pages, multi-page TIFF", Ours(engine, "image/tiff", lambda p: p.tiff), ROUNDS),
            ("ours: upload -> ocr job -> Worker (scanned PDF)", worker_path, ROUNDS),
            ("Tesseract chi_sim, OMP_THREAD_LIMIT=1", tesseract, 1),
        ]
        try:
            runs = measure(paths, pages)
        finally:
            worker_path.close()
        restarts = engine.restarts

    rows, results, problems = [], [], []
    baseline = runs[paths[0][0]]
    for name, _, _ in paths:
        cells, result, found = row(name, runs[name], pages, baseline)
        rows.append(cells)
        results.append(result)
        problems += found
    if restarts:
        problems.append(f"the OCR child was restarted {restarts} time(s): a page hung or crashed")
    print()
    table(rows, ["path", "pages", "seconds", "pages/min", "vs bare", "CPU s/page", "CPU vs bare",
                 "CER mean", "CER max", "notes"])
    print(f"\ntargets for ours: >= {SPEED_TARGET}x bare pages/min (reported), CER <= {CER_TARGET:.0%} (enforced)")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    total = time.monotonic() - started
    print(f"total {total:.1f} s")
    path = write_results("ocr", {"pages": N, "rounds": ROUNDS, "dpi": 200, "total_seconds": total,
                                 "speed_target": SPEED_TARGET, "cer_target": CER_TARGET,
                                 "rows": results, "problems": problems, "ok": not problems})
    print(f"results written to {path.relative_to(path.parent.parent.parent)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
