"""Searching in a test: the pages a query finds through the API; another writer holding the index."""
from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def index_held(services):
    """Another writer holding the index's write lock until `release()` or the end of the block."""
    writer = services.search.index.whoosh.writer()
    released = False

    def release():
        nonlocal released
        if not released:
            released = True
            writer.cancel()
    try:
        yield release
    finally:
        release()


def page_hits(client, headers, q: str) -> set[tuple[str, int]]:
    """(document id, page) of the pages a search through the API finds."""
    response = client.get("/api/v1/search", headers=headers, query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(item["document_id"], item["page"]) for item in response.get_json()["items"] if item["document_id"]}
