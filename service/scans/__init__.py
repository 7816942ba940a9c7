"""Scans (扫描): the inbox of scanner output, batches split at separator sheets and matched to files by
the archive number on them, filed as documents, from a folder, a zip or an upload.

Its pages and API are in service/web/scans/, its command in service/cli_scans.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "inbox": ["InboxService", "require_archivist"],
    "imports": ["ScanImportService"],
    "filing": ["Filing"],
    "plan": ["FileResolver", "Segment", "split"],
    "sources": ["Input", "folder_inputs", "open_zip", "zip_inputs"],
    "separators": ["decode_separator", "separators"],
})
