"""A stopgap for a Whoosh(-Reloaded 2.7.5) bug that breaks searches over several segments.

`MultiReader.column_reader` leaves out segments without a column file for the field (a segment of
file entries only has no `doc_type` column) but keeps the remaining readers' offsets, so a document
of a left-out segment is looked up in its neighbour at a negative position (IndexError, or another
entry's value). Every segment reader already answers a missing column with its default value, so
asking each of them gives one reader per segment and correct offsets. Applied by SearchIndex;
remove it when the pinned Whoosh fixes MultiReader.column_reader.
"""
from __future__ import annotations

from whoosh import columns
from whoosh import reading


def _column_reader(self, fieldname, column=None, reverse=False, translate=True):
    """One column reader per segment (empty ones for segments without the column)."""
    readers = [r.column_reader(fieldname, column=column, reverse=reverse, translate=translate)
               for r in self.readers]
    return columns.MultiColumnReader(readers, list(self.doc_offsets))


def apply() -> None:
    """Install the fix (idempotent)."""
    if reading.MultiReader.column_reader is not _column_reader:
        reading.MultiReader.column_reader = _column_reader
