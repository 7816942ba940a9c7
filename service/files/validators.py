"""Checks of Chinese identifiers, phone numbers and field names; each returns None or a short problem."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from zoneinfo import ZoneInfo

from service import clock
from service.messages import N_

# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits of a 身份证 number.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66),
     71, 81, 82, 83, 91]
)
# GB 32100-2015: the code's alphabet leaves out I, O, Z, S and V.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RESERVED_NAMES = frozenset({"_id", "id", "archive_no", "version", "status", "template"})
FIELD_NAME_MAX = 40
# A 身份证's birth date is a day in mainland China, whatever zone the archive shows dates in.
ID_CARD_ZONE = ZoneInfo("Asia/Shanghai")

NOT_TEXT = N_("应为文本")
WRONG_CHECK = N_("校验位错误")

_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_FIELD_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
# Area codes: 010 and 02x have three digits, all others four; abroad the leading 0 is dropped.
_AREA = r"(?:010|02[0-9]|0[3-9][0-9]{2})"
_AREA_INTL = r"(?:10|2[0-9]|[3-9][0-9]{2})"
_LANDLINE_RE = re.compile(
    rf"(?:(?:\+|00)?86[-\s]?(?:{_AREA_INTL}|\({_AREA_INTL}\))|{_AREA}|\({_AREA}\))"
    r"[-\s]?[1-9][0-9]{2,3}[-\s]?[0-9]{4}"
    r"(?:\s*(?:-|转|ext\.?|x|#)\s*[0-9]{1,6})?",
    re.ASCII | re.IGNORECASE,
)


def _compact(value: str) -> str:
    """Full-width characters folded to ASCII and all whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def normalize_id_number(value: str) -> str:
    """The canonical form of an ID number: ASCII, no spaces, upper-case X."""
    return _compact(value).upper()


def id_check_char(first17: str) -> str:
    """The 身份证 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def _birth_date_problem(yyyymmdd: str, today: date) -> str | None:
    """None if the eight digits are a real birth date from 1900 to today."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    if year < 1900:
        return N_("出生年份早于1900年")
    try:
        born = date(year, month, day)
    except ValueError:
        return N_("出生日期不存在")
    if born > today:
        return N_("出生日期在未来")
    return None


def check_resident_id(value, today: date | None = None) -> str | None:
    """None if the value is a valid 18-digit mainland 身份证 number."""
    if not isinstance(value, str):
        return NOT_TEXT
    number = normalize_id_number(value)
    if len(number) != 18:
        return N_("身份证号码应为18位")
    if not _ID_RE.fullmatch(number):
        return N_("应为17位数字加校验位")
    if int(number[:2]) not in PROVINCE_CODES:
        return N_("地区码无效")
    problem = _birth_date_problem(number[6:14], today or clock.today(ID_CARD_ZONE))
    if problem:
        return problem
    if id_check_char(number[:17]) != number[17]:
        return WRONG_CHECK
    return None


def normalize_credit_code(value: str) -> str:
    """The canonical form of a unified social credit code: ASCII, no spaces, upper-case."""
    return _compact(value).upper()


def credit_check_char(first17: str) -> str:
    """The check character of a unified social credit code for its first 17 characters."""
    total = sum(CREDIT_CHARSET.index(char) * weight for char, weight in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def check_credit_code(value) -> str | None:
    """None if the value is a valid 18-character unified social credit code."""
    if not isinstance(value, str):
        return NOT_TEXT
    code = normalize_credit_code(value)
    if len(code) != 18:
        return N_("统一社会信用代码应为18位")
    bad = [char for char in code if char not in CREDIT_CHARSET]
    if bad:
        return N_("含无效字符“%(char)s”", char=bad[0])
    if not code[2:8].isdigit():
        return N_("第3至8位应为行政区划码")
    if credit_check_char(code[:17]) != code[17]:
        return WRONG_CHECK
    return None


def _mobile_digits(value: str) -> str:
    """The value without separators and without a +86, 0086 or 86 prefix."""
    digits = _compact(value).replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    if digits.startswith("86") and len(digits) == 13:
        return digits[2:]
    return digits


def check_mobile(value) -> str | None:
    """None if the value is a mainland mobile number (11 digits from 13x to 19x)."""
    if not isinstance(value, str):
        return NOT_TEXT
    if not _MOBILE_RE.fullmatch(_mobile_digits(value)):
        return N_("手机号码无效")
    return None


def normalize_mobile(value: str) -> str:
    """The 11 digits of a valid mobile number; other input comes back without surrounding spaces."""
    if check_mobile(value) is None:
        return _mobile_digits(value)
    return value.strip()


def check_phone(value) -> str | None:
    """None if the value is a landline with area code (and optional extension) or a mobile number."""
    if not isinstance(value, str):
        return NOT_TEXT
    if check_mobile(value) is None:
        return None
    if _LANDLINE_RE.fullmatch(unicodedata.normalize("NFKC", value).strip()):
        return None
    return N_("应为带区号的固定电话或手机号")


def safe_field_name(name) -> str | None:
    """None if the name is safe as a database key: lower-case ASCII, not reserved."""
    if not isinstance(name, str) or not name:
        return N_("需要字段名")
    if len(name) > FIELD_NAME_MAX:
        return N_("字段名最多%(n)s个字符", n=FIELD_NAME_MAX)
    if name.startswith("$") or "." in name:
        return N_("字段名不能以$开头或含有点")
    if not _FIELD_NAME_RE.fullmatch(name):
        return N_("字段名只含小写字母、数字和下划线，以字母开头")
    if name in RESERVED_NAMES:
        return N_("“%(name)s”是保留名称", name=name)
    return None
