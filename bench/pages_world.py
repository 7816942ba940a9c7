"""The people, retention policies and sample records of the pages benchmark, made through the services.

`make_people` and `make_policies` run in the benchmark's own database: every account and policy
there is real. `learn_shapes` runs once in a scratch database: it registers files, uploads
text-layer PDFs and runs their OCR jobs in the worker, takes loans through every step, records a
contact, and keeps what the services stored (the key set of each kind of record, the audit
entries' details, the page entries `page_entries` builds from the stored OCR text), so that the
bulk seeding in bench/pages_seed.py can check that it writes records of exactly those shapes.
"""
from __future__ import annotations

import io
import random
import tempfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from bench.bench_files import DEPARTMENTS
from bench.bench_files import file_body
from search import PageEntry
from service.accounts import User
from service.fulltext import file_entry
from service.fulltext import page_entries
from service.wiring import Services
from service.wiring import build_services
from service.worker import Worker

PASSWORD = "Bench-Pages-2024-pass"
CS_DEPARTMENT = "客服部"  # the follow-up rules' default customer-service pool
ARCHIVE_ROOM = "档案室"
STAFF_PER_DEPARTMENT = 8
CS_STAFF = 4
# name, match, trigger, years (None: permanent); about 1 % of files are due at any time
POLICIES = (
    ("意向投资客户 建档后 2 年", {"stage": "意向", "customer_type": "投资"}, "created", 2),
    ("潜在客户 建档后 5 年", {"stage": "潜在"}, "created", 5),
    ("成交客户 结案后 30 年", {"stage": "成交"}, "closed", 30),
    ("企业客户 永久保存", {"template": "enterprise"}, "created", None),
)


@dataclass
class People:
    """Every account the benchmark uses, by role; staff by department."""

    admin: User
    archivists: list[User]
    executive: User
    auditor: User
    approvers: dict[str, User]
    staff: dict[str, list[User]]
    cs_staff: list[User]

    def everyone(self) -> list[User]:
        """All accounts."""
        return [self.admin, *self.archivists, self.executive, self.auditor, *self.approvers.values(),
                *(u for group in self.staff.values() for u in group), *self.cs_staff]

    def by_username(self) -> dict[str, User]:
        """Accounts by username."""
        return {u.username: u for u in self.everyone()}


def make_people(services: Services, per_department: int = STAFF_PER_DEPARTMENT) -> People:
    """Create the accounts through UserService (argon2 hashes and all)."""
    create = services.users.create
    staff = {dept: [create(f"s{d + 1}-{n + 1:02d}", PASSWORD, ["staff"], dept, f"{dept}职员{n + 1}")
                    for n in range(per_department)] for d, dept in enumerate(DEPARTMENTS)}
    approvers = {dept: create(f"mgr{d + 1}", PASSWORD, ["approver"], dept, f"{dept}经理")
                 for d, dept in enumerate((*DEPARTMENTS, CS_DEPARTMENT))}
    return People(admin=create("admin", PASSWORD, ["admin"], "信息部", "系统管理员"),
                  archivists=[create(f"arch{n}", PASSWORD, ["archivist"], ARCHIVE_ROOM, f"档案员{n}")
                              for n in (1, 2)],
                  executive=create("gm", PASSWORD, ["executive"], "总经理办公室", "总经理"),
                  auditor=create("audit1", PASSWORD, ["auditor"], "审计部", "审计员"),
                  approvers=approvers, staff=staff,
                  cs_staff=[create(f"cs{n + 1:02d}", PASSWORD, ["staff"], CS_DEPARTMENT, f"客服{n + 1}")
                            for n in range(min(CS_STAFF, per_department))])


def make_policies(services: Services, people: People) -> list[dict]:
    """The retention policies, defined by the admin through RetentionService."""
    for name, match, trigger, years in POLICIES:
        services.retention.create_policy(people.admin, {"name": name, "match": match, "trigger": trigger,
                                                        "years": years})
    return services.retention.repo.policies()


@dataclass
class Shapes:
    """What the services stored: key sets by kind of record, audit details' keys by action, page entries."""

    keys: dict[str, frozenset] = field(default_factory=dict)
    details: dict[str, frozenset] = field(default_factory=dict)
    samples: dict[str, dict] = field(default_factory=dict)
    pages: list[tuple[dict, dict, list[PageEntry]]] = field(default_factory=list)  # (document, file, entries)

    def keep(self, kind: str, doc: dict | None) -> None:
        """Remember a stored record as the shape of its kind."""
        if doc is None:
            raise RuntimeError(f"the sample run stored no {kind}")
        self.keys[kind] = frozenset(doc)
        self.samples[kind] = doc

    def check(self, kind: str, doc: dict) -> None:
        """Fail if a seeded record's keys differ from what the service stored."""
        if frozenset(doc) != self.keys[kind]:
            raise RuntimeError(f"the stored shape of {kind} changed: the services write {sorted(self.keys[kind])}, "
                               f"the seeding {sorted(doc)}; update bench/pages_seed.py")


def learn_shapes(settings) -> Shapes:
    """Make one of everything through the services in a scratch database and keep its shapes."""
    with tempfile.TemporaryDirectory(prefix="bench-pages-shapes-") as tmp:
        scratch = settings.with_overrides(db_name=f"{settings.db_name}_shapes",
                                          bucket_prefix=f"{settings.bucket_prefix}-s",
                                          index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data")
        services = build_services(scratch)
        try:
            services.ensure_schema()
            return _samples(services)
        finally:
            services.client.drop_database(scratch.db_name)
            services.objects.drop_all()
            services.close()


def _samples(services: Services) -> Shapes:
    people = make_people(services, per_department=2)
    make_policies(services, people)
    shapes = Shapes()
    staff = people.staff[DEPARTMENTS[0]][0]
    rng = random.Random(7)
    bought = _register(services, staff, rng, "成交", "individual")
    _register(services, staff, rng, "意向", "enterprise")
    db = services.db
    shapes.keep("file", db.files.find_one({"_id": bought["_id"]}))
    for kind, collection in (("file_version", "file_versions"), ("sequence_number", "sequence_numbers"),
                             ("retention", "retention")):
        shapes.keep(kind, db[collection].find_one())
    _documents(services, staff, bought, shapes)
    _loans(services, people, bought, shapes)
    _contact(services, staff, bought, shapes)
    for entry in db.audit.find():
        shapes.details.setdefault(entry["action"], frozenset(entry["details"]))
    shapes.keep("audit", db.audit.find_one())
    return shapes


def _register(services: Services, actor: User, rng: random.Random, stage: str, template: str) -> dict:
    while True:
        body = file_body(rng)
        if body["template"] == template:
            break
    body.update(department=actor.department, security="normal")
    body["classification"]["stage"] = stage
    return services.files.create(actor, body)


def _documents(services: Services, actor: User, file_doc: dict, shapes: Shapes) -> None:
    from tests.support.scans import text_layer_pdf  # reportlab, a development dependency, makes the PDFs
    texts = (("purchase_contract", "商品房买卖合同",
              "商品房买卖合同\n买受人：" + file_doc["name"] + "\n第一条 项目建设依据"),
             ("id_copy", "身份证复印件", "居民身份证\n姓名 " + file_doc["name"]))
    for doc_type, title, text in texts:
        services.documents.upload(actor, str(file_doc["_id"]), io.BytesIO(text_layer_pdf(text)), f"{doc_type}.pdf",
                                  doc_type, title)
    worker = Worker(services, worker_id="bench-shapes")
    while (job := services.jobs.claim("bench-shapes", 600)) is not None:
        worker.run_one(job)
    entry = file_entry(services.db.files.find_one({"_id": file_doc["_id"]}))
    for document in services.db.documents.find({"file_id": str(file_doc["_id"])}):
        if document.get("ocr_status") != "done":
            raise RuntimeError(f"the sample's OCR did not finish: {document.get('ocr_error')}")
        shapes.pages.append((document, file_doc, page_entries(services.objects, document, entry)))
    shapes.keep("document", document)
    shapes.keep("document_hash", services.db.document_hashes.find_one())


def _loans(services: Services, people: People, file_doc: dict, shapes: Shapes) -> None:
    """A loan in each state, stepped through the services (approver, desk) as at the archive."""
    borrower = people.staff[DEPARTMENTS[0]][1]
    approver, desk = people.approvers[DEPARTMENTS[0]], people.archivists[0]
    file_id = str(file_doc["_id"])

    def ask(kind: str = "physical") -> str:
        return str(services.loans.request(borrower, {"file_id": file_id, "kind": kind, "purpose": "核对合同条款",
                                                     "days": 7})["_id"])

    returned = ask()
    services.loans.approve(approver, returned)
    services.loan_desk.checkout(desk, returned)
    shapes.keep("loan:out", services.loans.repo.by_id(returned))
    shapes.keep("folder_out", services.db.folders_out.find_one())
    services.loan_desk.take_back(desk, returned, "ok", "")
    shapes.keep("loan:returned", services.loans.repo.by_id(returned))
    approved = ask()
    services.loans.approve(approver, approved)
    shapes.keep("loan:approved", services.loans.repo.by_id(approved))
    services.loans.cancel(borrower, approved)
    shapes.keep("loan:cancelled", services.loans.repo.by_id(approved))
    rejected = ask()
    services.loans.reject(approver, rejected, "用途不明确")
    shapes.keep("loan:rejected", services.loans.repo.by_id(rejected))
    shapes.keep("loan:requested", services.loans.repo.by_id(ask()))
    shapes.keep("loan_step", services.db.loan_steps.find_one())


def _contact(services: Services, actor: User, file_doc: dict, shapes: Shapes) -> None:
    """Record a contact that closes the file's first follow-up."""
    followup = services.db.followups.find_one({"file_id": str(file_doc["_id"]), "kind": "owner"})
    shapes.keep("followup:open", followup)
    services.followups.record(actor, str(file_doc["_id"]), {
        "person": file_doc["name"], "channel": "phone", "purpose": followup["purpose"], "content": "客户对户型满意",
        "feedback": "", "next_step": "", "followup_id": followup["_id"], "satisfaction": 9})
    shapes.keep("followup:done", services.db.followups.find_one({"_id": followup["_id"]}))
    shapes.keep("contact", services.db.contacts.find_one())
    shapes.keep("followup_closure", services.db.followup_closures.find_one())
