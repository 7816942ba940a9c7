"""Customer-file templates: the built-in ones as data, their JSON Schema, and checks of fields."""
from __future__ import annotations

import math
import re
from datetime import date

from jsonschema import Draft202012Validator

from service.files import validators
from service.messages import N_

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
FIELD_TYPES = ("string", "text", "date", "integer", "number", "choice", "multi_choice", "boolean", "object", "list")
NESTING_TYPES = frozenset({"object", "list"})
CHOICE_TYPES = frozenset({"choice", "multi_choice"})
TEXT_TYPES = frozenset({"string", "text"})
CHECKS = {
    "resident_id": validators.check_resident_id,
    "credit_code": validators.check_credit_code,
    "mobile": validators.check_mobile,
    "phone": validators.check_phone,
}
TEMPLATE_ATTRIBUTES = frozenset({"key", "version", "label", "allow_extra", "fields"})
FIELD_ATTRIBUTES = frozenset({"key", "type", "label", "required", "choices", "pattern", "check", "when", "fields"})
MAX_LENGTH = {"string": 200, "text": 5000}
PATTERN_MAX = 200
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

MUST_BE_OBJECT = N_("应为对象")
REQUIRED = N_("必填")
UNKNOWN_FIELD = N_("未知字段")
UNKNOWN_ATTRIBUTE = N_("未知属性")
TRUE_OR_FALSE = N_("应为 true 或 false")
WHEN_WITHOUT_CHECK = N_("条件只用于校验")
DATE_FORMAT = N_("日期格式应为 YYYY-MM-DD")
SCHEMA_MESSAGES = {
    "enum": N_("不是可选值之一"),
    "pattern": N_("格式不符"),
    "uniqueItems": N_("有重复的选项"),
}
TYPE_MESSAGES = {
    "string": N_("应为文本"), "integer": N_("应为整数"), "number": N_("应为数字"),
    "boolean": N_("应为是或否"), "object": N_("应为对象"), "array": N_("应为列表"),
}


def _field(key: str, type_: str, zh: str, en: str, **extra) -> dict:
    """A field definition with its bilingual label; required is False unless given."""
    return {"key": key, "type": type_, "label": {"zh": zh, "en": en}, "required": False, **extra}


ID_TYPES = ["身份证", "护照", "港澳通行证", "台胞证", "其他"]
INCOME_BANDS = ["10万以下", "10-20万", "20-50万", "50-100万", "100万以上"]
SOURCE_CHANNELS = ["来访", "来电", "网络", "老带新", "中介", "其他"]
OWNERSHIP_TYPES = ["国营", "外企", "股份", "私营"]
BUSINESS_MODES = ["批发", "零售", "工程"]
_CONTRACT_FIELDS = (
    ("contract_no", "string", "合同编号", "Contract number"),
    ("contract_end_date", "date", "合同到期日", "Contract end date"),
)

# Treat these as read-only; copy.deepcopy before deriving a template from one.
BUILTIN_TEMPLATES: dict[str, dict] = {
    "individual": {
        "key": "individual", "version": 1, "label": {"zh": "个人客户", "en": "Individual buyer"},
        "allow_extra": False,
        "fields": [
            _field("gender", "choice", "性别", "Gender", choices=["男", "女"]),
            _field("birth_date", "date", "出生日期", "Date of birth"),
            _field("id_type", "choice", "证件类型", "ID type", choices=ID_TYPES),
            _field("id_number", "string", "证件号码", "ID number", check="resident_id", when={"id_type": "身份证"}),
            _field("phone", "string", "手机号码", "Mobile phone", check="mobile", required=True),
            _field("address", "string", "联系地址", "Address"),
            _field("occupation", "string", "职业", "Occupation"),
            _field("income_band", "choice", "家庭年收入", "Household income per year", choices=INCOME_BANDS),
            _field("household", "string", "家庭结构", "Household"),
            _field("budget", "number", "购房预算（万元）", "Budget (10,000 CNY)"),
            _field("unit_type", "string", "意向户型", "Unit type"),
            _field("area_preference", "string", "意向面积", "Preferred floor area"),
            _field("location_preference", "string", "意向区域", "Preferred location"),
            _field("purchase_time", "string", "意向购买时间", "Intended purchase time"),
            _field("source_channel", "choice", "客户来源", "Source channel", choices=SOURCE_CHANNELS),
            *(_field(*spec) for spec in _CONTRACT_FIELDS),
        ],
    },
    "enterprise": {
        "key": "enterprise", "version": 1, "label": {"zh": "企业客户", "en": "Enterprise customer"},
        "allow_extra": False,
        "fields": [
            _field("ownership_type", "choice", "企业性质", "Ownership type", choices=OWNERSHIP_TYPES, required=True),
            _field("credit_code", "string", "统一社会信用代码", "Unified social credit code", check="credit_code",
                   required=True),
            _field("legal_rep", "object", "法定代表人", "Legal representative", fields=[
                _field("name", "string", "姓名", "Name"),
                _field("title", "string", "职务", "Title"),
                _field("birth_date", "date", "出生日期", "Date of birth"),
            ]),
            _field("main_brands", "string", "主营品牌", "Main brands"),
            _field("business_mode", "choice", "经营方式", "Business mode", choices=BUSINESS_MODES),
            _field("sales_by_year", "list", "历年销售额", "Sales by year", fields=[
                _field("year", "integer", "年度", "Year", required=True),
                _field("amount", "number", "销售额（万元）", "Amount (10,000 CNY)", required=True),
            ]),
            _field("credit_rating", "string", "信用等级", "Credit rating"),
            _field("credit_limit", "number", "信用额度（万元）", "Credit limit (10,000 CNY)"),
            _field("credit_term_days", "integer", "信用期限（天）", "Credit term (days)"),
            _field("contacts", "list", "联系人", "Contacts", fields=[
                _field("name", "string", "姓名", "Name"),
                _field("title", "string", "职务", "Title"),
                _field("phone", "string", "电话", "Phone", check="phone"),
            ]),
            _field("branches", "list", "分支机构", "Branches", fields=[
                _field("name", "string", "名称", "Name"),
                _field("region", "string", "所在地区", "Region"),
            ]),
            *(_field(*spec) for spec in _CONTRACT_FIELDS),
        ],
    },
}


# --- compiling to JSON Schema ---------------------------------------------------------------

def _object_schema(definitions: list[dict], allow_extra: bool = False) -> dict:
    """An object schema whose properties are the given fields."""
    schema = {"type": "object", "properties": {d["key"]: _field_schema(d) for d in definitions}}
    required = [d["key"] for d in definitions if d.get("required")]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = allow_extra
    return schema


def _value_schema(definition: dict) -> dict:
    """The schema of one field's value, without its annotations."""
    kind = definition["type"]
    if kind == "object":
        return _object_schema(definition["fields"])
    if kind == "list":
        return {"type": "array", "items": _object_schema(definition["fields"])}
    if kind == "choice":
        return {"enum": list(definition["choices"])}
    if kind == "multi_choice":
        return {"type": "array", "items": {"enum": list(definition["choices"])}, "uniqueItems": True}
    if kind == "date":
        return {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
    if kind in TEXT_TYPES:
        schema = {"type": "string", "maxLength": MAX_LENGTH[kind]}
        if definition.get("pattern"):
            schema["pattern"] = definition["pattern"]
        return schema
    return {"type": kind}  # integer, number, boolean share their JSON Schema names


def _field_schema(definition: dict) -> dict:
    """The schema of one field with its labels and check kept as annotations."""
    label = definition.get("label") or {}
    schema = {"title": label.get("zh", definition["key"]), "x-label": label, **_value_schema(definition)}
    for attribute in ("check", "when"):
        if definition.get(attribute):
            schema[f"x-{attribute}"] = definition[attribute]
    return schema


def compile_schema(template: dict) -> dict:
    """The template's fields as a JSON Schema (draft 2020-12)."""
    label = template.get("label") or {}
    body = _object_schema(template["fields"], bool(template.get("allow_extra", False)))
    return {"$schema": SCHEMA_DIALECT, "title": label.get("zh", template.get("key", "")),
            "x-template": {"key": template.get("key"), "version": template.get("version")}, **body}


# --- validating a file's fields -------------------------------------------------------------

def _join(base: str, key) -> str:
    """A dotted path of a base path and one more key."""
    return f"{base}.{key}" if base else str(key)


def _schema_problem(error) -> str:
    """A short bilingual sentence for one JSON Schema error."""
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        return TYPE_MESSAGES.get(expected) or N_("应为%(type)s", type=str(expected))
    if kind == "pattern" and expected == DATE_PATTERN:
        return DATE_FORMAT
    if kind == "maxLength":
        return N_("过长，最多%(n)s个字符", n=expected)
    return SCHEMA_MESSAGES.get(kind) or N_("无效：%(error)s", error=error.message)


def _describe(error) -> list[tuple[str, str]]:
    """The (path, problem) pairs that one JSON Schema error stands for."""
    base = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        return [(_join(base, key), REQUIRED) for key in error.validator_value if key not in error.instance]
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        return [(_join(base, key), UNKNOWN_FIELD) for key in error.instance if key not in known]
    return [(base or "fields", _schema_problem(error))]


def _present_values(definitions: list[dict], values, prefix: str = ""):
    """Yield (path, definition, value, siblings) for every defined field that holds a value."""
    if not isinstance(values, dict):
        return
    for definition in definitions:
        key = definition["key"]
        if key not in values:
            continue
        path, value = prefix + key, values[key]
        yield path, definition, value, values
        if definition["type"] == "object":
            yield from _present_values(definition["fields"], value, path + ".")
        elif definition["type"] == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _present_values(definition["fields"], item, f"{path}.{index}.")


def _date_problem(value: str) -> str | None:
    """None if the text is a real calendar date written YYYY-MM-DD."""
    if not _DATE_RE.fullmatch(value):
        return DATE_FORMAT
    try:
        date.fromisoformat(value)
    except ValueError:
        return N_("日期不存在")
    return None


def _value_problem(definition: dict, value, siblings: dict) -> str | None:
    """What JSON Schema cannot say: real dates, finite numbers and the named checks."""
    kind = definition["type"]
    if kind == "date" and isinstance(value, str):
        return _date_problem(value)
    if kind == "number" and isinstance(value, float) and not math.isfinite(value):
        return N_("应为有限数字")
    check = definition.get("check")
    when = definition.get("when") or {}
    if check and isinstance(value, str) and all(siblings.get(k) == v for k, v in when.items()):
        return CHECKS[check](value)
    return None


def validate_fields(template: dict, fields) -> dict:
    """Every problem of a file's fields as {path: problem}, e.g. {"contacts.1.phone": ...}."""
    if not isinstance(fields, dict):
        return {"fields": MUST_BE_OBJECT}
    problems: dict[str, str] = {}
    for error in Draft202012Validator(compile_schema(template)).iter_errors(fields):
        for path, problem in _describe(error):
            problems.setdefault(path, problem)
    for path, definition, value, siblings in _present_values(template["fields"], fields):
        if path not in problems:
            problem = _value_problem(definition, value, siblings)
            if problem:
                problems[path] = problem
    return problems


# --- checking an admin's template definition ------------------------------------------------

def _label_problem(label) -> str | None:
    """None if the label has a Chinese text and, if any, an English text."""
    if not isinstance(label, dict) or not isinstance(label.get("zh"), str) or not label["zh"].strip():
        return N_("需要中文名称")
    if not isinstance(label.get("en", ""), str) or set(label) - {"zh", "en"}:
        return N_("名称只含 zh 和 en 文本")
    return None


def _choices_problem(definition: dict, kind: str) -> str | None:
    """None if choices are given exactly for choice types, as distinct non-empty texts."""
    choices = definition.get("choices")
    if kind not in CHOICE_TYPES:
        return N_("只有选择类字段有选项") if "choices" in definition else None
    if not isinstance(choices, list) or not choices:
        return N_("选择类字段需要选项")
    if not all(isinstance(c, str) and c.strip() for c in choices) or len(set(choices)) != len(choices):
        return N_("选项应为不重复的非空文本")
    return None


def _pattern_problem(definition: dict, kind: str) -> str | None:
    """None if a pattern, when given, belongs to a text field and compiles."""
    pattern = definition.get("pattern")
    if "pattern" not in definition:
        return None
    if kind not in TEXT_TYPES:
        return N_("只有文本字段可设格式")
    if not isinstance(pattern, str) or not pattern or len(pattern) > PATTERN_MAX:
        return N_("格式应为1至%(n)s个字符", n=PATTERN_MAX)
    try:
        re.compile(pattern)
    except re.error as exc:
        return N_("格式不是有效的正则表达式：%(error)s", error=str(exc))
    return None


def _check_problem(definition: dict, kind: str) -> str | None:
    """None if a named check, when given, is known and applies to a text field."""
    check = definition.get("check")
    if "check" not in definition:
        return None
    if not isinstance(check, str) or check not in CHECKS:
        return N_("未知校验，应为 %(values)s 之一", values=", ".join(CHECKS))
    return None if kind in TEXT_TYPES else N_("只有文本字段可校验")


def _type_problem(kind, nested_in: str | None) -> str | None:
    """None if the type is known and allowed at this depth."""
    if kind not in FIELD_TYPES:
        return N_("未知类型，应为 %(values)s 之一", values=", ".join(FIELD_TYPES))
    if nested_in and kind in NESTING_TYPES:
        return N_("字段最多嵌套一层")
    if nested_in == "list" and kind == "multi_choice":
        return N_("列表中的字段不能多选")
    return None


def _check_field(definition: dict, here: str, nested_in: str | None) -> dict:
    """The problems of one field definition."""
    problems = {f"{here}.{a}": UNKNOWN_ATTRIBUTE for a in definition if a not in FIELD_ATTRIBUTES}
    kind = definition.get("type") if isinstance(definition.get("type"), str) else ""
    found = {
        "key": validators.safe_field_name(definition.get("key")),
        "label": _label_problem(definition.get("label")),
        "type": _type_problem(kind, nested_in),
        "required": None if type(definition.get("required", False)) is bool else TRUE_OR_FALSE,
        "choices": _choices_problem(definition, kind),
        "pattern": _pattern_problem(definition, kind),
        "check": _check_problem(definition, kind),
        "when": None if "check" in definition or "when" not in definition else WHEN_WITHOUT_CHECK,
    }
    problems.update({f"{here}.{a}": p for a, p in found.items() if p})
    if kind in NESTING_TYPES and not nested_in:
        problems.update(_check_fields(definition.get("fields"), f"{here}.fields", kind))
    elif "fields" in definition and kind not in NESTING_TYPES:
        problems.setdefault(f"{here}.fields", N_("只有对象和列表有子字段"))
    return problems


def _when_problems(definitions: list, path: str) -> dict:
    """A check's condition must name sibling fields."""
    siblings = {d["key"] for d in definitions if isinstance(d, dict) and isinstance(d.get("key"), str)}
    problems = {}
    for index, definition in enumerate(definitions):
        when = definition.get("when") if isinstance(definition, dict) else None
        if when is not None and (not isinstance(when, dict) or not when or not set(when) <= siblings):
            problems[f"{path}.{index}.when"] = N_("条件应为同级字段的取值")
    return problems


def _check_fields(definitions, path: str, nested_in: str | None = None) -> dict:
    """The problems of a list of field definitions: each field, duplicates and conditions."""
    if not isinstance(definitions, list) or not definitions:
        return {path: N_("至少需要一个字段")}
    problems, seen = {}, set()
    for index, definition in enumerate(definitions):
        here = f"{path}.{index}"
        if not isinstance(definition, dict):
            problems[here] = MUST_BE_OBJECT
            continue
        problems.update(_check_field(definition, here, nested_in))
        key = definition.get("key")
        if isinstance(key, str) and key in seen:
            problems.setdefault(f"{here}.key", N_("字段名重复"))
        elif isinstance(key, str):
            seen.add(key)
    problems.update(_when_problems(definitions, path))
    return problems


def check_template_definition(definition) -> dict:
    """Every problem of an admin-defined template as {path: problem}, e.g. {"fields.2.key": ...}."""
    if not isinstance(definition, dict):
        return {"template": MUST_BE_OBJECT}
    problems = {a: UNKNOWN_ATTRIBUTE for a in definition if a not in TEMPLATE_ATTRIBUTES}
    found = {
        "key": validators.safe_field_name(definition.get("key")),
        "label": _label_problem(definition.get("label")),
        "allow_extra": None if type(definition.get("allow_extra", False)) is bool else TRUE_OR_FALSE,
        "version": None if type(definition.get("version", 1)) is int else N_("版本应为整数"),
    }
    problems.update({a: p for a, p in found.items() if p})
    problems.update(_check_fields(definition.get("fields"), "fields"))
    return problems


def path_label(template: dict | None, path: str, english: bool = False) -> str:
    """A field path (`phone`, `contacts.0.phone`) named by the template's labels in one language:
    联系人 1 · 电话. A part the template does not know is shown as it is."""
    definitions = (template or {}).get("fields") or []
    names = []
    for part in str(path or "").split("."):
        if part.isdigit():
            names[-1:] = [f"{names[-1]} {int(part) + 1}"] if names else [part]
            continue
        found = next((d for d in definitions if isinstance(d, dict) and d.get("key") == part), None)
        label = (found or {}).get("label") or {}
        names.append((label.get("en") if english else None) or label.get("zh") or part)
        definitions = (found or {}).get("fields") or []
    return " · ".join(names)
