"""The soak's reckoning: the ledger of acknowledged writes against what the installation holds afterwards.

Read straight from the database and the object store (the services' own storage clients), once every
server is back, the worker has drained its queue and the sweeper has run after its grace period."""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime

from bench.soak_load import Ledger
from service.wiring import Services
from storage.documents import original_key
from storage.jobs import FAILED
from storage.jobs import QUEUED
from storage.jobs import RUNNING

CONTACT_PREFIX = "回访 client-"  # what the clients write (bench/soak_load.py)
LOAN_ORDER = {"requested": 0, "approved": 1, "out": 2, "returned": 3}


def check(services: Services, ledger: Ledger, since: datetime) -> list[str]:
    """Every discrepancy found, as sentences (none: the ledger and the installation agree)."""
    db = services.db
    problems: list[str] = []
    problems += _files(db, ledger, since)
    problems += _documents(services, ledger, since)
    problems += _loans(db, ledger)
    problems += _contacts(db, ledger, since)
    return problems


def _files(db, ledger: Ledger, since: datetime) -> list[str]:
    problems = []
    made = list(db["files"].find({"created_at": {"$gte": since}}, {"_id": 1, "version": 1, "location": 1}))
    by_tag = Counter((d.get("location") or {}).get("box") for d in made)
    for file_id, entry in ledger.files.items():
        if by_tag.get(entry["tag"], 0) != 1:
            problems.append(f"file {file_id} ({entry['tag']}): {by_tag.get(entry['tag'], 0)} files carry its tag")
    for tag, count in by_tag.items():
        if count > 1:
            problems.append(f"{count} files carry the tag {tag} (a create stored twice)")
    versions = Counter((v["file_id"], v["version"]) for v in db["file_versions"].find(
        {"file_id": {"$in": [str(d["_id"]) for d in made]}}, {"file_id": 1, "version": 1}))
    for doc in made:
        file_id = str(doc["_id"])
        kept = {n for (f, n) in versions if f == file_id}
        if kept != set(range(1, doc["version"] + 1)):
            problems.append(f"file {file_id} is at version {doc['version']} but keeps versions {sorted(kept)}")
        twice = [n for (f, n), c in versions.items() if f == file_id and c > 1]
        if twice:
            problems.append(f"file {file_id} keeps versions {twice} more than once")
        acked = ledger.files.get(file_id, {}).get("versions", set())
        if acked and max(acked) > doc["version"]:
            problems.append(f"file {file_id}: version {max(acked)} was acknowledged, the file is at {doc['version']}")
    found = {str(d["_id"]) for d in made}
    problems += [f"acknowledged file {f} is missing" for f in ledger.files if f not in found]
    return problems


def _documents(services: Services, ledger: Ledger, since: datetime) -> list[str]:
    problems = []
    docs = list(services.db["documents"].find({"uploaded_at": {"$gte": since}}))
    by_id = {str(d["_id"]): d for d in docs}
    same = Counter((d["file_id"], d["sha256"]) for d in docs if d.get("status") != "deleted")
    problems += [f"file {f} holds the scan {s[:12]} {n} times" for (f, s), n in same.items() if n > 1]
    for document_id, entry in ledger.documents.items():
        doc = by_id.get(document_id)
        if doc is None:
            problems.append(f"acknowledged document {document_id} is missing")
        elif doc["sha256"] != entry["sha256"] or doc["file_id"] != entry["file_id"]:
            problems.append(f"document {document_id} differs from what was acknowledged")
    for document_id, doc in by_id.items():
        try:
            data = services.objects.read("originals", original_key(document_id))
        except FileNotFoundError:
            problems.append(f"document {document_id} has a record but no stored object")
            continue
        if hashlib.sha256(data).hexdigest() != doc["sha256"]:
            problems.append(f"document {document_id}: the stored object's checksum differs from its record")
    return problems


def _loans(db, ledger: Ledger) -> list[str]:
    problems = []
    loans = {str(d["_id"]): d for d in db["loans"].find({"_id": {"$in": [_oid(k) for k in ledger.loans]}})}
    for loan_id, entry in ledger.loans.items():
        doc = loans.get(loan_id)
        if doc is None:
            problems.append(f"acknowledged loan {loan_id} is missing")
            continue
        acked, stored = LOAN_ORDER.get(entry["status"], 9), LOAN_ORDER.get(doc["status"], 9)
        if stored < acked or (stored > acked and not entry.get("unsure")):
            problems.append(f"loan {loan_id}: acknowledged {entry['status']}, stored {doc['status']}")
    reached = {"decision": ("approved", "rejected", "out", "returned", "lost", "overdue"),
               "checkout": ("out", "returned", "lost", "overdue"), "return": ("returned", "lost")}
    for claim in db["loan_steps"].find({}):
        loan_id, _, step = str(claim["_id"]).partition(":")
        doc = loans.get(loan_id)
        if doc is not None and step in reached and doc["status"] not in reached[step]:
            problems.append(f"loan {loan_id}: its {step} step is claimed but the loan is {doc['status']} "
                            f"(half done: nobody can take that step again)")
    out = Counter(d["file_id"] for d in db["loans"].find({"status": {"$in": ["out", "overdue"]}}, {"file_id": 1}))
    problems += [f"folder {f} is lent to {n} people at once" for f, n in out.items() if n > 1]
    for claim in db["folders_out"].find({}):
        holder = db["loans"].find_one({"_id": _oid(claim["loan_id"])}, {"status": 1})
        if not claim.get("lost") and (holder is None or holder["status"] not in ("out", "overdue")):
            problems.append(f"folder {claim['_id']} is marked out to loan {claim['loan_id']}, which is "
                            f"{holder and holder['status']}")
    return problems


def _contacts(db, ledger: Ledger, since: datetime) -> list[str]:
    problems = []
    stored = Counter(d["content"] for d in db["contacts"].find({"created_at": {"$gte": since}}, {"content": 1})
                     if d["content"].startswith(CONTACT_PREFIX))  # the seeding's contacts are not the clients'
    for contact_id, entry in ledger.contacts.items():
        if stored.get(entry["content"], 0) != 1:
            problems.append(f"contact {contact_id}: stored {stored.get(entry['content'], 0)} times")
    problems += [f"the contact '{c}' is stored {n} times" for c, n in stored.items() if n > 1]
    return problems


def unfinished_jobs(db, now: datetime) -> list[str]:
    """Jobs that are neither done nor failed with a reason (scheduled ones waiting for their time aside)."""
    problems = []
    for job in db["jobs"].find({"state": {"$in": [QUEUED, RUNNING, FAILED]}}):
        if job["state"] == FAILED and not job.get("last_error"):
            problems.append(f"job {job['_id']} ({job['kind']}) failed without a reason")
        elif job["state"] == RUNNING or (job["state"] == QUEUED and job.get("run_after") and job["run_after"] <= now):
            problems.append(f"job {job['_id']} ({job['kind']}) is still {job['state']}")
    return problems


def failed_jobs(db) -> Counter:
    """Failed jobs by kind and reason's first line."""
    return Counter((j["kind"], (j.get("last_error") or "").splitlines()[0][:100] if j.get("last_error") else "")
                   for j in db["jobs"].find({"state": FAILED}))


def _oid(value: str):
    from bson import ObjectId
    try:
        return ObjectId(value)
    except Exception:  # noqa: BLE001 - ids that are not ObjectIds are looked up as they are
        return value
