"""``audit verify``'s answer as the admin page says it, in the reader's language: intact
or broken, how many records, which line and record, what was found wrong, and what the
check stands on (records before the audit key, the latest signed anchor).

Why a table of reasons here: graphsvc.audit words its findings in English for the CLI
and logs; the page names the same finding from the catalogs by what the reason begins
with, and keeps the English line below it for the technical record.
"""

from __future__ import annotations

from typing import Any

from graphsvc.audit import VerifyResult
from graphsvc.web.i18n import t

# What a reason of graphsvc.audit.AuditLog.verify starts with -> its catalog text.
REASONS: tuple[tuple[str, str], ...] = (
    ("not a JSON record", "audit.why.not_json"),
    ("record edited", "audit.why.edited"),
    ("chain broken", "audit.why.chain"),
    ("sequence gap", "audit.why.gap"),
    ("bad MAC", "audit.why.mac"),
    ("unkeyed record", "audit.why.unkeyed"),
    ("head file missing", "audit.why.head_missing"),
    ("head file unreadable", "audit.why.head_unreadable"),
    ("head signature invalid", "audit.why.head_signature"),
    ("log ends at record", "audit.why.cut_end"),
    ("record differs from the signed head", "audit.why.head_differs"),
    ("missing records", "audit.why.cut_anchor"),
    ("record differs from the signed anchor", "audit.why.anchor_differs"),
    ("MACs start at", "audit.why.keyed_from"),
)


def reason_key(reason: str) -> str:
    """The catalog key of a verify reason (``audit.why.other`` for one not listed).

    >>> reason_key("record edited (hash mismatch)"), reason_key("something new")
    ('audit.why.edited', 'audit.why.other')
    """
    for start, key in REASONS:
        if reason.startswith(start) or f": {start}" in reason:
            return key
    return "audit.why.other"


def verify_view(result: VerifyResult, lang: str) -> dict[str, Any]:
    """Headline, the facts checked and, when broken, where and why."""
    facts = [t("audit.verified_records", lang, n=f"{result.records:,}")]
    if result.legacy_until:
        facts.append(t("audit.legacy_until", lang, seq=result.legacy_until))
    facts.append(
        t("audit.anchored", lang, seq=result.anchored)
        if result.anchored
        else t("audit.no_anchor", lang)
    )
    out: dict[str, Any] = {
        "ok": result.ok,
        "headline": t("audit.intact", lang) if result.ok else t("audit.broken", lang),
        "facts": facts,
        "where": "",
        "why": "",
        "technical": result.reason,
    }
    if not result.ok:
        out["where"] = t(
            "audit.broken_at", lang, line=result.bad_line or "?", seq=result.bad_seq or "?"
        )
        out["why"] = t(reason_key(result.reason), lang)
    return out
