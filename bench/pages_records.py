"""Every record of one seeded customer file, built the way the services build them.

`Records.file(body)` returns a `Bundle`: the file and what its life so far left behind (the version,
the claimed archive number, the retention state, three OCR'd documents and their content claims,
the follow-ups the rules gave it, contact records that closed the past ones, one loan in five with
its step claims, the audit events of all that) and its search index entries. Derived values come
from the product's own functions (name keys, duplicate keys, follow-up occurrences, retention
decisions, file snapshots, index entries); every record is checked against the key set the services
stored in the sample run (bench/pages_world.py), so a new field in the product fails the benchmark
instead of seeding records of an old shape.
"""
from __future__ import annotations

import copy
import hashlib
import os
import random
import re
import struct
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from bson import ObjectId

from bench.pages_texts import PageTexts
from bench.pages_world import People
from bench.pages_world import Shapes
from search import PageEntry
from service.accounts import User
from service.files import EDITABLE
from service.files import duplicate_keys
from service.followups import file_snapshot
from service.followups import rules as followups_rules
from service.fulltext import file_entry
from service.retention import rules as retention_rules
from service.wiring import Services
from storage.documents import original_key
from storage.files import version_key

LOAN_EVERY = 5
LOAN_STATES = (("returned", 55), ("out", 12), ("overdue", 8), ("approved", 5), ("requested", 10),
               ("rejected", 5), ("cancelled", 5))
VIEWS = (1, 4)  # file.viewed entries per file, from-to
CHANNELS = ("phone", "phone", "wechat", "visit", "sms")


def ms(moment: datetime) -> datetime:
    """A time as the database keeps it (milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def object_id(at: datetime) -> ObjectId:
    """A unique ObjectId whose time part is `at`, as if made then."""
    return ObjectId(struct.pack(">I", int(at.timestamp())) + os.urandom(8))


@dataclass
class Bundle:
    """Records by collection, audit events (at, actor, action, target, details), index entries."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    events: list[tuple] = field(default_factory=list)
    entries: list = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def add(self, collection: str, doc: dict) -> None:
        """One record to insert."""
        self.records.setdefault(collection, []).append(doc)

    def event(self, at: datetime, actor: str, action: str, target: str, details: dict) -> None:
        """One audit event (chained later, in time order)."""
        self.events.append((ms(at), actor, action, target, details))


class Records:
    """Builds the records of seeded files; one instance per run (it keeps the archive-number counters)."""

    def __init__(self, services: Services, people: People, shapes: Shapes, rng: random.Random, now: datetime):
        self.services, self.people, self.shapes, self.rng, self.now = services, people, shapes, rng, now
        self.zone = ZoneInfo(services.settings.timezone)
        self.today = now.astimezone(self.zone).date()
        self.policies = services.retention.repo.policies()
        self.rules = services.followups.rules()
        self.counters: dict[str, int] = {}
        self.texts = PageTexts(rng)
        self.users = people.by_username()
        self.loan_days = services.settings.loan_days.get("staff", 14)

    # -- the file --------------------------------------------------------------------------------
    def file(self, body: dict, owner: User, created: datetime) -> Bundle:
        """Every record of one file registered by `owner` at `created`."""
        bundle = Bundle()
        doc = self._file_doc(body, owner, created, bundle)
        state = self._retention(doc, bundle)
        # the entry copies the retention as the index job reads it (fulltext.retention_of)
        entry = file_entry(doc, {"kind": state["kind"], "destroy_after": state["destroy_after"], "held": False})
        bundle.entries.append(entry)
        bundle.terms += [w for w in (doc["name"], doc["classification"].get("project")) if w]
        for number, (doc_type, title, pages) in enumerate(self.texts.documents(doc)):
            self._document(doc, entry, owner, created + timedelta(days=number, hours=self.rng.uniform(1, 8)),
                           doc_type, title, pages, bundle)
        self._followups(doc, bundle)
        for _ in range(self.rng.randint(*VIEWS)):
            viewer = self.rng.choice(self.people.staff[doc["department"]] + self.people.archivists)
            bundle.event(self._after(created), viewer.username, "file.viewed", f"file:{doc['_id']}", {})
        if self.rng.randrange(LOAN_EVERY) == 0 and doc["security"] != "sealed":
            self._loan(doc, bundle)
        return bundle

    def _file_doc(self, body: dict, owner: User, created: datetime, bundle: Bundle) -> dict:
        files = self.services.files
        state = {"template": body["template"], "name": body["name"], "fields": body["fields"],
                 "classification": body["classification"], "security": body["security"],
                 "department": body["department"], "location": body["location"], "status": "active"}
        file_id = object_id(created)
        doc = {"_id": file_id, **state, **files._derived(state), "owner": owner.username,
               "template_version": files.registry.get(state["template"]).get("version", 1), "version": 1,
               "created_at": created, "created_by": owner.username, "updated_at": created,
               "updated_by": owner.username, "dup_keys": duplicate_keys(state)}
        doc["archive_no"] = self._archive_number(doc, created, bundle)
        self.shapes.check("file", doc)
        snapshot = {k: copy.deepcopy(v) for k, v in doc.items() if k != "_id"}
        bundle.add("file_versions", {"_id": version_key(str(file_id), 1), "file_id": str(file_id), "version": 1,
                                     "at": created, "actor": owner.username, "changes": sorted(EDITABLE),
                                     "state": snapshot})
        bundle.add("files", doc)
        bundle.event(created, owner.username, "file.created", f"file:{file_id}", {"archive_no": doc["archive_no"]})
        return doc

    def _archive_number(self, doc: dict, created: datetime, bundle: Bundle) -> str:
        """The next number of the rule's scope, claimed in sequence_numbers as Sequences.next does."""
        files = self.services.files
        project = doc["classification"].get("project", "")
        values = {"project": re.sub(r"[^\w-]", "", project or "") or "KH", "yyyy": f"{created.year:04d}",
                  "yy": f"{created.year % 100:02d}", "mm": f"{created.month:02d}"}
        scope = files._scope(values)
        if scope not in self.counters:  # numbers drawn since (an import) or seeded in an earlier phase
            self.counters[scope] = files.sequences.highest(scope)
        self.counters[scope] += 1
        number = self.counters[scope]
        bundle.add("sequence_numbers", {"_id": files.sequences._key(scope, number), "scope": scope, "n": number,
                                        "owner": str(doc["_id"]), "at": created})
        return files.number_rule.format(seq=number, **values)

    def _retention(self, doc: dict, bundle: Bundle) -> dict:
        """The state RetentionService.recompute stores after the file is made."""
        outcome = retention_rules.decide(self.policies, doc, set(), None, self.zone)
        policy = outcome.policy or {}
        state = {"_id": str(doc["_id"]), "file_id": str(doc["_id"]), "archive_no": doc["archive_no"],
                 "status": doc["status"], "kind": outcome.kind,
                 "policy_id": str(policy["_id"]) if policy else None, "policy_name": policy.get("name"),
                 "trigger": policy.get("trigger"), "years": policy.get("years"),
                 "trigger_date": outcome.trigger_date.isoformat() if outcome.trigger_date else None,
                 "destroy_after": outcome.destroy_after.isoformat() if outcome.destroy_after else None,
                 "computed_at": doc["created_at"],
                 "lock_until": retention_rules.lock_until(outcome, self.zone, doc["created_at"]),
                 "legal_hold": False, "locks_synced": True}
        self.shapes.check("retention", state)
        bundle.add("retention", state)
        return state

    # -- documents -------------------------------------------------------------------------------
    def _document(self, file_doc: dict, entry, owner: User, uploaded: datetime, doc_type: str, title: str,
                  pages: list[str], bundle: Bundle) -> None:
        uploaded = ms(min(uploaded, self.now - timedelta(minutes=5)))
        document_id = object_id(uploaded)
        sha256 = hashlib.sha256(os.urandom(16)).hexdigest()
        size = self.rng.randint(180_000, 900_000) * len(pages)
        started = uploaded + timedelta(seconds=self.rng.uniform(2, 60))
        document = {**copy.deepcopy(self.shapes.samples["document"]),
                    "_id": document_id, "file_id": str(file_doc["_id"]), "doc_type": doc_type, "title": title,
                    "original_name": f"{title}.pdf", "key": original_key(document_id), "sha256": sha256,
                    "size": size, "media_type": "application/pdf", "pages": len(pages), "ocr_status": "done",
                    "ocr_error": None, "ocr_job": str(object_id(uploaded)), "ocr_progress": len(pages),
                    "ocr_sources": {"ocr": len(pages)}, "text_chars": sum(len(t) for t in pages),
                    "ocr_started_at": ms(started), "ocr_done_at": ms(started + timedelta(seconds=2.5 * len(pages))),
                    "source": {"via": "upload"}, "status": "active", "uploaded_by": owner.username,
                    "uploaded_at": uploaded}
        self.shapes.check("document", document)
        bundle.add("documents", document)
        bundle.add("document_hashes", {"_id": f"{file_doc['_id']}:{sha256}", "document_id": str(document_id),
                                       "at": uploaded})
        bundle.event(uploaded, owner.username, "document.uploaded", f"document:{document_id}",
                     {"file_id": str(file_doc["_id"]), "sha256": sha256, "size": size, "doc_type": doc_type})
        bundle.entries += page_entries_of(document, entry, pages)

    # -- follow-ups ------------------------------------------------------------------------------
    def _followups(self, file_doc: dict, bundle: Bundle) -> None:
        """What FollowupService.schedule adds when the file is made, closed by contacts where past."""
        file_id, owner = str(file_doc["_id"]), self.users[file_doc["owner"]]
        snapshot = file_snapshot(file_doc)
        added = []
        for occurrence in followups_rules.occurrences(file_doc, self.rules, self.zone):
            cs = occurrence["kind"] == followups_rules.CS
            doc = {"_id": f"{file_id}:{occurrence['rule']}", "file_id": file_id, "kind": occurrence["kind"],
                   "rule": occurrence["rule"], "purpose": occurrence["purpose"], "due": occurrence["due"].isoformat(),
                   "assignee": "" if cs else owner.username, "team": self.rules["cs_department"] if cs
                   else owner.department, "status": "open", "created_at": file_doc["created_at"], **snapshot}
            if self._closed(occurrence["due"]):
                self._close(doc, file_doc, self.rng.choice(self.people.cs_staff) if cs else owner, bundle)
            self.shapes.check(f"followup:{doc['status']}", doc)
            bundle.add("followups", doc)
            added.append(doc["_id"])
        if added:
            bundle.event(file_doc["created_at"], owner.username, "followup.scheduled", f"followups:{file_id}",
                         {"added": added, "reopened": [], "cancelled": []})

    def _closed(self, due: date) -> bool:
        """Past follow-ups are mostly done; recent ones less so; none in the future."""
        age = (self.today - due).days
        return age > 0 and self.rng.random() < (0.95 if age > 60 else 0.7)

    def _close(self, doc: dict, file_doc: dict, actor: User, bundle: Bundle) -> None:
        day = doc["due"] if self.rng.random() < 0.8 else (date.fromisoformat(doc["due"]) + timedelta(
            days=self.rng.randint(1, 20))).isoformat()
        day = min(day, self.today.isoformat())
        at = ms(datetime.combine(date.fromisoformat(day), datetime.min.time(), self.zone).astimezone(timezone.utc)
                + timedelta(hours=self.rng.uniform(1, 10)))
        at = max(at, file_doc["created_at"] + timedelta(minutes=1))
        contact_id = object_id(at)
        contact = {"_id": contact_id, "file_id": doc["file_id"], "person": file_doc["name"],
                   "purpose": doc["purpose"], "content": self.rng.choice(self.texts.CONTACT_NOTES), "feedback": "",
                   "next_step": "", "channel": self.rng.choice(CHANNELS),
                   "satisfaction": self.rng.randint(6, 10), "date": day, "followup_id": doc["_id"],
                   "recorded_by": actor.username, "recorded_by_name": actor.display_name, "created_at": at,
                   "complaint_id": None, **file_snapshot(file_doc)}
        self.shapes.check("contact", contact)
        bundle.add("contacts", contact)
        bundle.add("followup_closures", {"_id": doc["_id"], "contact_id": str(contact_id), "actor": actor.username,
                                         "at": at})
        doc.update(status="done", done_at=at, done_on=day, done_by=actor.username, contact_id=str(contact_id),
                   on_time=day <= doc["due"])
        bundle.event(at, actor.username, "contact.recorded", f"file:{doc['file_id']}",
                     {"contact": str(contact_id), "channel": contact["channel"], "followup": doc["_id"]})
        bundle.event(at, actor.username, "followup.done", f"file:{doc['file_id']}",
                     {"followup": doc["_id"], "on_time": doc["on_time"]})

    # -- loans -----------------------------------------------------------------------------------
    def _loan(self, file_doc: dict, bundle: Bundle) -> None:
        """One borrowing of the file, in a state drawn from LOAN_STATES, with its step claims."""
        state = self.rng.choices([s for s, _ in LOAN_STATES], weights=[w for _, w in LOAN_STATES])[0]
        pool = self.people.staff[file_doc["department"]] if file_doc["security"] == "confidential" \
            else [u for group in self.people.staff.values() for u in group]
        borrower = self.rng.choice([u for u in pool if u.username != file_doc["owner"]] or pool)
        requested = self._requested_at(file_doc, state)
        loan_id = object_id(requested)
        doc = {"_id": loan_id, "number": self._loan_number(requested, str(loan_id), bundle),
               "file_id": str(file_doc["_id"]), "archive_no": file_doc["archive_no"],
               "file_name": file_doc["name"], "file_department": file_doc["department"],
               "file_security": file_doc["security"], "kind": "physical",
               "purpose": self.rng.choice(self.texts.LOAN_PURPOSES), "days": self.loan_days,
               "borrower": borrower.username, "borrower_id": borrower.id, "borrower_name": borrower.display_name,
               "borrower_department": borrower.department, "status": "requested", "requested_at": requested,
               "renewals": 0, "renewed": []}
        bundle.event(requested, borrower.username, "loan.requested", f"loan:{loan_id}",
                     {"file_id": doc["file_id"], "kind": "physical", "days": doc["days"], "purpose": doc["purpose"]})
        if state != "requested":
            self._decide(doc, state, file_doc, bundle)
        if state in ("out", "overdue", "returned"):
            self._hand_out(doc, state, bundle)
        if state == "returned":
            self._take_back(doc, bundle)
        self.shapes.check(f"loan:{'out' if state == 'overdue' else state}", doc)
        bundle.add("loans", doc)

    def _loan_number(self, requested: datetime, loan_id: str, bundle: Bundle) -> str:
        """The loan's number of its year (JY2026-00042), claimed in sequence_numbers as LoanService.number does."""
        loans = self.services.loans
        year = requested.astimezone(loans.zone).year
        scope = f"loan-{year}-#"
        if scope not in self.counters:
            self.counters[scope] = self.services.files.sequences.highest(scope)
        self.counters[scope] += 1
        number = self.counters[scope]
        bundle.add("sequence_numbers", {"_id": self.services.files.sequences._key(scope, number), "scope": scope,
                                        "n": number, "owner": loan_id, "at": requested})
        return f"JY{year}-{number:05d}"

    def _requested_at(self, file_doc: dict, state: str) -> datetime:
        if state in ("requested", "approved"):
            back = timedelta(days=self.rng.uniform(1, 6))
        elif state == "out":
            back = timedelta(days=self.rng.uniform(2, self.loan_days - 1))
        elif state == "overdue":
            back = timedelta(days=self.loan_days + self.rng.uniform(2, 60))
        else:
            return self._after(file_doc["created_at"], leave=timedelta(days=self.loan_days + 10))
        return ms(max(self.now - back, file_doc["created_at"] + timedelta(minutes=30)))

    def _decide(self, doc: dict, state: str, file_doc: dict, bundle: Bundle) -> None:
        approver = self.people.approvers[file_doc["department"]]
        at = ms(doc["requested_at"] + timedelta(minutes=self.rng.uniform(10, 240)))
        doc.update(status="rejected" if state == "rejected" else "approved", decided_by=approver.username,
                   decided_at=at)
        self._step(doc, "decision", approver.username, at, bundle)
        if state == "rejected":
            doc["reason"] = "借阅目的不明确，请补充说明"
            bundle.event(at, approver.username, "loan.rejected", f"loan:{doc['_id']}",
                         {"file_id": doc["file_id"], "reason": doc["reason"]})
            return
        bundle.event(at, approver.username, "loan.approved", f"loan:{doc['_id']}",
                     {"file_id": doc["file_id"], "kind": "physical", "due_at": None})
        if state == "cancelled":
            ended = ms(at + timedelta(hours=self.rng.uniform(1, 48)))
            doc.update(status="cancelled", ended_at=ended)
            self._step(doc, "end", doc["borrower"], ended, bundle)
            bundle.event(ended, doc["borrower"], "loan.cancelled", f"loan:{doc['_id']}", {"file_id": doc["file_id"]})

    def _hand_out(self, doc: dict, state: str, bundle: Bundle) -> None:
        desk = self.rng.choice(self.people.archivists)
        at = ms(doc["decided_at"] + timedelta(hours=self.rng.uniform(1, 20)))
        doc.update(status="out", handed_out_by=desk.username, handed_out_at=at,
                   due_at=at + timedelta(days=doc["days"]))
        self._step(doc, "checkout", desk.username, at, bundle)
        if state != "returned":
            bundle.add("folders_out", {"_id": doc["file_id"], "loan_id": str(doc["_id"]), "at": at, "lost": False})
        bundle.event(at, desk.username, "loan.handed_out", f"loan:{doc['_id']}",
                     {"file_id": doc["file_id"], "borrower": doc["borrower"], "due_at": doc["due_at"]})

    def _take_back(self, doc: dict, bundle: Bundle) -> None:
        desk = self.rng.choice(self.people.archivists)
        at = ms(doc["handed_out_at"] + timedelta(days=self.rng.uniform(1, doc["days"] + 3)))
        doc.update(status="returned", returned_by=desk.username, returned_at=at, condition="ok", note="")
        self._step(doc, "return", desk.username, at, bundle)
        bundle.event(at, desk.username, "loan.returned", f"loan:{doc['_id']}",
                     {"file_id": doc["file_id"], "condition": "ok", "note": ""})

    def _step(self, doc: dict, step: str, actor: str, at: datetime, bundle: Bundle) -> None:
        record = {"_id": f"{doc['_id']}:{step}", "actor": actor, "at": at}
        self.shapes.check("loan_step", record)
        bundle.add("loan_steps", record)

    def _after(self, start: datetime, leave: timedelta = timedelta(minutes=5)) -> datetime:
        """A moment between `start` and now (less `leave`)."""
        end = max(start + timedelta(minutes=1), self.now - leave)
        return ms(start + (end - start) * self.rng.random())


def page_entries_of(document: dict, entry, texts: list[str]) -> list[PageEntry]:
    """The page entries `service.fulltext.entries.page_entries` builds from a document's stored page texts
    (checked against it on the OCR'd samples by `check_page_entries`)."""
    return [PageEntry(document_id=str(document["_id"]), page=number, file_id=entry.file_id,
                      archive_no=entry.archive_no, name=entry.name, doc_type=document.get("doc_type") or "",
                      title=document.get("title") or "", text=text, security=entry.security,
                      department=entry.department, customer_type=entry.customer_type, stage=entry.stage,
                      project=entry.project, uploaded=document["uploaded_at"])
            for number, text in enumerate(texts, start=1)]


def check_page_entries(shapes: Shapes) -> None:
    """Fail unless page_entries_of builds exactly what the product built for the sample documents."""
    for document, file_doc, entries in shapes.pages:
        ours = page_entries_of(document, file_entry(file_doc), [e.text for e in entries])
        if ours != entries:
            raise RuntimeError("the page entries changed: update bench/pages_records.page_entries_of\n"
                               f"product: {entries}\nseeding: {ours}")
