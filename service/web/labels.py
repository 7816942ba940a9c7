"""Names of the things pages and registers show, in the reader's language: a code (a state, a kind), a
template, a document type, a field path, a person. Pages and Excel exports take their labels from here."""
from __future__ import annotations

import time

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from service.errors import NotFound
from service.files import path_label
from service.messages import N_
from service.web.auth import services

SYSTEM = "-"  # the actor of what the system does by itself
NAME_SECONDS = 60.0  # a renamed person shows by the new name within this time in every process
MAX_NAMES = 10_000
_names: dict[tuple[str, str], tuple[str, float]] = {}  # (database, login) -> (display name, when read)

# every code a page or an export shows, by what it is a code of
CODES = {
    "security": {"normal": N_("普通"), "confidential": N_("机密"), "sealed": N_("封存")},
    "file_status": {"active": N_("在档"), "closed": N_("已结案"), "destroyed": N_("已销毁"), "merged": N_("已合并")},
    "loan_kind": {"physical": N_("纸质档案"), "digital": N_("电子查阅")},
    "loan_status": {"requested": N_("待审批"), "approved": N_("已批准待出库"), "out": N_("借出中"),
                    "returned": N_("已归还"), "rejected": N_("已驳回"), "cancelled": N_("已撤回"), "lost": N_("已遗失"),
                    "overdue": N_("已超期")},
    "condition": {"ok": N_("完好"), "damaged": N_("损坏"), "lost": N_("遗失")},
    "trigger": {"created": N_("建档日"), "closed": N_("结案日"), "contract_end": N_("合同终止日"),
                "last_activity": N_("最后活动日")},
    "job_kind": {"noop": N_("空任务"), "import": N_("档案批量导入"), "ocr": N_("文字识别"), "fixity": N_("完整性检查"),
                 "sweep": N_("清理孤立对象"), "scan_import": N_("扫描件批量导入"), "index": N_("更新检索索引"),
                 "destruction": N_("执行销毁"), "loan_notice": N_("通知借阅人")},
    "ocr_status": {"pending": N_("等待识别"), "running": N_("正在识别"), "done": N_("已识别"),
                   "failed": N_("识别失败")},
    "duplicate_reason": {"id_number": N_("证件号码相同"), "phone": N_("手机号码相同"),
                         "credit_code": N_("统一社会信用代码相同"), "name_pinyin": N_("姓名读音相同")},
    "policy_match": {"template": N_("模板"), "customer_type": N_("客户类型"), "stage": N_("阶段"),
                     "project": N_("项目"), "doc_types": N_("文件类型")},
    "verification_cycle": {"monthly": N_("每月"), "quarterly": N_("每季度"), "yearly": N_("每年")},
    "intake_status": {"pending": N_("待审核"), "returned": N_("已退回"), "accepted": N_("已接收")},
}

# The built-in templates' choices, the stages and the customer types are stored as these Chinese words (they
# are the data, and the API takes them as they are); pages show them in the reader's language. Listed here so
# that extraction puts them in the catalog; a choice an admin adds shows as it was entered.
VALUES = frozenset({
    N_("男"), N_("女"), N_("身份证"), N_("护照"), N_("港澳通行证"), N_("台胞证"), N_("其他"),
    N_("10万以下"), N_("10-20万"), N_("20-50万"), N_("50-100万"), N_("100万以上"),
    N_("来访"), N_("来电"), N_("网络"), N_("老带新"), N_("中介"),
    N_("国营"), N_("外企"), N_("股份"), N_("私营"), N_("批发"), N_("零售"), N_("工程"),
    N_("意向"), N_("潜在"), N_("准客户"), N_("成交"), N_("刚需"), N_("改善"), N_("投资"),
})


def english() -> bool:
    """True when the page is read in English."""
    return str(get_locale()) == "en"


def code_label(group: str, code, empty: str = "") -> str:
    """The label of a code of `group` (a state, a kind) in the reader's language; an unknown code as it is."""
    label = CODES[group].get(code) if isinstance(code, str) else None
    return label.render(_) if label is not None else (code or empty)


def value_label(value):
    """A stored choice, stage or customer type (意向, 身份证) in the reader's language; others as they are."""
    return _(value) if isinstance(value, str) and value in VALUES else value


def headers(messages) -> list[str]:
    """An export's column headers (N_ messages) in the reader's language."""
    return [message.render(_) for message in messages]


def code_labels(group: str, codes) -> str:
    """The labels of several codes of `group`, joined the way the reader's language lists things."""
    return joined(code_label(group, code) for code in codes or [])


def joined(items) -> str:
    """Items as one phrase, with the list separator of the reader's language (、 or a comma)."""
    return (", " if english() else "、").join(str(item) for item in items)


def doc_type_label(code) -> str:
    """A document type's name (购房合同), or its code if no such type was ever defined."""
    known = services().doc_types.labels().get(code)
    if known is None:
        return code or ""
    return (known.get("label_en") if english() else None) or known.get("label_zh") or code


def policy_scope(match) -> str:
    """What a retention policy applies to, in words (模板：个人客户；文件类型：身份证复印件)."""
    parts = []
    for key, value in (match or {}).items():
        if key == "template":
            shown = template_label(value)
        elif key == "doc_types":
            shown = joined(doc_type_label(code) for code in value)
        else:
            shown = value_label(value) if isinstance(value, str) else joined(value_label(v) for v in value)
        parts.append(f"{code_label('policy_match', key)}{': ' if english() else '：'}{shown}")
    return ("; " if english() else "；").join(parts)


def field_label(path: str, template_key: str) -> str:
    """A field path of a file of this template, named by the template's labels (联系人 1 · 电话)."""
    return path_label(services().templates.get(template_key), path, english=english())


def template_label(template_key: str) -> str:
    """A template's name (个人客户), or its key if it is gone."""
    names = (services().templates.get(template_key) or {}).get("label") or {}
    return (names.get("en") if english() else None) or names.get("zh") or template_key or ""


def person(username, with_login: bool = False) -> str:
    """A person shown by name (王芳) rather than by login; `with_login` adds it (王芳（wangfang）) where
    a record must say exactly who. Unknown logins show as they are; "-" is the system itself."""
    if not username:
        return ""
    if username == SYSTEM:
        return _("系统")
    name = _display_name(str(username))
    return f"{name}{bracketed(username)}" if with_login and name != username else name


def colon() -> str:
    """The colon after a label in the reader's language (：, or ": ")."""
    return ": " if english() else "："


def bracketed(text) -> Markup:
    """An aside in the brackets of the reader's language: 王芳（wangfang）, Wang Fang (wangfang)."""
    return Markup(" (%s)" if english() else "（%s）") % text


def _display_name(username: str) -> str:
    # kept for NAME_SECONDS in this process: a list of fifty rows names a few people, read once
    key = (services().settings.db_name, username)  # one installation's people, not another's
    known = _names.get(key)
    now = time.monotonic()
    if known is not None and now - known[1] < NAME_SECONDS:
        return known[0]
    try:
        name = services().users.by_username(username).display_name or username
    except NotFound:
        name = username
    if len(_names) > MAX_NAMES:
        _names.clear()
    _names[key] = (name, now)
    return name
