"""A 5,000-row register imported through ImportService: upload, mapping, dry run, the worker's import job.

The sheet is what a sales office keeps in Excel: an external customer number, name, mobile, ID type
and number (valid check digits), budget, stage and project; one row in a hundred has a wrong ID
check digit (the dry run lists it, the import skips it) and one in fifty shares an ID number with a
file already in the archive (a possible duplicate). External numbers carry the size, so the second
size's import is not "already imported".
"""
from __future__ import annotations

import io
import random
import time
from datetime import date
from datetime import timedelta

from openpyxl import Workbook

from bench.bench_files import PROJECTS
from bench.bench_files import mobile
from bench.bench_files import person_name
from bench.bench_files import resident_id
from bench.common import RoundTrips
from service.accounts import User
from service.wiring import Services
from service.worker import Worker

ROWS = 5000
HEADERS = ["客户编号", "客户姓名", "手机号码", "证件类型", "证件号码", "购房预算（万元）", "阶段", "项目"]
MAPPING = {"客户编号": "external_key", "客户姓名": "name", "手机号码": "fields.phone", "证件类型": "fields.id_type",
           "证件号码": "fields.id_number", "购房预算（万元）": "fields.budget", "阶段": "classification.stage",
           "项目": "classification.project"}
STAGES = ("意向", "意向", "潜在", "准客户", "成交")


def sheet(rng: random.Random, tag: str, existing_ids: list[str], rows: int = ROWS) -> bytes:
    """The register as an .xlsx workbook."""
    book = Workbook()
    page = book.active
    page.append(HEADERS)
    for n in range(rows):
        id_number = resident_id(rng, date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40)))
        if n % 100 == 7:
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # a wrong check digit
        elif n % 50 == 11 and existing_ids:
            id_number = rng.choice(existing_ids)
        page.append([f"{tag}-{n:05d}", person_name(rng), mobile(rng), "身份证", id_number, rng.randint(80, 1200),
                     rng.choice(STAGES), rng.choice(PROJECTS)])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def run_import(services: Services, actor: User, data: bytes, trips: RoundTrips | None = None) -> dict:
    """Upload, map, dry-run and import (the `import` job, run by a worker); seconds of each step and counts.
    With `trips` (registered before the services' client was made), the import job's database commands
    by kind and collection, per row."""
    trips = trips or RoundTrips()
    result: dict = {}
    started = time.perf_counter()
    run = services.imports.upload(actor, "individual", data, "客户登记表.xlsx")
    services.imports.set_mapping(actor, run["_id"], MAPPING)
    result["upload_and_mapping_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    report = services.imports.dry_run(actor, run["_id"])
    result["dry_run_seconds"] = time.perf_counter() - started
    result["dry_run"] = {"rows": report["rows"], "new": report["new"], "errors": len(report["errors"]),
                         "duplicates": len(report["duplicates"])}
    services.imports.start(actor, run["_id"])
    worker = Worker(services, worker_id="bench-pages")
    started = time.perf_counter()
    job = services.jobs.claim("bench-pages", 3600, kinds=["import"])
    with trips.counted():
        worker.run_one(job)
    result["import_seconds"] = time.perf_counter() - started
    result["import_round_trips"] = trips.summary(per=result["dry_run"]["rows"], top=16)
    done = services.imports.get(actor, run["_id"])
    result["imported"] = {key: done[key] for key in ("state", "created", "skipped", "failed")}
    started = time.perf_counter()
    result["index_jobs"] = 0  # the index jobs the import queued, as the worker runs them next
    while (job := services.jobs.claim("bench-pages", 3600)) is not None:
        worker.run_one(job)
        result["index_jobs"] += 1
    result["index_jobs_seconds"] = time.perf_counter() - started
    return result
