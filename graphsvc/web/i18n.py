"""Page texts in Simplified Chinese and English.

Why a dictionary and not gettext: two languages, a few hundred short strings,
and templates that must render identically in tests; a missing key falls back
to English, then to the key itself, so a gap shows up as readable text.
The language comes from ``?lang=``, then the ``lang`` cookie, then the
browser's Accept-Language, then Chinese (the investigators' default).

>>> t("rings", "zh"), t("rings", "en")
('可疑团伙', 'Suspected rings')
>>> resolve_lang(None, None, "en-GB,en;q=0.9")
'en'
"""

from __future__ import annotations

from typing import Final

from graphsvc.contract.typologies import TYPOLOGY_EN, TYPOLOGY_ZH

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"
COOKIE: Final = "lang"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "app_title": "graphsvc: fund supervision graph",
        "rings": "Suspected rings",
        "ring": "Ring",
        "console": "Cypher console",
        "search": "Search",
        "search_placeholder": "ID, name, phone or ID number",
        "paths": "Connections",
        "language": "中文",
        "score": "Score",
        "typology": "Typology",
        "members": "Members",
        "amount_at_risk": "Amount at risk (¥)",
        "region": "Region",
        "period": "Period",
        "period_from": "From",
        "period_to": "To",
        "min_score": "Min score",
        "min_amount": "Min amount",
        "any": "any",
        "filter": "Filter",
        "reset": "Reset",
        "run": "Detection run",
        "no_run": "No detection run yet: run `graphsvc detect` first.",
        "no_rings": "No ring matches these filters.",
        "page": "Page",
        "previous": "Previous",
        "next": "Next",
        "of": "of",
        "total": "total",
        "reasons": "Reasons",
        "evidence": "Evidence",
        "source": "From",
        "target": "To",
        "type": "Type",
        "weight": "Weight",
        "detail": "Detail",
        "role": "Role",
        "kind": "Kind",
        "id": "ID",
        "name": "Name",
        "clause": "Clause",
        "network": "Network",
        "legend": "Legend",
        "more_not_shown": "{n} more nodes not shown",
        "edges_not_shown": "{n} more links not shown",
        "physics_off": "Large graph: precomputed layout, physics off.",
        "facts": "Facts",
        "entity_rings": "Rings it belongs to",
        "neighbourhood": "Neighbourhood",
        "hops": "Hops",
        "expand": "Expand to {n} hops",
        "open_json": "JSON",
        "open_view": "Full-screen view",
        "not_found": "Not found",
        "results": "Results",
        "no_results": "No results.",
        "from": "From",
        "to": "To",
        "find_paths": "Find connections",
        "no_path": "No connection within the hop limit.",
        "saved_queries": "Saved queries",
        "query": "Query",
        "parameters": "Parameters (JSON)",
        "run_query": "Run (read-only)",
        "table": "Table",
        "graph": "Graph",
        "rows": "rows",
        "masked_note": "Personal data is masked.",
        "sort": "Sort",
        "asc": "ascending",
        "desc": "descending",
        "view_ring": "Open",
        "generated_at": "Generated",
        "double_click": "Double-click a node to open it.",
        "error": "Error",
        # node kinds and edge types (legend)
        "kind.participant": "Insured person",
        "kind.doctor": "Doctor",
        "kind.institution": "Institution / pharmacy",
        "kind.prescription": "Settlement",
        "kind.identifier": "Identifier (phone, bank, device…)",
        "kind.item": "Drug / service item",
        "kind.referral": "Referral",
        "kind.ring": "Ring",
        "kind.case": "Case",
        # Ring member roles (graphsvc.detection), shown with label('role', ...).
        "role.recruiter": "recruiter",
        "role.member": "member",
        "role.hub doctor": "hub doctor",
        "role.institution": "institution",
        "role.referring doctor": "referring doctor",
        "role.patient": "patient",
        "role.hospital": "hospital",
        "role.discharging institution": "discharging institution",
        "role.patient (one loop)": "patient (went round once: possibly a legitimate return)",
        "role.account holder": "account holder",
        "role.beneficiary": "beneficiary",
        "role.pharmacy": "pharmacy",
        "role.prescribing doctor": "prescribing doctor",
        "role.reseller": "reseller",
        "role.admitting doctor": "admitting doctor",
        "role.doctor-shopping patient": "doctor-shopping patient (same drug from several doctors)",
        "role.billing institution": "billing institution",
        "role.billing doctor": "billing doctor",
        "role.duplicate record": "record sharing an ID number",
        "role.card holder": "card holder (card used elsewhere)",
        "role.counter doctor": "doctor at the counter",
        "edge.EVIDENCE": "Detection evidence",
        "edge.HAS_IDENTIFIER": "Has identifier",
        "edge.SHARES_ACCOUNT": "Shares family account",
        "edge.ACCOUNT_PAID_FOR": "Account paid for (count, ¥)",
        "edge.VISITED": "Settlements at (count, ¥)",
        "edge.TREATED_BY": "Prescribed by (count, ¥)",
        "edge.REFERRED": "Referrals (count)",
        "edge.HAS_MEMBER": "Ring member",
        "edge.WORKS_AT": "Works at",
        "password.title": "Change password",
        "password.required": "You logged in with a one-time password: set your own before "
        "anything else.",
        "password.user": "User",
        "password.current": "Current (or one-time) password",
        "password.new": "New password",
        "password.again": "New password again",
        "password.submit": "Change password",
        "password.wrong_current": "The current password is wrong.",
        "password.too_short": "The new password needs at least {n} characters.",
        "password.same": "The new password must differ from the current one.",
        "password.differ": "The two new passwords differ.",
        # typologies: from the registry (graphsvc.contract.typologies)
        **{f"typology.{k}": v for k, v in TYPOLOGY_EN.items()},
    },
    "zh": {
        "app_title": "graphsvc：医保基金监管图分析",
        "rings": "可疑团伙",
        "ring": "团伙",
        "console": "Cypher 查询台",
        "search": "搜索",
        "search_placeholder": "编号、姓名、手机号或身份证号",
        "paths": "关联路径",
        "language": "English",
        "score": "可疑度",
        "typology": "类型",
        "members": "成员数",
        "amount_at_risk": "涉及金额（元）",
        "region": "地区",
        "period": "期间",
        "period_from": "起",
        "period_to": "止",
        "min_score": "最低可疑度",
        "min_amount": "最低金额",
        "any": "全部",
        "filter": "筛选",
        "reset": "重置",
        "run": "检测批次",
        "no_run": "尚无检测结果：请先运行 `graphsvc detect`。",
        "no_rings": "没有符合条件的团伙。",
        "page": "第",
        "previous": "上一页",
        "next": "下一页",
        "of": "共",
        "total": "条",
        "reasons": "可疑理由",
        "evidence": "证据",
        "source": "起点",
        "target": "终点",
        "type": "类型",
        "weight": "权重",
        "detail": "说明",
        "role": "角色",
        "kind": "类别",
        "id": "编号",
        "name": "名称",
        "clause": "依据条款",
        "network": "关系网络",
        "legend": "图例",
        "more_not_shown": "另有 {n} 个节点未显示",
        "edges_not_shown": "另有 {n} 条关系未显示",
        "physics_off": "图较大：使用预计算布局，已关闭物理模拟。",
        "facts": "基本信息",
        "entity_rings": "所属团伙",
        "neighbourhood": "邻近关系",
        "hops": "跳数",
        "expand": "扩展到 {n} 跳",
        "open_json": "JSON",
        "open_view": "全屏查看",
        "not_found": "未找到",
        "results": "结果",
        "no_results": "无结果。",
        "from": "起点",
        "to": "终点",
        "find_paths": "查找关联",
        "no_path": "在跳数限制内没有关联。",
        "saved_queries": "常用查询",
        "query": "查询语句",
        "parameters": "参数（JSON）",
        "run_query": "运行（只读）",
        "table": "表格",
        "graph": "图",
        "rows": "行",
        "masked_note": "个人信息已脱敏。",
        "sort": "排序",
        "asc": "升序",
        "desc": "降序",
        "view_ring": "查看",
        "generated_at": "生成时间",
        "double_click": "双击节点可打开详情。",
        "error": "错误",
        "kind.participant": "参保人",
        "kind.doctor": "医师",
        "kind.institution": "定点医药机构",
        "kind.prescription": "结算记录",
        "kind.identifier": "标识（手机、银行卡、设备等）",
        "kind.item": "药品/诊疗项目",
        "kind.referral": "转诊",
        "kind.ring": "团伙",
        "kind.case": "案件",
        "role.recruiter": "组织者",
        "role.member": "成员",
        "role.hub doctor": "核心医师",
        "role.institution": "机构",
        "role.referring doctor": "转诊医师",
        "role.patient": "患者",
        "role.hospital": "医院",
        "role.discharging institution": "出院机构",
        "role.patient (one loop)": "患者（仅循环一次，可能为正常回转）",
        "role.account holder": "个人账户持有人",
        "role.beneficiary": "受益人",
        "role.pharmacy": "药店",
        "role.prescribing doctor": "开方医师",
        "role.reseller": "倒卖者",
        "role.admitting doctor": "收治医师",
        "role.doctor-shopping patient": "多处开药患者（同一药品由多名医师开具）",
        "role.billing institution": "收费机构",
        "role.billing doctor": "开单医师",
        "role.duplicate record": "同一身份证号的参保记录",
        "role.card holder": "持卡人（医保卡异地使用）",
        "role.counter doctor": "接诊医师",
        "edge.EVIDENCE": "检测证据",
        "edge.HAS_IDENTIFIER": "使用标识",
        "edge.SHARES_ACCOUNT": "家庭共济",
        "edge.ACCOUNT_PAID_FOR": "个人账户代付（次数、金额）",
        "edge.VISITED": "就诊结算（次数、金额）",
        "edge.TREATED_BY": "开方医师（次数、金额）",
        "edge.REFERRED": "转诊（次数）",
        "edge.HAS_MEMBER": "团伙成员",
        "edge.WORKS_AT": "执业于",
        "password.title": "修改密码",
        "password.required": "您使用一次性密码登录：请先设置自己的密码，然后才能继续操作。",
        "password.user": "用户",
        "password.current": "当前密码（或一次性密码）",
        "password.new": "新密码",
        "password.again": "再次输入新密码",
        "password.submit": "修改密码",
        "password.wrong_current": "当前密码不正确。",
        "password.too_short": "新密码至少需要 {n} 个字符。",
        "password.same": "新密码不能与当前密码相同。",
        "password.differ": "两次输入的新密码不一致。",
        **{f"typology.{k}": v for k, v in TYPOLOGY_ZH.items()},
    },
}


def normalise_lang(value: str | None) -> str | None:
    """``zh-CN``/``zh_Hans``/``ZH`` -> ``zh``; ``en-GB`` -> ``en``; others -> None."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGS else None


def resolve_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The page language: explicit choice, remembered choice, browser, default."""
    for candidate in (query, cookie):
        lang = normalise_lang(candidate)
        if lang:
            return lang
    if accept:
        for part in accept.split(","):
            lang = normalise_lang(part.split(";")[0])
            if lang:
                return lang
    return DEFAULT_LANG


def t(key: str, lang: str, **fmt: object) -> str:
    """The text for ``key``; falls back to English, then to the key."""
    text = TEXTS.get(lang, {}).get(key) or TEXTS["en"].get(key) or key
    return text.format(**fmt) if fmt else text


def label(prefix: str, key: str, lang: str) -> str:
    """A translated name of a kind/edge type/typology, or the raw key when unknown."""
    full = f"{prefix}.{key}"
    text = t(full, lang)
    return key if text == full else text
