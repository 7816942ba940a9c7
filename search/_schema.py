"""The Whoosh schema, how an entry becomes a Whoosh document, and how matches are scored.

| field        | file entry                       | page entry                 | analysis            |
|--------------|----------------------------------|----------------------------|---------------------|
| key          | file:<file_id>                   | page:<document_id>:<page>  | exact, unique       |
| kind         | file                             | page                       | exact               |
| file_id      | the file                         | its file                   | exact               |
| file_key     | 63 bits of the file id's hash (`_columns.file_key`), to group matches by file  |
| document_id, page |                             | the document, page number  | exact               |
| name         | customer name                    |                            | jieba words         |
| name_py      | name whole, in full pinyin and initials |                     | one key per line    |
| title        |                                  | document title             | jieba words         |
| body         | fields text, project             | page text                  | jieba words         |
| grams        | name, fields text, project       | title, page text           | character bigrams   |
| archive_no, id_no, phone, contract_no | the file's numbers |                   | letters+digits only |
| doc_type, customer_type, stage, project, security, department | filters (pages copy the file's) | exact |
| date         | created                          | uploaded                   | datetime (UTC)      |
| entry, digest| the whole entry (stored), its hash                            |                     |
| status, owner, template, destroy_after, held | the file list's filters (coded)  |       | exact               |
| key_days     | MMDD of the fields' dates, space-separated (coded) |                 | exact               |
| created, updated | microseconds since 1970 (UTC), the list's sorts |            | column only         |
| listing      | [file id, archive no, name, pinyin, initials] as JSON (`_listing_columns`) | column only |

Merged and destroyed files have an entry (the file list shows them) that no search finds.

Scoring is BM25's term-frequency part with a fixed reference length and no inverse document
frequency: an entry's score depends on the query and the entry alone, never on the rest of the
index. Whoosh counts deleted documents in its statistics until segments merge, so scores that used
them would differ between an index kept up to date and one rebuilt from the same entries.
"""
from __future__ import annotations

import json
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from whoosh import columns
from whoosh import fields
from whoosh import scoring

from search import _analysis
from search._columns import CODED
from search._columns import file_key
from search._entries import Entry
from search._entries import FileEntry
from search._entries import entry_hash
from search._entries import to_dict

SCHEMA_VERSION = "9"  # 3: array-coded posting blocks (_codec); 4: the file list's columns, every file listed;
# 5: the files' key days; 6: positions as arrays in the posting blocks; 7: numbers as one word however
# written (_numbers); 8: absolute positions (a phrase binary-searches them); 9: the whole name among the
# name's keys
WORD_FIELDS = ("name", "title", "body")
CODE_FIELDS = ("archive_no", "id_no", "phone", "contract_no")
FACETS = ("doc_type", "customer_type", "stage", "project")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SEPARATOR = "\n|\n"  # between texts of one field: no word or bigram spans it (a bare line break would)
WEIGHTS = {"name": 4.0, "name_py": 3.0, "archive_no": 4.0, "id_no": 4.0, "phone": 4.0, "contract_no": 4.0,
           "title": 2.0, "body": 1.0, "grams": 0.5}


def build_schema(vocabulary: _analysis.Vocabulary) -> fields.Schema:
    """The index's fields (see the module's table), words cut with `vocabulary`."""
    words = _analysis.WordTokenizer(vocabulary)
    lines = _analysis.LineTokenizer()
    # coded columns (few distinct values): read whole as arrays by `_columns`
    coded = {name: fields.ID(sortable=columns.RefBytesColumn()) for name in CODED}
    return fields.Schema(
        key=fields.ID(unique=True, sortable=True),
        file_id=fields.ID(sortable=True),
        file_key=fields.COLUMN(columns.NumericColumn("Q")),
        created=fields.COLUMN(columns.NumericColumn("q")),
        updated=fields.COLUMN(columns.NumericColumn("q")),
        listing=fields.COLUMN(columns.VarBytesColumn()),
        document_id=fields.ID(sortable=True),
        page=fields.NUMERIC(sortable=True),
        name=fields.TEXT(analyzer=words, phrase=True),
        name_py=fields.TEXT(analyzer=lines, phrase=False),
        title=fields.TEXT(analyzer=words, phrase=True),
        body=fields.TEXT(analyzer=words, phrase=True),
        grams=fields.TEXT(analyzer=_analysis.GramTokenizer(), phrase=True),
        **{name: fields.TEXT(analyzer=lines, phrase=False) for name in CODE_FIELDS},
        date=fields.DATETIME(sortable=True),
        entry=fields.STORED(),
        digest=fields.ID(sortable=True),
        **coded,
    )


def document(entry: Entry) -> dict:
    """The Whoosh document of an entry."""
    common = {"key": entry.key, "kind": entry.kind, "file_id": entry.file_id,
              "file_key": file_key(entry.file_id), "security": entry.security,
              "department": entry.department, "customer_type": entry.customer_type, "stage": entry.stage,
              "project": entry.project, "entry": to_dict(entry), "digest": entry_hash(entry)}
    if isinstance(entry, FileEntry):
        text = SEPARATOR.join(part for part in (entry.fields_text, entry.project) if part)
        return {**common, "name": entry.name, "name_py": "\n".join(_name_keys(entry.name)),
                "body": text, "grams": SEPARATOR.join((entry.name, text)), "archive_no": entry.archive_no,
                "id_no": "\n".join(entry.id_numbers), "phone": "\n".join(entry.phones),
                "contract_no": "\n".join(entry.contract_nos), "date": _naive(entry.created),
                **_listed(entry)}
    return {**common, "document_id": entry.document_id, "page": entry.page, "doc_type": entry.doc_type,
            "title": entry.title, "body": entry.text, "grams": SEPARATOR.join((entry.title, entry.text)),
            "date": _naive(entry.uploaded)}


def _name_keys(name: str) -> list[str]:
    """What a query must equal, whole, to name the customer: the name itself (so 余丽 ranks the file of
    余丽 before those of 余丽海 and 余丽平, whose name fields hold the word 余丽 too), its full
    pinyin and its initials."""
    return list(dict.fromkeys([_analysis.code_key(name), *_analysis.pinyin_keys(name)]))


def _listed(entry: FileEntry) -> dict:
    # what the file list filters and sorts by (`_listing`)
    names = [entry.file_id, entry.archive_no, entry.name, entry.name_pinyin, entry.name_initials]
    # compact JSON escapes every line break, so one ends each entry's value (see _listing_columns)
    listing = json.dumps(names, ensure_ascii=False, separators=(",", ":")) + "\n"
    return {"status": entry.status, "owner": entry.owner, "template": entry.template,
            "destroy_after": entry.destroy_after, "held": "1" if entry.held else "",
            "key_days": " ".join(entry.key_days),
            "created": microseconds(entry.created), "updated": microseconds(entry.updated),
            "listing": listing.encode("utf-8")}


def microseconds(moment: datetime) -> int:
    """A time as whole microseconds since 1970 (UTC), as the list's columns hold it."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def _naive(moment):
    # Whoosh compares naive datetimes; every one in the index is UTC
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class _TermScorer(scoring.WeightLengthScorer):
    def __init__(self, searcher, fieldname, text, qf):
        self.factor = WEIGHTS.get(fieldname, 1.0) * qf
        self.setup(searcher, fieldname, text)

    def _score(self, weight, length):
        # BM25's saturation of term frequency against a fixed length: K1 = 1.2, B = 0.75, 300 tokens
        return self.factor * weight * 2.2 / (weight + 1.2 * (0.25 + 0.75 * length / 300.0))


class EntryScoring(scoring.WeightingModel):
    """Scores that depend on the query and the entry only (see the module docstring)."""

    def scorer(self, searcher, fieldname, text, qf=1):
        """A scorer for one term in one field."""
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _TermScorer(searcher, fieldname, text, qf)
