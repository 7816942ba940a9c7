"""The satisfaction and complaints report per month and project, its workbook and its charts (inline SVG)."""
from __future__ import annotations

import re
from collections import defaultdict

from markupsafe import Markup
from markupsafe import escape

from service import access
from service import exports
from service.accounts import User
from service.errors import Malformed
from service.followups.contacts import CATEGORIES
from service.followups.service import FollowupService
from service.followups.service import combine
from service.followups.service import visible
from service.messages import N_
from storage.followups import FollowupRepository

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def next_month(month: str) -> str:
    """The month after a YYYY-MM month."""
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def _empty_row(project: str) -> dict:
    return {"project": project, "contacts": 0, "rated": 0, "satisfaction_sum": 0, "avg_satisfaction": None,
            "complaints": 0, "by_category": {c: 0 for c in CATEGORIES}, "closed": 0, "closed_on_time": 0,
            "on_time_share": None}


def _finish(row: dict) -> dict:
    if row["rated"]:
        row["avg_satisfaction"] = round(row["satisfaction_sum"] / row["rated"], 2)
    if row["complaints"]:
        row["on_time_share"] = round(row["closed_on_time"] / row["complaints"], 4)
    row.pop("satisfaction_sum")
    return row


class FollowupReport:
    """Counts straight from the records, cut by what the reader may see."""

    def __init__(self, repo: FollowupRepository, followups: FollowupService):
        self.repo = repo
        self.followups = followups

    def month_of(self, raw) -> str:
        """A YYYY-MM query value (this month when empty); Malformed otherwise."""
        if raw in (None, ""):
            return self.followups.today().isoformat()[:7]
        if not isinstance(raw, str) or not MONTH.match(raw):
            raise Malformed(N_("月份应为 YYYY-MM"), {"month": "YYYY-MM"})
        return raw

    def build(self, actor: User, month_raw=None, project: str = "") -> dict:
        """Per project of the month: contacts, average satisfaction, complaints by class, share closed on time
        (closed no later than the promised day, of all complaints raised in the month)."""
        access.require(actor, "followup.report.read")
        month = self.month_of(month_raw)
        scope = {"project": project} if project else {}
        rows: dict[str, dict] = defaultdict(lambda: None)
        dated = {"date": {"$gte": f"{month}-01", "$lt": next_month(month)}}
        _, contacts = self.repo.find_contacts(combine(dated, scope, visible(actor)))
        for contact in contacts:
            row = rows[contact.get("project", "")] or _empty_row(contact.get("project", ""))
            rows[row["project"]] = row
            row["contacts"] += 1
            if contact.get("satisfaction") is not None:
                row["rated"] += 1
                row["satisfaction_sum"] += contact["satisfaction"]
        _, complaints = self.repo.find_complaints(combine({"month": month}, scope, visible(actor)))
        for complaint in complaints:
            row = rows[complaint.get("project", "")] or _empty_row(complaint.get("project", ""))
            rows[row["project"]] = row
            row["complaints"] += 1
            row["by_category"][complaint["category"]] += 1
            if complaint["status"] == "closed":
                row["closed"] += 1
                row["closed_on_time"] += 1 if complaint.get("on_time") else 0
        total = _empty_row("")
        for row in rows.values():
            for key in ("contacts", "rated", "satisfaction_sum", "complaints", "closed", "closed_on_time"):
                total[key] += row[key]
            for category, n in row["by_category"].items():
                total["by_category"][category] += n
        return {"month": month, "project": project, "rows": [_finish(rows[p]) for p in sorted(rows)],
                "total": _finish(total)}

    def workbook(self, actor: User, month_raw=None, project: str = "", labels: dict | None = None) -> bytes:
        """The report as an Excel workbook, one row per project and a total row."""
        report = self.build(actor, month_raw, project)
        labels = labels or {}
        headers = [labels.get("month", "月份"), labels.get("project", "项目"), labels.get("contacts", "回访次数"),
                   labels.get("rated", "评分次数"), labels.get("avg", "平均满意度"),
                   labels.get("complaints", "投诉数"), *[labels.get(c, c) for c in CATEGORIES],
                   labels.get("closed", "已关闭"), labels.get("on_time", "按时关闭"),
                   labels.get("share", "按时关闭率")]
        rows = [_sheet_row(report["month"], r) for r in report["rows"]]
        rows.append(_sheet_row(report["month"], {**report["total"], "project": labels.get("total", "合计")}))
        self.followups.audit.record(actor.username, "followup.report_exported", "followup_report",
                                    {"month": report["month"], "project": project})
        return exports.workbook(f"report-{report['month']}", headers, rows)


def _sheet_row(month: str, row: dict) -> list:
    return [month, row["project"], row["contacts"], row["rated"], row["avg_satisfaction"], row["complaints"],
            *[row["by_category"][c] for c in CATEGORIES], row["closed"], row["closed_on_time"],
            row["on_time_share"]]


def bar_chart(title: str, items: list[tuple[str, float]], top: float | None = None, unit: str = "") -> Markup:
    """A horizontal bar chart as inline SVG (labels escaped); drawn on the server, no script."""
    width, bar_h, gap, label_w = 520, 22, 8, 150
    height = 30 + len(items) * (bar_h + gap) + 10
    top = top or max([v for _, v in items] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 30 + i * (bar_h + gap)
        length = 0 if not value else max(2, int((width - label_w - 60) * value / top))
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{length}" height="{bar_h}" fill="#3a6ea5"></rect>'
                     f'<text x="{label_w + length + 6}" y="{y + 16}" font-size="12">'
                     f'{escape(_number(value))}{unit}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)
