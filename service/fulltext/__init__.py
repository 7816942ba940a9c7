"""Full-text search (全文检索) as a service: what the top-level `search` index holds for each file and page
(entries), who may find what, the queue of index work the other areas' writes cause, and rebuilding the
index from the database.

Its pages and API are in service/web/fulltext/.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["IndexQueue", "SearchService", "Sources"],
    "entries": ["file_entry", "key_days", "page_entries", "retention_of"],
    "rebuild": ["rebuild"],
})
