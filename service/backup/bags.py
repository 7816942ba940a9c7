"""A customer file as a BagIt bag (RFC 8493, the Library of Congress `bagit` package), and back.

Payload of a bag (every file listed with its SHA-256 in manifest-sha256.txt):
    data/metadata/file.json        the file record (extended JSON: dates and ids round-trip)
    data/metadata/documents.json   its document records (checksum, size, type, pages)
    data/metadata/history.json     every version of the file (who changed what, when)
    data/metadata/loans.json       its loans
    data/metadata/audit.json       the audit entries about the file and its documents
    data/originals/<document id>.<ext>           the scanned originals, byte for byte
    data/text/<document id>/page-0001.txt|.json  the recognised text of each page
Import validates the bag with bagit itself, then recreates the file under the same archive
number (refused if that number is taken), its documents with the same SHA-256, and queues OCR
(which writes the page text and indexes the file) again.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import string
import tempfile
import zipfile
from datetime import timezone
from pathlib import Path

import bagit
from bson import json_util

from service import clock
from service.backup.service import product_version
from service.errors import Conflict
from service.errors import Gone
from service.errors import Invalid
from service.events import DocumentAdded
from service.events import FileRestored
from service.messages import N_
from storage import new_id
from storage.backup import Records
from storage.documents import original_key
from storage.documents import page_key
from storage.errors import ObjectMissing
from storage.files import version_key
from storage.sequences import Sequences

log = logging.getLogger(__name__)

JSON = json_util.RELAXED_JSON_OPTIONS.with_options(tz_aware=True, tzinfo=timezone.utc)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif"}
MAX_ZIP_BYTES = 4 * 1024 * 1024 * 1024


def _dump(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json_util.dumps(value, json_options=JSON, ensure_ascii=False, indent=1), encoding="utf-8")


def _load(path: Path):
    return json_util.loads(path.read_text(encoding="utf-8"), json_options=JSON)


class BagService:
    """Export files as bags, import bags as files."""

    def __init__(self, services):
        self.s = services

    # -- export -----------------------------------------------------------------------------
    def export(self, file_doc: dict, dest: Path, actor: str) -> Path:
        """Write one file's bag as the directory `dest` (which must not exist); audited."""
        if file_doc.get("status") == "destroyed":
            raise Gone(N_("档案已销毁"))
        file_id = str(file_doc["_id"])
        dest = Path(dest)
        if dest.exists():
            raise Conflict(N_("目标已存在：%(dest)s", dest=str(dest)), {"dest": str(dest)})
        dest.mkdir(parents=True)
        documents = self.s.documents.repo.of_file(file_id)
        _dump(dest / "metadata" / "file.json", file_doc)
        _dump(dest / "metadata" / "documents.json", documents)
        _dump(dest / "metadata" / "history.json", self._versions(file_doc))
        _dump(dest / "metadata" / "loans.json", self.s.loans.repo.find({"file_id": file_id}))
        _dump(dest / "metadata" / "audit.json", self._audit(file_id, documents))
        for doc in documents:
            self._original(dest, doc)
            self._text(dest, doc)
        info = {"Source-Organization": "客户档案库", "External-Identifier": file_doc["archive_no"],
                "Internal-Sender-Identifier": file_id,
                "External-Description": f"customer file {file_doc['archive_no']} with {len(documents)} documents",
                "Bag-Software-Agent": f"kehu-archive {product_version()} (bagit {bagit.VERSION})",
                "Bagging-Date": clock.now().date().isoformat()}
        bagit.make_bag(str(dest), info, processes=1, checksums=["sha256"])
        self.s.audit.record(actor, "file.bag_exported", f"file:{file_id}",
                            {"archive_no": file_doc["archive_no"], "documents": len(documents)})
        return dest

    def export_zip(self, file_doc: dict, work: Path, actor: str) -> Path:
        """The bag of one file zipped (its top folder named after the archive number); the zip's path."""
        name = safe_name(file_doc["archive_no"])
        bag = self.export(file_doc, work / name, actor)
        target = work / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(bag.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{name}/{path.relative_to(bag)}")
        shutil.rmtree(bag)
        return target

    def _versions(self, file_doc: dict) -> list[dict]:
        file_id = str(file_doc["_id"])
        found = [self.s.files.repo.version(file_id, v) for v in range(1, int(file_doc.get("version", 1)) + 1)]
        return [v for v in found if v is not None]

    def _audit(self, file_id: str, documents: list[dict]) -> list[dict]:
        entries = list(self.s.audit.iter_matching(target=f"file:{file_id}"))
        for doc in documents:
            entries += list(self.s.audit.iter_matching(target=f"document:{doc['_id']}"))
        return sorted(entries, key=lambda e: e["seq"])

    def _original(self, dest: Path, doc: dict) -> None:
        path = dest / "originals" / f"{doc['_id']}.{EXTENSIONS.get(doc.get('media_type'), 'bin')}"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "wb") as handle:
                for chunk in self.s.objects.stream("originals", doc["key"]):
                    handle.write(chunk)
        except ObjectMissing:
            raise Conflict(N_("文件 %(document)s 的原件缺失", document=str(doc["_id"])),
                           {"document": str(doc["_id"])}) from None

    def _text(self, dest: Path, doc: dict) -> None:
        for number in range(1, int(doc.get("pages") or 0) + 1):
            try:
                raw = self.s.objects.read("derivatives", page_key(doc["_id"], number, "text"))
            except ObjectMissing:
                continue  # not recognised (yet)
            folder = dest / "text" / str(doc["_id"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"page-{number:04d}.json").write_bytes(raw)
            (folder / f"page-{number:04d}.txt").write_text(json.loads(raw).get("text", ""), encoding="utf-8")

    # -- import -----------------------------------------------------------------------------
    def import_bag(self, path: Path, actor: str) -> dict:
        """Recreate the file of a bag (a directory or a zip); Invalid if the bag does not validate,
        Conflict if its archive number is taken. The new file record."""
        with tempfile.TemporaryDirectory(prefix="bag-") as work:
            root = unpack(Path(path), Path(work))
            bag = validated(root)
            data = Path(bag.path) / "data"
            file_doc = _load(data / "metadata" / "file.json")
            documents = [d for d in _load(data / "metadata" / "documents.json") if d.get("status") == "active"]
            return self._recreate(data, file_doc, documents, _load(data / "metadata" / "history.json"), actor)

    def _recreate(self, data: Path, file_doc: dict, documents: list[dict], versions: list[dict], actor: str) -> dict:
        files = self.s.files.repo
        number = file_doc.get("archive_no")
        if not isinstance(number, str) or files.find({"archive_no": number}, limit=1):
            raise Conflict(N_("档案号 %(no)s 已存在，不能导入", no=number),
                           {"archive_no": number})
        if file_doc.get("status") not in ("active", "closed"):
            raise Invalid(N_("只能导入在用或已结档的档案，此档案为 %(status)s", status=str(file_doc.get("status"))),
                          {"status": str(file_doc.get("status"))})
        state = {k: file_doc.get(k) for k in ("template", "name", "fields", "classification", "security",
                                              "department", "location", "status")}
        problems = self.s.files.check(state)
        if problems:
            raise Invalid(N_("袋中的档案记录不符合本系统的模板"), problems)
        old_id = str(file_doc["_id"])
        record_id = file_doc["_id"] if files.by_id(old_id) is None else new_id()
        file_id = str(record_id)
        originals = [(doc, self._original_in(data, doc)) for doc in documents]
        for version in versions:
            files.claim_version({**version, "_id": version_key(file_id, version["version"]), "file_id": file_id})
        imported = {"at": clock.now(), "by": actor, "from_file_id": old_id}
        record = {**file_doc, "_id": record_id, "imported": imported}
        files.insert(record)
        self._reserve_number(number)
        for doc, source in originals:
            self._document(file_id, doc, source, actor)
        self.s.audit.record(actor, "file.bag_imported", f"file:{file_id}",
                            {"archive_no": number, "documents": len(originals), "from_file_id": old_id})
        self.s.events.publish(FileRestored(file_id))
        return record

    def _reserve_number(self, archive_no: str) -> None:
        """Take the imported number in its scope's sequence, so that the numbering rule never draws it
        again for a new file (storage.sequences keys: `<scope>#<12 digits>`)."""
        found = number_scope(self.s.settings.archive_number_rule, archive_no)
        if found is None:
            log.warning("imported archive number %s does not follow this installation's rule", archive_no)
            return
        scope, seq = found
        sequences = Sequences(self.s.db)
        Records(self.s.db).insert_one("sequence_numbers", {"_id": sequences._key(scope, seq), "scope": scope,
                                                           "n": seq, "owner": "bag-import",
                                                           "at": clock.now()})

    def _original_in(self, data: Path, doc: dict) -> Path:
        path = data / "originals" / f"{doc['_id']}.{EXTENSIONS.get(doc.get('media_type'), 'bin')}"
        if not path.is_file():
            raise Invalid(N_("袋中缺少文件 %(document)s 的原件", document=str(doc["_id"])),
                          {"document": str(doc["_id"])})
        return path

    def _document(self, file_id: str, doc: dict, source: Path, actor: str) -> None:
        """Store one original, check it against the record's SHA-256, insert the record, queue OCR."""
        repo = self.s.documents.repo
        document_id = doc["_id"] if repo.by_id(doc["_id"]) is None else new_id()
        key = original_key(document_id)
        with open(source, "rb") as handle:
            stored = self.s.objects.put("originals", key, handle, source.stat().st_size,
                                        content_type=doc.get("media_type") or "application/octet-stream")
        if stored.sha256 != doc.get("sha256"):
            self.s.objects.remove("originals", key)
            raise Invalid(N_("文件 %(document)s 的校验和不符", document=str(doc["_id"])),
                          {"document": str(doc["_id"])})
        repo.claim_content(file_id, stored.sha256, str(document_id), clock.now())
        record = {**doc, "_id": document_id, "file_id": file_id, "key": key, "ocr_status": "pending",
                  "ocr_error": None, "pages": None, "imported_from": str(doc["_id"])}
        record.pop("ocr_progress", None)
        repo.insert(record)
        repo.update(document_id, {"ocr_job": self.s.jobs.enqueue("ocr", {"document_id": str(document_id)})})
        self.s.events.publish(DocumentAdded(record))


def number_scope(rule: str, archive_no: str) -> tuple[str, int] | None:
    """The sequence scope and number of an archive number made by `rule` (as FileService._scope
    writes scopes), or None if the number does not follow the rule."""
    pattern, parts = "", []
    for literal, name, _spec, _conversion in string.Formatter().parse(rule):
        pattern += re.escape(literal)
        parts.append((literal, name))
        if name == "seq":
            pattern += r"(?P<seq>\d+)"
        elif name:
            pattern += f"(?P<{name}>.+?)"
    try:
        match = re.fullmatch(pattern, archive_no)
    except re.error:  # a rule naming a value twice
        return None
    if match is None:
        return None
    scope = "".join(literal + ("#" if name == "seq" else (match.group(name) if name else ""))
                    for literal, name in parts)
    return scope, int(match.group("seq"))


def safe_name(text: str) -> str:
    """A file-system-safe name for a bag's folder."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text)).strip("._")
    return cleaned or "bag"


def unpack(path: Path, work: Path) -> Path:
    """The bag's root: the directory itself, or the one folder a zip holds (names checked)."""
    if path.is_dir():
        return path
    if not zipfile.is_zipfile(path):
        raise Invalid(N_("不是 BagIt 目录或 zip 文件"), {"path": str(path)})
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if sum(i.file_size for i in archive.infolist()) > MAX_ZIP_BYTES:
            raise Invalid(N_("zip 文件过大"), {"path": str(path)})
        for name in names:
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts or "\\" in name:
                raise Invalid(N_("zip 中有不安全的路径"), {"name": name[:200]})
        archive.extractall(work)
    tops = [p for p in work.iterdir()]
    if len(tops) == 1 and tops[0].is_dir() and not (work / "bagit.txt").exists():
        return tops[0]
    return work


def validated(root: Path) -> bagit.Bag:
    """The bag, validated by bagit (every checksum); Invalid naming the first problem otherwise."""
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in (exc.details or [])[:3])
        raise Invalid(N_("袋校验失败，拒绝导入：%(why)s", why=f"{exc.message} {details}".strip()),
                      {"bag": details or exc.message}) from None
    except bagit.BagError as exc:
        raise Invalid(N_("不是有效的 BagIt 袋：%(why)s", why=str(exc)), {"bag": str(exc)}) from None
    if not (Path(bag.path) / "data" / "metadata" / "file.json").is_file():
        raise Invalid(N_("袋中没有档案元数据"), {"bag": "data/metadata/file.json"})
    return bag
