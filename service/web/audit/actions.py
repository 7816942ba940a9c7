"""What each audited action and each kind of target is called on the audit pages (the codes stay in the
entry, the export and the filter)."""
from __future__ import annotations

from flask_babel import gettext as _

from service.web.labels import value_label


def N_(text: str) -> str:
    """Marks a label for extraction; translated where it is shown."""
    return text


ACTION_LABELS = {
    "audit.exported": N_("导出审计日志"),
    "audit.viewed": N_("查看审计日志"),
    "auth.login": N_("登录"),
    "auth.login_failed": N_("登录失败"),
    "auth.logout": N_("退出登录"),
    "complaint.closed": N_("关闭投诉"),
    "complaint.raised": N_("登记投诉"),
    "contact.listed": N_("查看回访记录"),
    "contact.recorded": N_("记录回访"),
    "destruction.approved": N_("批准销毁"),
    "destruction.certificate_printed": N_("打印销毁证明"),
    "destruction.executed": N_("执行销毁"),
    "destruction.file_destroyed": N_("销毁档案"),
    "destruction.paper_recorded": N_("登记纸质销毁"),
    "destruction.proposed": N_("提出销毁"),
    "destruction.register_exported": N_("导出销毁登记簿"),
    "destruction.rejected": N_("驳回销毁"),
    "destruction.replayed": N_("续做中断的销毁"),
    "destruction.started": N_("开始销毁"),
    "doc_type.required_set": N_("设置必备文件"),
    "doc_type.saved": N_("保存文件类型"),
    "document.described": N_("修改文件说明"),
    "document.downloaded": N_("下载扫描件"),
    "document.ocr_requested": N_("重新识别"),
    "document.text_read": N_("读取识别文字"),
    "document.uploaded": N_("上传扫描件"),
    "document.viewed": N_("查看扫描件"),
    "file.bag_exported": N_("导出档案包"),
    "file.bag_imported": N_("导入档案包"),
    "file.correction_applied": N_("采纳更正"),
    "file.correction_rejected": N_("驳回更正"),
    "file.correction_requested": N_("申请更正"),
    "file.corrections_viewed": N_("查看更正申请"),
    "file.created": N_("登记档案"),
    "file.duplicates_viewed": N_("查看疑似重复"),
    "file.exported": N_("导出档案清单"),
    "file.history_viewed": N_("查看修改记录"),
    "file.merged": N_("合并档案"),
    "file.reassigned": N_("更换归档人"),
    "file.updated": N_("修改档案"),
    "file.viewed": N_("查看档案"),
    "fixity.failed": N_("完整性检查发现问题"),
    "fixity.requested": N_("请求完整性检查"),
    "fixity.run": N_("完整性检查"),
    "followup.campaign_created": N_("创建专项回访"),
    "followup.done": N_("完成回访"),
    "followup.reassigned": N_("改派回访"),
    "followup.report_exported": N_("导出回访报表"),
    "followup.rescheduled": N_("重排回访"),
    "followup.rules_changed": N_("修改回访规则"),
    "followup.scheduled": N_("安排回访"),
    "intake.accepted": N_("接收归档"),
    "intake.register_exported": N_("导出归档登记簿"),
    "intake.resubmitted": N_("重新提交归档"),
    "intake.returned": N_("退回归档"),
    "intake.submitted": N_("提交归档"),
    "loan.approved": N_("批准借阅"),
    "loan.cancelled": N_("撤回借阅"),
    "loan.digital_ended": N_("电子借阅到期"),
    "loan.download_watermarked": N_("下载水印副本"),
    "loan.handed_out": N_("出库"),
    "loan.incident_recorded": N_("登记损坏遗失"),
    "loan.incidents_exported": N_("导出损坏遗失登记"),
    "loan.notified": N_("发出归还通知"),
    "loan.page_viewed": N_("借阅中查看页面"),
    "loan.register_exported": N_("导出借阅登记簿"),
    "loan.rejected": N_("驳回借阅"),
    "loan.reminders_exported": N_("导出催还清单"),
    "loan.renewed": N_("续借"),
    "loan.requested": N_("申请借阅"),
    "loan.reservation_cancelled": N_("取消预约"),
    "loan.reserved": N_("预约借阅"),
    "loan.returned": N_("归还"),
    "loan.slip_printed": N_("打印借阅单"),
    "partner.changed": N_("修改合作方"),
    "partner.created": N_("添加合作方"),
    "partner.nda_read": N_("查看保密协议"),
    "partner.nda_uploaded": N_("上传保密协议"),
    "pii.revealed": N_("显示完整号码"),
    "privacy.erasure_requested": N_("登记删除请求"),
    "privacy.subject_access_exported": N_("导出本人信息"),
    "retention.due_exported": N_("导出到期档案"),
    "retention.hold_lifted": N_("解除保全"),
    "retention.hold_placed": N_("设置保全"),
    "retention.policy_created": N_("创建保管策略"),
    "retention.policy_retired": N_("停用保管策略"),
    "scan_import.finished": N_("扫描导入完成"),
    "scan_import.started": N_("开始扫描导入"),
    "scan_import.uploaded": N_("上传扫描批次"),
    "scan_inbox.assigned": N_("归入档案"),
    "scan_inbox.discarded": N_("丢弃扫描件"),
    "share.accessed": N_("外部访问共享"),
    "share.approved": N_("批准共享"),
    "share.authorization_recorded": N_("登记授权书"),
    "share.link_issued": N_("生成共享链接"),
    "share.rejected": N_("驳回共享"),
    "share.requested": N_("申请共享"),
    "share.revoked": N_("撤销共享"),
    "system.restored": N_("系统恢复"),
    "template.defined": N_("定义档案模板"),
    "token.issued": N_("签发令牌"),
    "token.revoked": N_("吊销令牌"),
    "user.created": N_("创建用户"),
    "user.files_handed_over": N_("移交档案"),
    "user.handover_viewed": N_("查看移交清单"),
    "user.password_changed": N_("修改密码"),
    "user.password_reset": N_("重置密码"),
    "user.reactivated": N_("重新启用用户"),
    "user.updated": N_("修改用户"),
    "verification.changed": N_("核对发现变更"),
    "verification.confirmed": N_("核对无误"),
    "verification.overdue_exported": N_("导出核对超期"),
    "verification.rule_deleted": N_("删除核对周期"),
    "verification.rule_set": N_("设置核对周期"),
}


def action_label(action: str) -> str:
    """An action in words in the page's language (登记档案), or its code if it has no label yet."""
    label = ACTION_LABELS.get(action or "")
    return _(label) if label else (action or "")


TARGET_LABELS = {
    "audit": N_("审计日志"), "backup": N_("备份"), "campaign": N_("专项回访"), "destruction": N_("销毁批次"),
    "destruction_register": N_("销毁登记簿"), "doc_type": N_("文件类型"), "document": N_("扫描件"), "file": N_("档案"),
    "files": N_("档案"), "fixity": N_("完整性检查"), "followup_report": N_("回访报表"),
    "followup_rules": N_("回访规则"),
    "followups": N_("回访"), "intake": N_("归档提交"), "loan": N_("借阅"), "loan_incidents": N_("损坏遗失登记"),
    "loans": N_("借阅"), "partner": N_("合作方"), "retention": N_("保管期限"), "retention_policy": N_("保管策略"),
    "scan_import": N_("扫描导入"), "scan_inbox": N_("待归档扫描件"), "share": N_("外部共享"), "template": N_("模板"),
    "token": N_("API 令牌"), "user": N_("用户"), "verification": N_("定期核对"), "verification_rule": N_("核对周期"),
}


def target_label(target: str) -> str:
    """What an entry is about in words (扫描件 6b14…), its kind named; a target of an unknown kind as it is."""
    kind, sep, rest = str(target or "").partition(":")
    label = TARGET_LABELS.get(kind)
    if label is None:
        return str(target or "")
    return f"{_(label)} {value_label(rest)}" if sep else _(label)  # a stage names a verification rule


def action_choices() -> list[tuple[str, str]]:
    """Every labelled action as (code, label), by label, for the trail's filter."""
    return sorted(((code, _(label)) for code, label in ACTION_LABELS.items()), key=lambda pair: pair[1])
