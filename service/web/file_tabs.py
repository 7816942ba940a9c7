"""The tabs of a file's page, and the address that opens one (for the views that send a person back to it).

Each tab's panel is an element with the id `tab-<name>`, so the address works with and without JavaScript:
the tabs script opens the panel, a browser without it scrolls to the section."""
from __future__ import annotations

from flask import url_for

TABS = ("basic", "documents", "loans", "followups", "retention", "history", "privacy", "sharing")


def file_tab(file_id: str, tab: str) -> str:
    """The file page's address that opens `tab`."""
    if tab not in TABS:
        raise ValueError(f"the file page has no tab {tab!r}")
    return url_for("files.detail", file_id=file_id, _anchor=f"tab-{tab}")
