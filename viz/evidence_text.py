"""Detection's evidence details in the reader's language.

Detection writes each evidence record's ``detail`` as an English sentence with the
numbers and identifiers in it (``6 loop referrals``). A Chinese page (or tooltip) must
not show it as is, and the words must not be re-typed per page: each detector's
sentence has one pattern here, whose parts fill a catalog text
(``evidence_detail.<name>``). A detail no pattern knows is shown as written (and the
zh-page test flags it), never dropped.
"""

from __future__ import annotations

import re
from typing import Any

from graphsvc.web.i18n import fact_value, region_label, t

# (evidence type, pattern, catalog key); named groups are the catalog's placeholders.
DETAIL_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "FAR_SETTLEMENT",
        re.compile(
            r"settlement (?P<s>\S+) on (?P<d>\S+) in region (?P<r>\S+), "
            r"holder's region (?P<h>\S+)"
        ),
        "far_settlement",
    ),
    (
        "DUPLICATE_CHARGE",
        re.compile(r"visit (?P<v>[^:]+): duplicated (?P<d>.+?) split (?P<b>.+)"),
        "duplicate_and_split",
    ),
    ("DUPLICATE_CHARGE", re.compile(r"visit (?P<v>[^:]+): duplicated (?P<d>.+)"), "duplicated"),
    ("DUPLICATE_CHARGE", re.compile(r"visit (?P<v>[^:]+): ?split (?P<b>.+)"), "split_bundle"),
    (
        "SAME_ID_NUMBER",
        re.compile(r"records (?P<a>\S+) and (?P<b>\S+) share ID number (?P<n>\S+)"),
        "same_id_number",
    ),
    (
        "FABRICATED_SERVICE",
        re.compile(
            r"settlement (?P<s>\S+) on (?P<d>\S+); the patient was at (?P<i>\S+) \((?P<o>\S+)\)"
        ),
        "fabricated_service",
    ),
    ("REFERS_IN_LOOP", re.compile(r"(?P<n>\d+) loop referrals"), "loop_referrals"),
    (
        "PAID_BY_ACCOUNT",
        re.compile(
            r"(?P<n>\d+) settlements; one of (?P<k>\d+) registered (?P<r>\w+?)s of the holder"
        ),
        "paid_many_relatives",
    ),
    (
        "PAID_BY_ACCOUNT",
        re.compile(
            r"(?P<n>\d+) settlements; registered as (?P<r>\w+) "
            r"but only (?P<g>-?\d+) years (?:younger|older)"
        ),
        "paid_age_misfit",
    ),
    (
        "PAID_BY_ACCOUNT",
        re.compile(r"(?P<n>\d+) settlements; registered as spouse but (?P<g>\d+) years apart"),
        "paid_spouse_gap",
    ),
    (
        "PAID_BY_ACCOUNT",
        re.compile(
            r"(?P<n>\d+) settlements; unregistered co-resident beyond a family of (?P<k>\d+)"
        ),
        "paid_co_resident",
    ),
    (
        "PAID_BY_ACCOUNT",
        re.compile(r"(?P<n>\d+) settlements; no registered link, different address"),
        "paid_unlinked_elsewhere",
    ),
    (
        "PAID_BY_ACCOUNT",
        re.compile(r"(?P<n>\d+) settlements; no registered link, no address on record"),
        "paid_unlinked_no_address",
    ),
    ("PAID_BY_ACCOUNT", re.compile(r"paid for, not plausibly family"), "paid_not_family"),
    (
        "GHOST_STAY",
        re.compile(
            r"stay (?P<s>\S+): settlements elsewhere on (?P<n>\d+) day\(s\) "
            r"during the stay: (?P<ids>.+)"
        ),
        "ghost_stay",
    ),
    ("CAME_WITH_GROUP", re.compile(r"with the group on (?P<dates>.+)"), "came_with_group"),
    (
        "OVER_PRESCRIBED",
        re.compile(r"settlement (?P<s>\S+): (?P<q>\d+) x (?P<c>\S+) \(overlapping supply\)"),
        "overlapping_supply",
    ),
    (
        "OVER_PRESCRIBED",
        re.compile(r"settlement (?P<s>\S+): (?P<q>\d+) x (?P<c>\S+) \(excess\)"),
        "excess_supply",
    ),
    (
        "STEERS_TO",
        re.compile(
            r"(?P<cp>\d+)/(?P<np>\d+) patients \((?P<c>\d+)/(?P<n>\d+) fills\), "
            r"expected (?P<e>[\d.]+) patients"
        ),
        "steers_to_patients",
    ),
    (
        "STEERS_TO",
        re.compile(r"(?P<c>\d+)/(?P<n>\d+) fills, expected (?P<e>[\d.]+)"),
        "steers_to",
    ),
    (
        "FILLS_AT",
        re.compile(r"(?P<k>\d+) fills of doctor (?P<d>\S+)'s prescriptions"),
        "fills_at",
    ),
    (
        "RESOLD_AT",
        re.compile(r"trace code …(?P<c>\S+) settled again in (?P<p>\S+)"),
        "resold_at",
    ),
    (
        "SPLIT_STAY",
        re.compile(r"stay (?P<s>\S+) readmitted (?P<n>\d+) days after (?P<p>\S+)"),
        "split_stay",
    ),
    (
        "SHARES_IDENTIFIER",
        re.compile(r"(?P<k>bank account|device|phone|email|address) (?P<v>\S+)"),
        "shares_identifier",
    ),
    (
        "SAME_PERSON",
        re.compile(
            r"records (?P<a>\S+) and (?P<b>\S+) taken for one person "
            r"\(match probability (?P<p>[\d.]+)\): (?P<what>.+)"
        ),
        "same_person",
    ),
)
# record linkage's level labels (graphsvc.detection.linkage.LEVELS) -> their catalog keys
LINKAGE_LEVELS = {
    "same name": "reason.linkage.level.person_name.same",
    "same name in pinyin": "reason.linkage.level.person_name.pinyin",
    "same surname": "reason.linkage.level.person_name.surname",
    "same birth date": "reason.linkage.level.birth_date.same",
    "birth date one digit off or two swapped": "reason.linkage.level.birth_date.typo",
    "birth day and month swapped": "reason.linkage.level.birth_date.day_month",
    "same birth year": "reason.linkage.level.birth_date.year",
    "same sex": "reason.linkage.level.gender.same",
    "same ID number": "reason.linkage.level.id_number.same",
    "a phone in common": "reason.linkage.level.phones.shared",
    "an address in common": "reason.linkage.level.addresses.shared",
}
IDENTIFIER_WORDS = {"bank account": "bank_account"}


def detail_text(kind: str, detail: Any, lang: str, detail_zh: Any = None) -> str:
    """An evidence record's detail in ``lang``.

    Detection stores each detail in both languages (``detail``, ``detail_zh``: one
    catalog message rendered twice); this parses the English back only for records of
    runs written before the twin existed.

    >>> detail_text("REFERS_IN_LOOP", "6 loop referrals", "zh", "环路转诊 6 次")
    '环路转诊 6 次'
    >>> detail_text("REFERS_IN_LOOP", "6 loop referrals", "en", "环路转诊 6 次")
    '6 loop referrals'

    >>> detail_text("REFERS_IN_LOOP", "6 loop referrals", "zh")
    '环路转诊 6 次'
    >>> detail_text("SHARES_IDENTIFIER", "bank account ********47fe", "zh")
    '共用银行账户 ********47fe'
    >>> detail_text("NEW_KIND", "as written", "zh")
    'as written'
    """
    text = "" if detail is None else str(detail)
    if detail_zh:
        return str(detail_zh) if lang == "zh" else text
    for typ, pattern, key in DETAIL_PATTERNS:
        if typ != kind:
            continue
        m = pattern.fullmatch(text)
        if m is None:
            continue
        parts = dict(m.groupdict())
        if key == "far_settlement":
            parts["r"], parts["h"] = region_label(parts["r"], lang), region_label(parts["h"], lang)
        if "r" in parts and key.startswith("paid_"):
            parts["r"] = str(fact_value("relation", parts["r"], lang))
        if key == "shares_identifier":
            raw = parts["k"]
            parts["k"] = str(fact_value("kind", IDENTIFIER_WORDS.get(raw, raw), lang))
        if key == "same_person":
            words = [LINKAGE_LEVELS.get(w, w) for w in parts["what"].split("; ")]
            parts["what"] = t("sep.semi", lang).join(t(w, lang) for w in words)
        return t(f"evidence_detail.{key}", lang, **parts)
    return text
