"""Messages of the fault-tolerance procedure (容错免责): app_pages/fault_tolerance.py, and the
link that replaced the one-click exemption on app_pages/indicators.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "ft.title": {"zh": "容错免责", "en": "Fault tolerance (exemption from blame)"},
    "ft.intro": {
        "zh": (
            "容错免责适用于依法依规、勤勉尽责、未谋取私利而出现的失误。程序：在问责程序启动后、作出决定前书面申请"
            " → 受理 → 核实 → 由{body}作出决定 → 备案并通报组织部门。对一件超时办件或一件问责案件提出申请。"
        ),
        "en": (
            "Fault tolerance covers errors by people who acted lawfully, diligently and for no private gain. "
            "The procedure: a written application after accountability proceedings start and before their "
            "decision → acceptance → verification → decision by {body} → filing, with the organisation "
            "department notified. An application concerns one overdue approval or one accountability case."
        ),
    },
    "ft.excluded_help": {
        "zh": "造成重大安全事故、环境污染、食品安全事故或群体性事件的，不予容错免责。",
        "en": (
            "Fault tolerance never applies where the matter led to a major safety accident, environmental "
            "pollution, a food-safety incident or a mass incident."
        ),
    },
    "ft.liaison_scope": {
        "zh": "您只能查看和提出本单位办件、案件的申请；受理、核实和决定由管理员办理。",
        "en": (
            "You see and file applications for your own unit's cases only; acceptance, verification and the "
            "decision are recorded by administrators."
        ),
    },
    "ft.metric.open": {"zh": "待办申请", "en": "Open applications"},
    "ft.tab.applications": {"zh": "申请列表", "en": "Applications"},
    "ft.tab.new": {"zh": "提出申请", "en": "New application"},
    "ft.filter.status": {"zh": "状态", "en": "Status"},
    "ft.filter.subject": {"zh": "对象", "en": "Subject"},
    "ft.filter.all": {"zh": "全部", "en": "All"},
    "ft.empty": {"zh": "没有符合条件的申请。", "en": "No applications match."},
    "ft.subject.overdue_case": {"zh": "超时办件", "en": "Overdue approval"},
    "ft.subject.accountability_case": {"zh": "问责案件", "en": "Accountability case"},
    "ft.status.applied": {"zh": "已申请", "en": "Applied"},
    "ft.status.accepted": {"zh": "已受理", "en": "Accepted"},
    "ft.status.not_accepted": {"zh": "不予受理", "en": "Not accepted"},
    "ft.status.verified": {"zh": "已核实", "en": "Verified"},
    "ft.status.granted": {"zh": "予以免责", "en": "Granted"},
    "ft.status.refused": {"zh": "不予免责", "en": "Refused"},
    "ft.status.decision": {"zh": "决定", "en": "Decision"},
    "ft.consequence.none": {"zh": "未造成排除情形的后果", "en": "No excluded consequence"},
    "ft.consequence.safety_accident": {"zh": "重大安全事故", "en": "A major safety accident"},
    "ft.consequence.pollution": {"zh": "环境污染", "en": "Environmental pollution"},
    "ft.consequence.food_safety": {"zh": "食品安全事故", "en": "A food-safety incident"},
    "ft.consequence.mass_incident": {"zh": "群体性事件", "en": "A mass incident"},
    "ft.col.id": {"zh": "编号", "en": "No."},
    "ft.col.subject": {"zh": "对象", "en": "Subject"},
    "ft.col.case": {"zh": "办件或案件", "en": "Case"},
    "ft.col.unit": {"zh": "单位", "en": "Unit"},
    "ft.col.applicant": {"zh": "申请人", "en": "Applicant"},
    "ft.col.status": {"zh": "状态", "en": "Status"},
    "ft.col.filed": {"zh": "申请时间", "en": "Filed"},
    "ft.col.document": {"zh": "决定文书", "en": "Decision document"},
    "ft.col.when": {"zh": "时间", "en": "When"},
    "ft.col.who": {"zh": "操作人", "en": "By"},
    "ft.col.step": {"zh": "步骤", "en": "Step"},
    "ft.col.note": {"zh": "说明", "en": "Note"},
    "ft.choose": {"zh": "查看申请", "en": "Open an application"},
    "ft.option": {
        "zh": "#{id} · {subject} {case} · {unit} · {status}",
        "en": "#{id} · {subject} {case} · {unit} · {status}",
    },
    "ft.detail.case": {"zh": "办件或案件", "en": "Case"},
    "ft.detail.unit": {"zh": "单位", "en": "Unit"},
    "ft.detail.applicant": {"zh": "申请人", "en": "Applicant"},
    "ft.detail.reasons": {"zh": "申请理由", "en": "Reasons"},
    "ft.detail.declared": {"zh": "申报的后果", "en": "Consequence declared"},
    "ft.detail.found": {"zh": "核实认定的后果", "en": "Consequence found by verification"},
    "ft.detail.history": {"zh": "办理记录", "en": "History"},
    "ft.detail.download": {"zh": "下载证明材料：{name}", "en": "Download the evidence: {name}"},
    "ft.detail.body": {"zh": "决定机关：{body}", "en": "Deciding body: {body}"},
    "ft.step.apply": {"zh": "提出申请", "en": "Application filed"},
    "ft.step.accept": {"zh": "受理", "en": "Accepted"},
    "ft.step.not_accept": {"zh": "不予受理", "en": "Not accepted"},
    "ft.step.verify": {"zh": "核实", "en": "Verified"},
    "ft.step.decide": {"zh": "决定", "en": "Decided"},
    "ft.granted.overdue_case": {
        "zh": "已予免责：该办件在下次计算超时办结指标时不再计入（请在“大数据指标”页重新计算）。",
        "en": (
            "Granted: the case stops counting in the overtime indicator at its next computation "
            "(recompute it on the Indicators page)."
        ),
    },
    "ft.granted.accountability_case": {
        "zh": "已予免责：该案件不再扣分；已提出的扣分撤回，已确认的扣分已删除。",
        "en": (
            "Granted: the case carries no deduction; a proposed deduction was withdrawn and a confirmed one "
            "removed."
        ),
    },
    "ft.closed": {"zh": "本申请已办结。", "en": "This application is closed."},
    "ft.liaison_waits": {
        "zh": "下一步由管理员办理：{step}。",
        "en": "An administrator takes the next step: {step}.",
    },
    "ft.accept.header": {"zh": "受理", "en": "Acceptance"},
    "ft.accept.note": {
        "zh": "受理意见（不予受理时必填）",
        "en": "Acceptance note (required when not accepting)",
    },
    "ft.accept.submit": {"zh": "受理", "en": "Accept"},
    "ft.not_accept.submit": {"zh": "不予受理", "en": "Do not accept"},
    "ft.accept.done": {"zh": "申请 #{id} 已受理。", "en": "Application #{id} was accepted."},
    "ft.not_accept.done": {"zh": "申请 #{id} 不予受理。", "en": "Application #{id} was not accepted."},
    "ft.verify.header": {"zh": "核实", "en": "Verification"},
    "ft.verify.note": {"zh": "核实情况", "en": "What the verification found"},
    "ft.verify.found": {"zh": "核实认定的后果", "en": "Consequence the matter led to"},
    "ft.verify.submit": {"zh": "记录核实结果", "en": "Record the verification"},
    "ft.verify.done": {"zh": "申请 #{id} 已核实。", "en": "Application #{id} was verified."},
    "ft.decide.header": {"zh": "决定", "en": "Decision"},
    "ft.decide.outcome": {"zh": "决定结果", "en": "Outcome"},
    "ft.decide.grant": {"zh": "予以免责", "en": "Grant the exemption"},
    "ft.decide.refuse": {"zh": "不予免责", "en": "Refuse the exemption"},
    "ft.decide.only_refusal": {
        "zh": "核实认定存在排除情形（{situation}），只能作出不予免责的决定。",
        "en": (
            "The verification found an excluded situation ({situation}): the decision can only be a refusal."
        ),
    },
    "ft.decide.document": {"zh": "决定文书编号（必填）", "en": "Decision document number (required)"},
    "ft.decide.note": {"zh": "决定说明", "en": "Note on the decision"},
    "ft.decide.submit": {"zh": "记录决定", "en": "Record the decision"},
    "ft.decide.done": {
        "zh": "申请 #{id} 的决定已记录：{outcome}。",
        "en": "The decision on application #{id} was recorded: {outcome}.",
    },
    "ft.decide.other_admin": {
        "zh": "您提出、受理或核实了本申请，决定须由另一位管理员记录。",
        "en": "You filed, accepted or verified this application: another administrator records the decision.",
    },
    "ft.new.subject": {"zh": "申请对象", "en": "The application concerns"},
    "ft.new.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "ft.new.campaign_option": {"zh": "{name}（{code}）", "en": "{name} ({code})"},
    "ft.new.no_campaigns": {"zh": "还没有评议活动。", "en": "There are no appraisals yet."},
    "ft.new.no_cases": {
        "zh": "没有可申请的办件或案件（已免责、已有待办申请或已作出问责决定的不在此列）。",
        "en": (
            "No case can be applied for (cases already exempt, with an open application or already decided "
            "are not listed)."
        ),
    },
    "ft.new.case": {"zh": "办件或案件", "en": "Case"},
    "ft.new.overdue_option": {
        "zh": "{case} · {unit} · 超时 {hours} 小时",
        "en": "{case} · {unit} · {hours} hours late",
    },
    "ft.new.case_option": {"zh": "{case} · {unit} · {type}", "en": "{case} · {unit} · {type}"},
    "ft.case_type.inaction": {"zh": "不作为", "en": "Inaction"},
    "ft.case_type.slow": {"zh": "慢作为", "en": "Slowness"},
    "ft.case_type.misconduct": {"zh": "乱作为", "en": "Misconduct"},
    "ft.new.applicant": {"zh": "申请人（姓名或科室）", "en": "Applicant (name or office)"},
    "ft.new.ground24": {
        "zh": "以“客观原因且超时不足24小时”为理由（仅适用于超时不足24小时的办件）",
        "en": "On the common ground: objective causes and less than 24 hours late (such cases only)",
    },
    "ft.new.reasons": {
        "zh": "申请理由：为何属于依法依规、勤勉尽责、未谋私利",
        "en": "Reasons: why the person acted lawfully, diligently and for no private gain",
    },
    "ft.new.consequence": {"zh": "造成的后果", "en": "What the matter led to"},
    "ft.new.evidence": {
        "zh": "证明材料（可选，不超过 {mb} MB）",
        "en": "Evidence (optional, at most {mb} MB)",
    },
    "ft.new.submit": {"zh": "提交申请", "en": "File the application"},
    "ft.new.done": {"zh": "申请 #{id} 已提交。", "en": "Application #{id} was filed."},
    "ft.new.reasons_required": {"zh": "请写明申请理由。", "en": "Write the reasons."},
    "ft.new.applicant_required": {"zh": "请填写申请人。", "en": "Name the applicant."},
    "ft.error.denied": {
        "zh": "您的账号不能办理此事项（联络员只能为本单位申请，且不办理受理、核实和决定）。",
        "en": (
            "Your account may not do this (a liaison files for its own unit only and takes no step of the "
            "procedure)."
        ),
    },
    "ft.error.excluded": {
        "zh": "不予容错免责：{situation}属于排除情形。",
        "en": "Fault tolerance does not apply: {situation} is an excluded situation.",
    },
    "ft.error.same_admin": {
        "zh": "您提出、受理或核实了本申请，决定须由另一位管理员记录。",
        "en": (
            "You filed, accepted or verified this application: another administrator must record the "
            "decision."
        ),
    },
    "ft.error.too_large": {
        "zh": "证明材料超过 {mb} MB，请上传较小的扫描件或摘录。",
        "en": "The evidence is over {mb} MB: upload a smaller scan or an extract.",
    },
    "ft.error.not_found": {"zh": "未找到：{detail}", "en": "Not found: {detail}"},
    "ft.error.refused": {"zh": "未能办理：{detail}", "en": "Not done: {detail}"},
    "ft.indicators.help": {
        "zh": (
            "超时办件的容错免责按程序办理（申请、受理、核实、决定），在“容错免责”页进行；予以免责的办件在上表中"
            "标明决定文书，下次计算超时办结指标时不再计入。"
        ),
        "en": (
            "Exemptions of overdue cases follow their procedure (application, acceptance, verification, "
            "decision) on the fault-tolerance page; a granted case shows its decision document in the table "
            "above and stops counting at the next computation of the overtime indicator."
        ),
    },
    "ft.indicators.link": {"zh": "前往容错免责", "en": "Go to fault tolerance"},
}
