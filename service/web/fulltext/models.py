"""The models of full-text search in the API.

The search service reads the dates and the sort itself and answers 422 naming a bad one, in the reader's
language: they are documented with their formats here, not checked before the view.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from pydantic import WithJsonSchema

from service.web.openapi import Model
from service.web.openapi import Paging

SearchDay = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
SearchSort = Annotated[str, WithJsonSchema({"enum": ["relevance", "date"]})]


class SearchQuery(Paging):
    q: str = Field("", description='words (all must match), OR, -word, "phrase", prefix*; names by characters '
                                   'and pinyin; 422 naming q if it cannot be read')
    doc_type: list[str] = Field([], description="document type code; repeat for any of several")
    customer_type: list[str] = Field([], description="customer type; repeat for any of several")
    stage: list[str] = Field([], description="stage; repeat for any of several")
    project: list[str] = Field([], description="project; repeat for any of several")
    date_from: SearchDay = Field("", description="first day (Asia/Shanghai), YYYY-MM-DD; 422 otherwise")
    date_to: SearchDay = Field("", description="last day, included; 422 otherwise")
    sort: SearchSort = Field("", description="relevance (the default) or date; 422 otherwise")


class SearchItem(Model):
    """A file matched by its own fields, or one matching page of it."""

    file_id: str
    archive_no: str
    name: str
    document_id: str | None = Field(description="null for a match in the file's own fields")
    doc_type: str | None
    page: int | None
    score: float
    snippet: str = Field(description="escaped HTML; matches in <mark>; ID and mobile numbers masked")


class SearchPageHit(Model):
    document_id: str
    page: int
    doc_type: str
    title: str
    score: float
    snippet: str


class SearchGroup(Model):
    """A file with its best matching pages."""

    file_id: str
    archive_no: str
    name: str
    score: float
    file_match: bool = Field(description="the file's own fields matched")
    date: datetime
    snippet: str
    pages_total: int = Field(description="matching pages in all; `pages` holds the best of them")
    pages: list[SearchPageHit]


class SearchFacets(Model):
    """Per facet: value -> number of matching files."""

    doc_type: dict[str, int]
    customer_type: dict[str, int]
    stage: dict[str, int]
    project: dict[str, int]


class SearchResults(Model):
    total: int = Field(description="matching files")
    page: int
    per_page: int
    pages: int
    items: list[SearchItem]
    facets: SearchFacets
    groups: list[SearchGroup]
