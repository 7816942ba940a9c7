"""The archive centre's review of a submission: accept and catalogue the file, or return it item by item.

One decision per version: the review record `<submission_id>:<version>` is a unique insert, so of two
archivists deciding at once one wins and the other gets 409.
"""
from __future__ import annotations

from service import access
from service import clock
from service.accounts import User
from service.errors import Conflict
from service.errors import Invalid
from service.errors import Malformed
from service.errors import StaleVersion
from service.files import LOCATION_KEYS
from service.intake.service import IntakeService
from service.messages import N_
from storage.intake import version_key

REQUIRED_PLACE = ("room", "cabinet", "shelf", "box")
PLACE_MAX = 40
ITEM_MAX = 80
REASON_MAX = 300
MAX_RETURN_ITEMS = 50


def hours_between(start, end) -> float | None:
    """Hours from start to end, one decimal; None if either is missing."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 1)


def check_location(current: dict, given) -> dict:
    """The folder's place: the file's current one overlaid with the given parts; Invalid naming bad parts."""
    if given is None:
        given = {}
    if not isinstance(given, dict) or set(given) - set(LOCATION_KEYS):
        raise Invalid(N_("位置含有未知的部分"),
                      {"location": N_("只能包含 %(keys)s", keys=", ".join(LOCATION_KEYS))})
    problems = {f"location.{k}": N_("至多 %(n)s 个字符", n=PLACE_MAX)
                for k, v in given.items() if v is not None and (not isinstance(v, str) or len(v) > PLACE_MAX)}
    if problems:
        raise Invalid(N_("位置无效"), problems)
    place = {k: v for k, v in (current or {}).items() if k in LOCATION_KEYS and v}
    place.update({k: v.strip() for k, v in given.items() if isinstance(v, str) and v.strip()})
    missing = {f"location.{k}": N_("必填") for k in REQUIRED_PLACE if not place.get(k)}
    if missing:
        raise Invalid(N_("纸质档案的存放位置不完整"), missing)
    return place


def check_items(items) -> list[dict]:
    """The returned items, each with its reason; Invalid naming each bad one."""
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_RETURN_ITEMS:
        raise Invalid(N_("请至少列出一项并写明原因"),
                      {"items": N_("1-%(n)s 项，每项写明原因", n=MAX_RETURN_ITEMS)})
    problems, cleaned = {}, []
    for n, entry in enumerate(items):
        item = entry.get("item") if isinstance(entry, dict) else None
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if not isinstance(item, str) or not item.strip() or len(item) > ITEM_MAX:
            problems[f"items.{n}.item"] = N_("请填写 1-%(n)s 个字符", n=ITEM_MAX)
        elif not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
            problems[f"items.{n}.reason"] = N_("请写明原因（至多 %(n)s 字）", n=REASON_MAX)
        else:
            cleaned.append({"item": item.strip(), "reason": reason.strip()})
    if problems:
        raise Invalid(N_("归还登记无效"), problems)
    return cleaned


class IntakeReview:
    """Accept (catalogue) or return a submission (archivist)."""

    def __init__(self, intake: IntakeService):
        self.intake = intake
        self.repo = intake.repo
        self.files = intake.files
        self.audit = intake.audit

    def _open(self, actor: User, submission_id, body) -> dict:
        access.require(actor, "intake.review")
        doc = self.intake.get(actor, submission_id)
        expected = body.get("version") if isinstance(body, dict) else None
        if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)):
            raise Malformed(N_("version 应为整数"), {"version": "integer"})
        if doc["status"] != "pending" or (expected is not None and expected != doc["version"]):
            raise Conflict(N_("该提交已处理") if doc["status"] != "pending" else N_("该提交已更新"),
                           {"status": doc["status"], "version": doc["version"]})
        return doc

    def _claim(self, actor: User, doc: dict, outcome: str, at, extra: dict) -> None:
        record = {"_id": version_key(doc["_id"], doc["version"]), "submission_id": str(doc["_id"]),
                  "version": doc["version"], "outcome": outcome, "by": actor.username, "at": at, **extra}
        if not self.repo.claim_review(record):
            raise Conflict(N_("另一位档案管理员刚处理了这个提交"))

    def return_(self, actor: User, submission_id, body) -> dict:
        """Return the submission with a reason per item; the submitter sees it and resubmits."""
        doc = self._open(actor, submission_id, body)
        items = check_items(body.get("items") if isinstance(body, dict) else None)
        at = clock.now()
        self._claim(actor, doc, "returned", at, {"items": items})
        changes = {"status": "returned", "returned_items": items, "reviewed_by": actor.username,
                   "reviewed_at": at, "turnaround_hours": hours_between(doc["submitted_at"], at)}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "intake.returned", f"intake:{doc['_id']}",
                          {"version": doc["version"], "items": [i["item"] for i in items]})
        return {**doc, **changes}

    def accept(self, actor: User, submission_id, body) -> dict:
        """Accept: the file gets its archive number (if none), its folder place, a contents list and a label."""
        body = body if isinstance(body, dict) else {}
        doc = self._open(actor, submission_id, body)
        missing = self.intake.missing(doc)
        if missing:
            raise Invalid(N_("提交不完整"),
                          {m["item"]: N_("缺少：%(label)s", label=m["label"]) for m in missing})
        file_doc = self.files.load(actor, doc["file_id"], "file.edit")
        place = check_location(file_doc.get("location") or {}, body.get("location"))
        at = clock.now()
        self._claim(actor, doc, "accepted", at, {"location": place})
        try:
            file_doc = self._catalogue(actor, file_doc, place)
        except Exception:
            self.repo.release_review(doc["_id"], doc["version"])
            raise
        catalogue = {"archive_no": file_doc["archive_no"], "location": place,
                     "contents": self.contents(doc), "paper_items": doc.get("paper_items", [])}
        changes = {"status": "accepted", "reviewed_by": actor.username, "reviewed_at": at,
                   "archive_no": file_doc["archive_no"], "catalogue": catalogue,
                   "turnaround_hours": hours_between(doc["submitted_at"], at),
                   "total_hours": hours_between(doc["first_submitted_at"], at)}
        self.repo.set(doc["_id"], changes)
        self.repo.release_file(doc["file_id"], str(doc["_id"]))
        self.audit.record(actor.username, "intake.accepted", f"intake:{doc['_id']}",
                          {"version": doc["version"], "file_id": doc["file_id"], "archive_no": file_doc["archive_no"],
                           "location": place})
        return {**doc, **changes}

    def _catalogue(self, actor: User, file_doc: dict, place: dict) -> dict:
        """Give the file its number (if it has none) and its place, as a new version of the file."""
        file_id = str(file_doc["_id"])
        if file_doc.get("archive_no"):
            if place == {k: v for k, v in (file_doc.get("location") or {}).items() if v}:
                return file_doc
            try:
                return self.files.patch(actor, file_id, file_doc["version"], {"location": place})
            except StaleVersion:
                raise Conflict(N_("档案刚被修改，请重试")) from None
        at = clock.now()
        number = self.files.archive_number((file_doc.get("classification") or {}).get("project", ""), at, file_id)
        new_doc = {**file_doc, "archive_no": number, "location": place, "version": file_doc["version"] + 1,
                   "updated_at": at, "updated_by": actor.username}
        try:
            self.files._commit(actor, file_id, new_doc, ["archive_no", "location"], {"catalogued": True})
        except StaleVersion:
            raise Conflict(N_("档案刚被修改，请重试")) from None
        self.audit.record(actor.username, "file.updated", f"file:{file_id}",
                          {"version": new_doc["version"], "changes": ["archive_no", "location"]})
        return new_doc

    def contents(self, doc: dict) -> list[dict]:
        """The contents list (目录) of a submission's scans: type, title, pages, in the order listed."""
        labels = self.intake.doc_types.labels()
        rows = []
        for n, document_id in enumerate(doc.get("documents", []), start=1):
            item = self.intake.documents.by_id(document_id)
            if item is None:
                continue
            code = item.get("doc_type", "other")
            rows.append({"no": n, "document_id": document_id, "doc_type": code,
                         "type_label": labels.get(code, {}).get("label_zh", code), "title": item.get("title", ""),
                         "pages": item.get("pages")})
        return rows
