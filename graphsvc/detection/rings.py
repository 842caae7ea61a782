"""What a detector returns (plain data) and how a ring is scored, identified and described.

Scores are comparable across typologies because every detector expresses its
evidence the same way: the *surprise* of a ring is ``-log10`` of the probability
that the pattern arises by chance under a stated null model (the base rates of the
data it was found in), and ``tests`` is how many candidate groups the detector
examined. The *adjusted surprise* ``surprise - log10(tests)`` is a Bonferroni
correction: a ring with adjusted surprise 2 would appear by chance in fewer than 1 of
100 runs on data without fraud. ``score = 1 - 10**(-adjusted / score_scale)``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphsvc.contract import typologies as _reg
from graphsvc.locale.msg import Msg
from graphsvc.model import RingMember

if TYPE_CHECKING:
    from graphsvc.detection.finding import Finding, MoneyAtRisk

# The registry lives in the contract (one list for every layer); re-exported here
# because detectors and their tests name it from the ring module.
TYPOLOGIES = _reg.TYPOLOGIES
CLAUSES = _reg.CLAUSES
TYPOLOGY_ZH = _reg.TYPOLOGY_ZH

ROLE_ORDER: dict[str, int] = {
    "recruiter": 0,
    "account holder": 0,
    "hub doctor": 0,
    "institution": 1,
    "pharmacy": 1,
    "doctor": 2,
}


Member = RingMember  # the contract's member type, defined once in graphsvc.model


@dataclass(frozen=True)
class Evidence:
    """One edge an investigator can follow: who is tied to whom, how, and how strongly.

    ``detail`` is the contract's English line; ``detail_zh`` its Chinese twin, rendered
    from the same catalog message (:meth:`said`), as a ring's ``reasons_zh`` is from its
    reasons: the pages and case files say the detail in the reader's language without
    parsing the English back (runs written before the twin existed are still read that
    way, by viz.evidence_text).
    """

    source: tuple[str, str]  # (kind, id)
    target: tuple[str, str]
    type: str
    weight: float
    detail: str
    detail_zh: str = ""

    @classmethod
    def said(
        cls,
        source: tuple[str, str],
        target: tuple[str, str],
        type: str,
        weight: float,
        detail: Msg,
    ) -> Evidence:
        """Evidence whose detail is a catalog message, stored in both languages.

        >>> ev = Evidence.said(("institution", "A"), ("institution", "B"), "REFERS_IN_LOOP",
        ...                    3.0, Msg("evidence_detail.loop_referrals", n=3))
        >>> ev.detail, ev.detail_zh
        ('3 loop referrals', '环路转诊 3 次')
        """
        en, zh = detail.pair()
        return cls(source, target, type, weight, en, zh)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": {"kind": self.source[0], "id": self.source[1]},
            "target": {"kind": self.target[0], "id": self.target[1]},
            "type": self.type,
            "weight": round(float(self.weight), 4),
            "detail": self.detail,
        }
        if self.detail_zh:
            out["detail_zh"] = self.detail_zh
        return out


@dataclass
class Reasons:
    """A ring's reasons in English and Simplified Chinese, always added in pairs.

    Investigators on the Chinese pages read ``zh``; the contract's ``reasons`` stay
    English. Adding both sentences in one call keeps sentence *i* of one list the twin
    of sentence *i* of the other (same numbers, same masked identifiers).

    >>> r = Reasons()
    >>> r.add("3 participants share phone ****5678", "3名参保人共用手机号码****5678")
    >>> r.insert(0, "first", "首条")
    >>> len(r), r.en[1], r.zh[0]
    (2, '3 participants share phone ****5678', '首条')
    """

    en: list[str] = field(default_factory=list)
    zh: list[str] = field(default_factory=list)

    def add(self, en: str, zh: str) -> None:
        self.en.append(en)
        self.zh.append(zh)

    def insert(self, index: int, en: str, zh: str) -> None:
        self.en.insert(index, en)
        self.zh.insert(index, zh)

    def extend(self, other: Reasons) -> None:
        self.en.extend(other.en)
        self.zh.extend(other.zh)

    def __len__(self) -> int:
        return len(self.en)


@dataclass
class Ring:
    typology: str
    members: list[Member]
    reasons: list[str]
    surprise: float
    tests: int
    amount_at_risk: float
    period_start: str | None = None
    period_end: str | None = None
    region_code: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    clause: str = ""
    score: float = 0.0
    ring_id: str = ""
    # Chinese twins of ``reasons`` (same order); empty for rings built without them.
    reasons_zh: list[str] = field(default_factory=list)
    # Typed evidence (graphsvc.detection.finding): one Finding per typology the ring
    # meets (absorbed rings add theirs), each with the exemptions weighed; and the
    # money split of the implicated settlements. Stored in the Ring's params_json.
    findings: list[Finding] = field(default_factory=list)
    money: MoneyAtRisk | None = None
    # Other typologies' rings folded into this one (runner.absorb): each keeps its
    # typology, clause, score, ring id and reasons.
    also: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_finding(
        cls,
        finding: Finding,
        reasons: Reasons,
        money: MoneyAtRisk,
        period: tuple[str | None, str | None],
        region_code: str | None,
        evidence: list[Evidence] | None = None,
    ) -> Ring:
        """A ring that is one finding: its typology, members, surprise and tests come from
        the finding, its amount from the money split (nothing is stated twice)."""
        return cls(
            typology=finding.typology,
            members=finding.members,
            reasons=reasons.en,
            reasons_zh=reasons.zh,
            surprise=-finding.log10_p,
            tests=finding.tests,
            amount_at_risk=money.total,
            money=money,
            findings=[finding],
            period_start=period[0],
            period_end=period[1],
            region_code=region_code,
            evidence=evidence or [],
        )

    @property
    def bilingual(self) -> bool:
        """Every reason has its Chinese twin."""
        return len(self.reasons_zh) == len(self.reasons)

    @property
    def adjusted_surprise(self) -> float:
        return self.surprise - math.log10(max(1, self.tests))

    @property
    def member_count(self) -> int:
        return len(self.members)

    def member_keys(self) -> set[tuple[str, str]]:
        return {(m.kind, m.id) for m in self.members}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.ring_id,
            "typology": self.typology,
            "score": self.score,
            "members": [m.to_json() for m in self.members],
            "reasons": list(self.reasons),
            "reasons_zh": list(self.reasons_zh),
            "amount_at_risk": round(float(self.amount_at_risk), 2),
            "clause": self.clause,
            "period": {"start": self.period_start, "end": self.period_end},
            "region_code": self.region_code,
            "member_count": self.member_count,
            "surprise": round(self.surprise, 3),
            "adjusted_surprise": round(self.adjusted_surprise, 3),
            "evidence": [e.to_json() for e in self.evidence],
            "findings": [f.to_json() for f in self.findings],
            "money": self.money.to_json() if self.money is not None else None,
            "typologies": self.typologies(),
        }

    def summary(self) -> dict[str, Any]:
        """This ring's own typology verdict (what absorb keeps of a folded ring)."""
        return {
            "typology": self.typology,
            "clause": self.clause,
            "score": self.score,
            "ring_id": self.ring_id,
            "reasons": list(self.reasons),
            "reasons_zh": list(self.reasons_zh),
        }

    def typologies(self) -> list[dict[str, Any]]:
        """Every typology the ring meets: its own first, then the ones folded into it."""
        own = {k: v for k, v in self.summary().items() if k not in ("reasons", "reasons_zh")}
        return [
            own,
            *(
                {k: v for k, v in a.items() if k not in ("reasons", "reasons_zh")}
                for a in self.also
            ),
        ]


def weak(surprise: float, tests: int, min_adjusted: float) -> bool:
    """Below the report threshold: detectors skip describing such candidates.

    >>> weak(3.0, 100, 2.0), weak(5.0, 100, 2.0)
    (True, False)
    """
    return surprise - math.log10(max(1, tests)) < min_adjusted


def sort_members(members: Iterable[Member]) -> list[Member]:
    """Leaders first, then institutions, doctors, participants; ids ascending."""
    kind_order = {"institution": 0, "doctor": 1, "participant": 2}
    unique = {(m.kind, m.id): m for m in members}
    return sorted(
        unique.values(), key=lambda m: (ROLE_ORDER.get(m.role, 3), kind_order.get(m.kind, 3), m.id)
    )


def score_of(adjusted_surprise: float, scale: float) -> float:
    """Map adjusted surprise (orders of magnitude beyond chance) into [0, 1].

    >>> score_of(2.0, 6.0), score_of(6.0, 6.0), score_of(-1.0, 6.0)
    (0.5358, 0.9, 0.0)
    """
    if adjusted_surprise <= 0:
        return 0.0
    return round(1.0 - float(10.0 ** (-adjusted_surprise / scale)), 4)


def ring_id_of(typology: str, members: Sequence[Member], params_json: str) -> str:
    """Content hash: the same members of the same typology under the same params.

    >>> ring_id_of("shared_identity", [Member("participant", "P1", "member")], "{}")[:3]
    'si-'
    """
    keys = sorted(f"{m.kind}:{m.id}" for m in members)
    payload = json.dumps([typology, keys, params_json], separators=(",", ":"))
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
    prefix = "".join(word[0] for word in typology.split("_"))
    return f"{prefix}-{digest}"


def mask(value: str, keep: int = 4) -> str:
    """Masked identifier value for reasons: only the last ``keep`` characters shown.

    >>> mask("13800138000"), mask("ab")
    ('*******8000', '**')
    """
    v = str(value)
    if len(v) <= keep:
        return "*" * len(v)
    return "*" * min(len(v) - keep, 8) + v[-keep:]


_LGAMMA = np.zeros(0)
_LGAMMA_MAX = 1 << 22  # 4M entries (32 MiB): beyond this, lgamma is computed per term


def _lgamma1(upto: int) -> np.ndarray:
    """``math.lgamma(i + 1)`` for ``i`` in ``0..upto``, from a table grown on demand.

    The tails below sum a few hundred lgamma terms per call, and detection calls them
    hundreds of thousands of times; the table holds exactly the values ``math.lgamma``
    gives (same function, same arguments), so every tail is bit-for-bit what computing
    each term would give.
    """
    global _LGAMMA
    if upto >= len(_LGAMMA):
        size = max(upto + 1, 2 * len(_LGAMMA), 4096)
        start = len(_LGAMMA)
        more = np.array([math.lgamma(float(i) + 1) for i in range(start, size)])
        _LGAMMA = np.concatenate([_LGAMMA, more])
    return _LGAMMA


def log10_poisson_sf(k: int, mu: float) -> float:
    """log10 P(X >= k) for X ~ Poisson(mu); 0.0 when k <= mu (nothing surprising).

    >>> round(log10_poisson_sf(5, 0.1), 2)
    -7.12
    """
    if k <= 0:
        return 0.0
    if mu <= 0:
        return -300.0
    if k <= mu:
        return 0.0
    j = np.arange(k, k + 400, dtype=float)
    if k + 400 <= _LGAMMA_MAX:
        lg = _lgamma1(k + 400)[int(k) : int(k) + 400]
    else:
        lg = np.array([math.lgamma(x + 1) for x in j])
    logs = j * math.log(mu) - mu - lg
    m = float(logs.max())
    return float((m + math.log(float(np.exp(logs - m).sum()))) / math.log(10))


def log10_binom_sf(k: int, n: int, p: float) -> float:
    """log10 P(X >= k) for X ~ Binomial(n, p); 0.0 when k <= n*p.

    >>> round(log10_binom_sf(9, 10, 0.1), 2)
    -8.04
    """
    if k <= 0 or k <= n * p:
        return 0.0
    if k > n:
        return -300.0
    p = min(max(p, 1e-12), 1 - 1e-12)
    # Past the mean the terms fall geometrically: the first few hundred carry the tail.
    j = np.arange(k, min(n, k + 400) + 1, dtype=float)
    if n < _LGAMMA_MAX:
        table = _lgamma1(int(n))
        at = j.astype(np.int64)
        lg = table[at] + table[int(n) - at]
    else:
        lg = np.array([math.lgamma(x + 1) + math.lgamma(n - x + 1) for x in j])
    logs = math.lgamma(n + 1) - lg + j * math.log(p) + (n - j) * math.log1p(-p)
    m = float(logs.max())
    return float((m + math.log(float(np.exp(logs - m).sum()))) / math.log(10))


def iso(d: Any) -> str | None:
    """A pandas/numpy date as ``YYYY-MM-DD`` (None when missing)."""
    if d is None:
        return None
    try:
        ts = np.datetime64(d, "D")
    except (TypeError, ValueError):
        return None
    if np.isnat(ts):
        return None
    return str(ts)


def majority(values: Iterable[Any]) -> str | None:
    """Most common non-empty value (ties: smallest), for a ring's region code."""
    counts: dict[str, int] = {}
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            continue
        counts[str(v)] = counts.get(str(v), 0) + 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
