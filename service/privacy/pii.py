"""Personal information (个人信息保护): the one place that says what an ID or phone number is and how it is masked."""
from __future__ import annotations

import copy
import re
from typing import NamedTuple

from service import access

# Field keys (anywhere in a file's fields, nested objects and lists included) holding an ID number or a phone.
ID_KEYS = frozenset({"id_number", "id_no", "resident_id", "证件号码", "身份证号"})
PHONE_KEYS = frozenset({"phone", "mobile", "tel", "telephone", "手机号码", "电话", "手机"})
# Template field checks that mark a field as personal, for fields an admin named otherwise.
ID_CHECKS = frozenset({"resident_id"})
PHONE_CHECKS = frozenset({"mobile", "phone"})

# A resident ID (6 + 8 + 4 characters, the last may be X) and a mainland mobile (3 + 4 + 4 digits) in free text,
# written whole or in those groups with a space or a dash between them; the middle group is what a mask hides.
_GAP = "[ \u3000\\-\u2010-\u2015\uff0d]?"
_ID_IN_TEXT = re.compile(rf"(?<![\dA-Za-z])(\d{{6}}){_GAP}(\d{{8}}){_GAP}(\d{{3}}[\dXx])(?![\dA-Za-z])")
_MOBILE_IN_TEXT = re.compile(rf"(?<!\d)([1１][3-9３-９]\d){_GAP}(\d{{4}}){_GAP}(\d{{4}})(?!\d)")
_TAG = re.compile(r"(<[^>]*>)")


class Number(NamedTuple):
    """Where one personal number stands in a text: characters [start, end), its kind, and the part a mask hides."""

    start: int
    end: int
    kind: str
    hidden: range


def number_spans(text) -> list[Number]:
    """The resident ID and mobile numbers in a line of text, in order (none where the text has none)."""
    if not isinstance(text, str) or not text:
        return []
    found = [Number(m.start(), m.end(), "id", range(m.start(2), m.end(2))) for m in _ID_IN_TEXT.finditer(text)]
    for m in _MOBILE_IN_TEXT.finditer(text):
        if not any(m.start() < other.end and other.start < m.end() for other in found):
            found.append(Number(m.start(), m.end(), "phone", range(m.start(2), m.end(2))))
    return sorted(found)


def mask_id(value) -> str:
    """An ID number as its first 6 and last 4 characters, the rest as stars: 110101********1233."""
    text = "" if value is None else str(value).strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value) -> str:
    """A phone number as its first 3 and last 4 digits: 138****5678 (short numbers keep only the last 4)."""
    text = "" if value is None else str(value).strip()
    if len(text) <= 4:
        return "*" * len(text)
    if len(text) < 8:
        return "*" * (len(text) - 4) + text[-4:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def kind_of(key: str, definition: dict | None = None) -> str | None:
    """'id', 'phone' or None for a field key (and its template definition, when known)."""
    check = (definition or {}).get("check")
    if key in ID_KEYS or check in ID_CHECKS:
        return "id"
    if key in PHONE_KEYS or check in PHONE_CHECKS:
        return "phone"
    return None


def mask_value(kind: str, value):
    """A value masked for its kind; empty values and non-text stay as they are."""
    if value in (None, "") or not isinstance(value, (str, int)) or isinstance(value, bool):
        return value
    return mask_id(value) if kind == "id" else mask_phone(value)


def _definitions(definitions: list | None) -> dict:
    return {d.get("key"): d for d in definitions or [] if isinstance(d, dict)}


def mask_fields(fields, definitions: list | None = None):
    """A copy of a file's fields with every ID and phone number masked (nested objects and lists included)."""
    if not isinstance(fields, dict):
        return fields
    known = _definitions(definitions)
    out = {}
    for key, value in fields.items():
        definition = known.get(key) or {}
        kind = kind_of(key, definition)
        if kind and not isinstance(value, (dict, list)):
            out[key] = mask_value(kind, value)
        elif isinstance(value, dict):
            out[key] = mask_fields(value, definition.get("fields"))
        elif isinstance(value, list):
            out[key] = [mask_fields(row, definition.get("fields")) if isinstance(row, dict) else row for row in value]
        else:
            out[key] = copy.deepcopy(value)
    return out


def mask_text(text: str) -> str:
    """Free text (a search snippet, an OCR line) with resident ID and mobile numbers in it masked; HTML tags such
    as a snippet's <mark> may split a number and are kept."""
    if not isinstance(text, str) or not text:
        return text
    parts = _TAG.split(str(text))  # text at even indexes, tags at odd ones
    plain = "".join(parts[0::2])
    hidden = {i for number in number_spans(plain) for i in number.hidden}
    if not hidden:
        return text
    out, position = [], 0
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part)
            continue
        out.append("".join("*" if position + i in hidden else ch for i, ch in enumerate(part)))
        position += len(part)
    return "".join(out)


def paths(fields, definitions: list | None = None, prefix: str = "") -> dict[str, str]:
    """{dotted path: kind} of every personal value present in the fields ('contacts.0.phone': 'phone')."""
    found: dict[str, str] = {}
    if not isinstance(fields, dict):
        return found
    known = _definitions(definitions)
    for key, value in fields.items():
        definition = known.get(key) or {}
        here = f"{prefix}{key}"
        kind = kind_of(key, definition)
        if kind and isinstance(value, (str, int)) and value not in ("", None):
            found[here] = kind
        elif isinstance(value, dict):
            found.update(paths(value, definition.get("fields"), here + "."))
        elif isinstance(value, list):
            for i, row in enumerate(value):
                found.update(paths(row, definition.get("fields"), f"{here}.{i}."))
    return found


def value_at(fields, path: str):
    """The value at a dotted path of the fields ('contacts.0.phone'); None if absent."""
    here = fields
    for part in path.split("."):
        if isinstance(here, dict):
            here = here.get(part)
        elif isinstance(here, list) and part.isdigit() and int(part) < len(here):
            here = here[int(part)]
        else:
            return None
    return here


def fields_for(viewer, fields, definitions: list | None = None):
    """The fields as this person may see them: masked unless their role sees personal numbers in full."""
    return fields if access.sees_pii_in_full(viewer) else mask_fields(fields, definitions)


def text_for(viewer, text):
    """Free text as this person may see it (numbers masked unless their role sees them in full); Markup stays Markup."""
    if access.sees_pii_in_full(viewer) or not isinstance(text, str):
        return text
    masked = mask_text(text)
    return type(text)(masked) if type(text) is not str and masked is not text else masked


def page_for(viewer, page: dict) -> dict:
    """A page's recognised text (its text and each line's) as this person may see it: ID and mobile
    numbers masked unless their role sees them in full. The line boxes stay: they say where, not what."""
    if access.sees_pii_in_full(viewer) or not isinstance(page, dict):
        return page
    lines = [{**line, "text": mask_text(line.get("text"))} if isinstance(line, dict) else line
             for line in page.get("lines") or []]
    return {**page, "text": mask_text(page.get("text")), "lines": lines}


def keep_unchanged(wanted, stored, definitions: list | None = None) -> None:
    """Put stored numbers back where an edit form returned them still masked (the person did not change them)."""
    if not isinstance(wanted, dict) or not isinstance(stored, dict):
        return
    for path, kind in paths(stored, definitions).items():
        old = value_at(stored, path)
        if value_at(wanted, path) == mask_value(kind, old):
            _put(wanted, path, old)


def _put(fields, path: str, value) -> None:
    *parents, last = path.split(".")
    here = fields
    for part in parents:
        here = here[int(part)] if isinstance(here, list) else here[part]
    if isinstance(here, list):
        here[int(last)] = value
    else:
        here[last] = value
