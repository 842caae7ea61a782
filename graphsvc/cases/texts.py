"""Bilingual texts of case reports and case pages: key -> (Chinese, English).

Why not ``graphsvc.web.i18n`` alone: the report prints both languages side by
side (the liaison may read either), so each text is a pair; the pages pick one.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "report_title": ("医保基金欺诈骗保案件报告", "Medical insurance fund fraud case report"),
    "cases": ("案件", "Cases"),
    "case": ("案件", "Case"),
    "case_number": ("案件编号", "Case number"),
    "title": ("标题", "Title"),
    "status": ("状态", "Status"),
    "typology": ("类型", "Typology"),
    "legal_basis": ("法律依据", "Legal basis"),
    "transfer_basis": ("移送依据", "Basis of the transfer"),
    "summary": ("概要", "Summary"),
    "members": ("涉案人员与机构", "Members"),
    "kind": ("类别", "Kind"),
    "id": ("编号", "ID"),
    "role": ("角色", "Role"),
    "name": ("姓名/名称", "Name"),
    "id_number": ("身份证号", "ID number"),
    "settlements": ("结算笔数", "Settlements"),
    "fund_paid": ("基金支付（元）", "Fund paid (¥)"),
    "amount_at_risk": ("涉嫌违规金额（元）", "Amount at risk (¥)"),
    "total": ("合计", "Total"),
    "reasons": ("疑点与依据", "Reasons"),
    "timeline": ("办理过程", "Timeline"),
    "network": ("关系网络", "Network"),
    "evidence": ("证据材料", "Evidence"),
    "run": ("检测批次", "Detection run"),
    "ring": ("团伙编号", "Ring"),
    "params": ("检测参数", "Detection parameters"),
    "score": ("可疑度", "Score"),
    "period": ("期间", "Period"),
    "region": ("地区", "Region"),
    "assignee": ("承办人", "Assignee"),
    "liaison": ("公安联络人", "Liaison"),
    "created": ("立案时间", "Opened"),
    "created_by": ("立案人", "Opened by"),
    "updated": ("更新时间", "Updated"),
    "at": ("时间", "When"),
    "actor": ("操作人", "Who"),
    "action": ("事项", "What"),
    "detail": ("内容", "Detail"),
    "masked": (
        "本材料中的个人信息已脱敏（案件未移送）。",
        "Personal data in this package are masked (the case has not been transferred).",
    ),
    "unmasked": (
        "本材料含完整个人信息，仅供接收案件的公安机关使用，须依法保密。",
        "This package holds personal data in full, for the receiving public-security "
        "bureau only, to be kept confidential by law.",
    ),
    "truncated": (
        "结算记录过多，仅列出前 {n} 条。",
        "Too many settlements: only the first {n} are listed.",
    ),
    "apportioned": (
        "个人涉嫌违规金额按基金支付比例分摊团伙总额。",
        "Per-member amounts at risk apportion the ring's total pro rata to fund paid.",
    ),
    "no_ring": ("人工选定的实体", "entities selected by hand"),
    "files": ("材料清单", "Files"),
    "verify_hint": (
        "校验：graphsvc case verify 本文件.zip --key 密钥",
        "Verify: graphsvc case verify THIS.zip --key KEY",
    ),
    "status.open": ("待处理", "Open"),
    "status.in_review": ("审查中", "In review"),
    "status.confirmed": ("已确认", "Confirmed"),
    "status.dismissed": ("已排除", "Dismissed"),
    "status.pending_transfer": ("移送待审批", "Transfer awaiting approval"),
    "status.transferred": ("已移送", "Transferred"),
    "action.created": ("立案", "Opened"),
    "action.status": ("状态变更", "Status changed"),
    "action.assignee": ("指派", "Assigned"),
    "action.liaison": ("移送对象", "Transferred to"),
    "action.title": ("修改标题", "Title changed"),
    "action.comment": ("意见", "Comment"),
    "action.transfer_proposed": ("提请移送", "Transfer proposed"),
    "action.transfer_rejected": ("退回移送申请", "Transfer sent back"),
    "propose_transfer": ("提请移送公安", "Propose transfer to public security"),
    "approve_transfer": ("审批移送", "Approve the transfer"),
    "reject_transfer": ("退回", "Send back"),
    "transfer_reason": ("移送理由", "Reason for the transfer"),
    "proposed_by": ("提请人", "Proposed by"),
    "confirm_transfer": (
        "我已核对案件、公安联络人和移送理由，同意移送（移送后案件材料含完整个人信息）。",
        "I checked the case, the liaison and the reason and approve the transfer "
        "(the liaison's package then holds personal data in full).",
    ),
    "transfer_refused": ("移送未执行", "Transfer refused"),
    "err.no_liaison": ("移送须指定公安联络人。", "A transfer needs the liaison it goes to."),
    "err.unknown_user": (
        "用户 {name} 不存在：案件只能移送给已有的公安联络人账号。",
        "There is no user {name}: a case is transferred to an existing liaison account.",
    ),
    "err.not_liaison": (
        "用户 {name} 的角色是 {role}，不是公安联络人：案件只能移送给公安联络人账号。",
        "User {name} has the role {role}, not liaison: a case is transferred to a liaison account.",
    ),
    "err.disabled_user": (
        "用户 {name} 已停用：案件只能移送给在用的公安联络人账号。",
        "User {name} is disabled: a case is transferred to an active liaison account.",
    ),
    "err.no_reason": ("请填写移送理由。", "A transfer proposal needs a reason."),
    "err.self_approval": (
        "提请人不能审批自己的移送申请，须由另一名审批人审批（海南办法第二十九条）。",
        "The proposer of a transfer cannot approve it: a second officer must (Hainan Art. 29).",
    ),
    "err.not_confirmed": (
        "请勾选确认后再审批移送。",
        "Tick the confirmation after checking the case, liaison and reason.",
    ),
    "kind.participant": ("参保人", "Participant"),
    "kind.doctor": ("医师", "Doctor"),
    "kind.institution": ("医药机构", "Institution"),
    "kind.identifier": ("身份/联系信息", "Identifier"),
    "new_case": ("新建案件", "New case"),
    "from_ring": ("由团伙立案", "Open from ring"),
    "create": ("立案", "Create"),
    "change": ("更新", "Update"),
    "comment": ("添加意见", "Add comment"),
    "download": ("下载案件材料包", "Download case package"),
    "no_cases": ("暂无案件。", "No cases yet."),
    "history": ("历史记录", "History"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "next_status": ("下一步", "Next step"),
    "source": ("来源", "Source"),
}


def pair(key: str) -> tuple[str, str]:
    return TEXTS.get(key, (key, key))


def both(key: str, sep: str = " / ") -> str:
    """``中文 / English``; one of them when both are the same.

    >>> both("status")
    '状态 / Status'
    """
    zh, en = pair(key)
    return zh if zh == en else f"{zh}{sep}{en}"


def one(key: str, lang: str) -> str:
    zh, en = pair(key)
    return zh if lang == "zh" else en
