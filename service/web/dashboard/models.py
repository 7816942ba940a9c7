"""The models of the dashboard API: the start page's numbers, section by section as the caller's roles see them."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from service.web.openapi import Model


class DashboardCount(Model):
    value: str = Field(description="empty: not filled in")
    count: int


class DashboardFiles(Model):
    total: int
    stage: list[DashboardCount]
    customer_type: list[DashboardCount]
    project: list[DashboardCount] = Field(description="the fifteen largest")


class DashboardScanMonth(Model):
    month: str = Field(description="YYYY-MM, local")
    documents: int
    pages: int


class DashboardOcr(Model):
    backlog: int
    failed: int
    done: int


class DashboardJobs(Model):
    by_state: dict[str, int]
    oldest_queued_seconds: float


class DashboardFixity(Model):
    failures: int


class DashboardLoans(Model):
    out: int
    overdue: int
    due_soon: int
    sees_all: bool = Field(description="false: the caller's own loans only")


class DashboardVerification(Model):
    overdue: int


class DashboardRetention(Model):
    due: int
    as_of: str = Field(description="YYYY-MM-DD: ninety days from today")
    holds: int


class Dashboard(Model):
    """Sections the caller may see; a section the caller's roles do not see is left out."""

    generated_at: datetime
    scope: Literal["all", "visible"]
    files: DashboardFiles = Field(None, description="those who see files")
    scans: list[DashboardScanMonth] = Field(None, description="the last twelve months; those who run the archive")
    ocr: DashboardOcr = Field(None, description="those who run the archive")
    jobs: DashboardJobs = Field(None, description="those who run the archive")
    fixity: DashboardFixity = Field(None, description="those who read the registers")
    loans: DashboardLoans
    verification: DashboardVerification = Field(None, description="those who read every file's verifications")
    retention: DashboardRetention = Field(None, description="those who read the retention lists")


class SearchIndexState(Model):
    status: Literal["ready", "running", "stopped"]
    done: int = Field(description="files written by the rebuild")
    total: int | None = Field(description="files to write; null until the rebuild counted them")
    files_waiting: int
    documents_waiting: int
