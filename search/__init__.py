"""Full-text search over customer files and scanned pages (Whoosh, jieba, pypinyin; no database).

    index = SearchIndex(path)                                  # created if missing
    with index.writer(timeout=60) as w:                        # the worker's; see SearchIndex.writer
        w.add_terms(["锦绣澜庭", "张伟"])                      # dictionary: names, projects, doc types
        w.upsert_file(FileEntry(...)); w.upsert_page(PageEntry(...))
        w.delete_file(file_id); w.delete_document(document_id)
    result = index.search('违约金 "逾期交房"', visibility=Visibility(departments={"sales"}),
                          filters={"project": "锦绣澜庭", "date_from": date(2024, 1, 1)},
                          page=1, per_page=20, sort="relevance")
    result.total, result.hits_total, result.facets["doc_type"]
    for file in result.groups: file.name, file.file_match, [(p.page, p.snippet) for p in file.pages]
    listed = index.list_files(FileQuery(stage="成交", sort="name"), visibility=..., page=1, per_page=20,
                              replaced={file_id: FileEntry(...) or None}, counted=("stage",))
    listed.total, listed.file_ids, listed.counts["stage"]

Listing indexes (`_records`): `RecordIndex(path, RecordKind(...))` holds coded and integer columns of
one kind of record (loans, follow-ups, audit entries) so that lists filter, sort, count and page
without the database; see that module.

Query syntax (`_query`): words all must match; OR; -word or NOT word; "phrase"; prefix*; (groups).
Bad syntax raises QueryError. Text is cut by jieba with the index's own dictionary (`_analysis`,
kept in terms.txt beside the index and read again by every process when it grows). Matching runs on
numpy arrays read from Whoosh's segments
(`_evaluate`, `_columns`), and permissions (`Visibility`) are a mask over them applied before anything
is counted: what a user may not see yields no hit, snippet, total or facet count. Results are grouped by
customer file and
counted in files (`_results`). An index rebuilt from the same entries answers exactly like one
kept up to date (`_schema` on scoring, `_writer` on copied values and dictionary terms);
`entries_signature()` and `entry_hash()` let a check compare the index with the database.
Lists of files (`_listing`) read the file entries' columns only: filters, permissions, sorts, pages,
totals and counts by value, with the current entries of files written since merged in.
"""
from search._entries import FileEntry
from search._entries import PageEntry
from search._entries import entry_hash
from search._filters import Visibility
from search._index import IndexOutdated
from search._index import SearchIndex
from search._listing import FileList
from search._listing import FileQuery
from search._query import QueryError
from search._records import RecordIndex
from search._records import RecordKind
from search._records import RecordPage
from search._records import Selection
from search._results import FileHit
from search._results import PageHit
from search._results import SearchResult
from search._writer import IndexBusy
from search._writer import IndexWriter

__all__ = ["FileEntry", "FileHit", "FileList", "FileQuery", "IndexBusy", "IndexOutdated", "IndexWriter", "PageEntry",
           "PageHit", "QueryError", "RecordIndex", "RecordKind", "RecordPage", "SearchIndex", "SearchResult",
           "Selection", "Visibility", "entry_hash"]
