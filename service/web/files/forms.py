"""Forms of customer files generated from their template: building values and reading them back."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from service.files import CLASSIFICATION_KEYS
from service.files import LOCATION_KEYS

BLANK_ROWS = 2  # empty rows offered under a list field (contacts, branches, ...)
TOP_KEYS = ("name", "security", "department", "status")


def _number(kind: str, raw: str):
    """A typed number, or the raw text so that validation can name the field."""
    try:
        return int(raw) if kind == "integer" else float(raw) if "." in raw or "e" in raw.lower() else int(raw)
    except ValueError:
        return raw


def _value(definition: dict, form: MultiDict, name: str):
    kind = definition["type"]
    if kind == "multi_choice":
        return [v for v in form.getlist(name) if v] or None
    if kind == "boolean":
        return True if form.get(name) == "on" else None
    raw = (form.get(name) or "").strip()
    if raw == "":
        return None
    if kind in ("integer", "number"):
        return _number(kind, raw)
    return raw


def _read_group(definitions: list[dict], form: MultiDict, prefix: str) -> dict:
    values = {}
    for definition in definitions:
        name = f"{prefix}{definition['key']}"
        if definition["type"] == "object":
            value = _read_group(definition["fields"], form, name + ".") or None
        elif definition["type"] == "list":
            rows = (_read_group(definition["fields"], form, f"{name}.{i}.") for i in range(_row_count(form, name)))
            value = [row for row in rows if row] or None
        else:
            value = _value(definition, form, name)
        if value is not None:
            values[definition["key"]] = value
    return values


def _row_count(form: MultiDict, name: str) -> int:
    try:
        return min(200, int(form.get(f"{name}.rows", "0")))
    except ValueError:
        return 0


def read_state(template: dict, form: MultiDict) -> dict:
    """The editable state of a file as the form describes it (blank inputs left out)."""
    state = {key: (form.get(key) or "").strip() for key in TOP_KEYS}
    state["status"] = state["status"] or "active"
    state["fields"] = _read_group(template["fields"], form, "f.")
    state["classification"] = {k: form.get(f"c.{k}", "").strip() for k in CLASSIFICATION_KEYS
                               if form.get(f"c.{k}", "").strip()}
    state["location"] = {k: form.get(f"l.{k}", "").strip() for k in LOCATION_KEYS
                         if form.get(f"l.{k}", "").strip()}
    return state


def replacement_patch(current: dict, wanted: dict) -> dict:
    """A merge patch that turns current into wanted (keys the form left blank become null)."""
    patch = {}
    for key, value in wanted.items():
        before = current.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            nested = {k: v for k, v in value.items() if before.get(k) != v}
            nested.update({k: None for k in before if k not in value})
            if nested:
                patch[key] = nested
        elif value != before:
            patch[key] = value
    return patch


def rows_for(definition: dict, values) -> int:
    """How many rows a list field shows: its values plus blank ones."""
    return (len(values) if isinstance(values, list) else 0) + BLANK_ROWS


def dig(values, path: str):
    """The value at a dotted path (list indexes allowed), or None."""
    for part in path.split("."):
        if isinstance(values, dict):
            values = values.get(part)
        elif isinstance(values, list) and part.isdigit() and int(part) < len(values):
            values = values[int(part)]
        else:
            return None
    return values
