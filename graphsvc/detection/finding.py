"""The one shape every detector reports in: a typed Finding, its Exemptions, its money.

A detector turns candidates into :class:`Finding` records. A finding names its
statistic instead of burying it in prose, so reasons are *rendered* from numbers and
never hand-written twice (en + zh drift apart). Every text is a catalog message
(``graphsvc.locale.msg.Msg``, keys ``reason.<typology>.<what>``) rendered in both
languages when the ring is built:

* ``observed`` / ``expected``: what was counted for the group (e.g. 14 shared sessions)
  and what the null model expects for a group like it (e.g. 0.3);
* ``null_model`` (+ ``null_model_zh``): the stated chance model, e.g. "patients pick
  session days independently at the provider's own daily rates";
* ``log10_p``: log10 of the probability of at least ``observed`` under that null;
* ``tests``: how many candidate groups the detector examined; the corrected
  probability is Bonferroni, ``min(1, p * tests)``, i.e. ``log10_p + log10(tests)``.
  Every printed "chance" is one of these two numbers, never a weighted sum;
* ``score``: filled by the runner from the corrected probability (rings.score_of).

An :class:`Exemption` is a named, configured reason to *not* count part of a pattern
("registered household", "treatment cycle"). Each one a detector weighed is kept,
with what it removed, so an investigator reads "3 pairs explained as a registered
household" rather than silence. Exemptions that removed nothing are kept too (they
were weighed) but render no sentence.

:class:`MoneyAtRisk` is fund money on the implicated settlements: 统筹基金 (pooled
fund) + 个人账户 (employee personal account), of which 共济 (account money of a family
holder paying for someone else). ``money_at_risk(rx)`` computes it from the
contract's ``fund_paid`` / ``account_paid`` / ``account_holder_id`` columns.

Use::

    f = Finding("shared_identity", clause, members, observed=25, expected=0.02,
                **unit_texts(Msg("reason.shared_identity.unit", ...)),
                **null_texts(Msg("reason.shared_identity.null", ...)),
                log10_p=-31.0, tests=4000)
    f.exemptions.append(Exemption.of("household", Msg("reason.shared_identity.exempt.household"),
                                     3, Msg("reason.unit.pairs")))
    reasons = render_finding(f)          # a Reasons (en + zh twins)
    ring.findings.append(f)              # rings.Ring carries findings and money
    ring.money = money_at_risk(implicated_settlements)

The ring stores ``findings`` (with their exemptions) and the money split in its
``params_json`` (keys ``findings`` and ``money``); the Ring node schema is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypedDict

import pandas as pd

from graphsvc.locale.fmt import fmt_money, fmt_num, fmt_p
from graphsvc.locale.msg import Msg, Twin
from graphsvc.model import RingMember

# fmt_money / fmt_p live in graphsvc.locale.fmt; re-exported: detectors print with them.
__all__ = [
    "Exemption",
    "Finding",
    "MoneyAtRisk",
    "NullTexts",
    "UnitTexts",
    "bonferroni_max_log10",
    "fisher_log10",
    "fmt_money",
    "fmt_p",
    "money_at_risk",
    "null_texts",
    "render_finding",
    "statistic_sentence",
    "unit_texts",
]

_num = fmt_num


class UnitTexts(TypedDict):
    unit: str
    unit_zh: str


class NullTexts(TypedDict):
    null_model: str
    null_model_zh: str


def unit_texts(msg: Msg) -> UnitTexts:
    """A Finding's ``unit``/``unit_zh`` rendered from one catalog message:
    ``Finding(..., **unit_texts(Msg("reason.x.unit", n=3)), ...)``."""
    en, zh = msg.pair()
    return {"unit": en, "unit_zh": zh}


def null_texts(msg: Msg) -> NullTexts:
    """A Finding's ``null_model``/``null_model_zh`` from one catalog message."""
    en, zh = msg.pair()
    return {"null_model": en, "null_model_zh": zh}


@dataclass(frozen=True)
class Exemption:
    """A named exemption a detector weighed, and how much of the pattern it removed.

    Its texts come from the catalogs (``Exemption.of``); the stored shape keeps both
    languages, so a report reads them without the catalogs of the day.

    >>> hh = Msg("reason.shared_identity.exempt.household")
    >>> e = Exemption.of("household", hh, 3, Msg("reason.unit.pairs"))
    >>> e.sentence()[0]
    '3 pairs explained as registered family or a plausible household'
    >>> Exemption.of("household", hh, 0, Msg("reason.unit.pairs")).sentence()
    """

    name: str  # the config entry (e.g. "household", "treatment_cycle")
    reason: str  # why it spares a legitimate group, English
    reason_zh: str
    removed: int  # how many units of the pattern it removed
    unit: str  # "pairs", "sessions", "beneficiaries", ...
    unit_zh: str

    @classmethod
    def of(cls, name: str, reason: Msg, removed: int, unit: Msg) -> Exemption:
        """An exemption whose reason and unit are catalog messages, rendered now."""
        return cls(name, *reason.pair(), removed, *unit.pair())

    def sentence(self) -> tuple[str, str] | None:
        if self.removed <= 0:
            return None
        reason, unit = Twin(self.reason, self.reason_zh), Twin(self.unit, self.unit_zh)
        return Msg("reason.exemption", removed=self.removed, unit=unit, reason=reason).pair()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "removed": int(self.removed),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class MoneyAtRisk:
    """Fund money on a ring's implicated settlements (统筹基金 + 个人账户, of which 共济).

    >>> m = MoneyAtRisk(settlements=4, fund=100.0, account=50.0, shared=20.0)
    >>> m.total, m.sentence()[0].split(" (")[1]
    (150.0, 'pooled fund ¥100.00, personal account ¥50.00, of which family-shared ¥20.00)')
    >>> MoneyAtRisk(0, 0.0, 0.0, 0.0).sentence()[0]
    'no settlement money moved in the implicated settlements (0 settlements)'
    """

    settlements: int
    fund: float  # 统筹基金 fund_paid
    account: float  # 个人账户 account_paid
    shared: float  # of account: paid from another holder's account (家庭共济)

    @property
    def total(self) -> float:
        return round(self.fund + self.account, 2)

    def sentence(self) -> tuple[str, str]:
        if self.total <= 0:
            return Msg("reason.money.none", settlements=self.settlements).pair()
        return Msg(
            "reason.money.split",
            settlements=self.settlements,
            total=fmt_money(self.total),
            fund=fmt_money(self.fund),
            account=fmt_money(self.account),
            shared=fmt_money(self.shared),
        ).pair()

    def to_json(self) -> dict[str, Any]:
        return {
            "settlements": self.settlements,
            "fund": round(self.fund, 2),
            "account": round(self.account, 2),
            "shared": round(self.shared, 2),
            "total": self.total,
        }


def money_at_risk(rx: pd.DataFrame) -> MoneyAtRisk:
    """The money split of some settlements (prescriptions rows of the contract).

    共济 = account money paid from a holder's account other than the patient's own
    (``account_holder_id`` set and different from ``participant_id``).

    >>> rx = pd.DataFrame({"participant_id": ["A", "B", "C"], "fund_paid": [10.0, None, 5.0],
    ...                    "account_paid": [1.0, 2.0, 3.0], "account_holder_id": [None, "A", "C"]})
    >>> money_at_risk(rx).to_json()
    {'settlements': 3, 'fund': 15.0, 'account': 6.0, 'shared': 2.0, 'total': 21.0}
    """
    if rx.empty:
        return MoneyAtRisk(0, 0.0, 0.0, 0.0)
    fund = float(pd.to_numeric(rx["fund_paid"], errors="coerce").fillna(0.0).sum())
    account_col = (
        rx["account_paid"] if "account_paid" in rx.columns else pd.Series(0.0, index=rx.index)
    )
    account = pd.to_numeric(account_col, errors="coerce").fillna(0.0)
    shared = 0.0
    if "account_holder_id" in rx.columns:
        holder = rx["account_holder_id"]
        other = holder.notna() & (holder.astype(str) != "") & (holder != rx["participant_id"])
        shared = float(account[other].sum())
    return MoneyAtRisk(len(rx), round(fund, 2), round(float(account.sum()), 2), round(shared, 2))


@dataclass
class Finding:
    """One typology's evidence about one group, as named statistics (see module doc)."""

    typology: str
    clause: str
    members: list[RingMember]
    observed: float
    expected: float
    unit: str  # what ``observed`` counts, English, e.g. "shared sessions"
    unit_zh: str  # e.g. "次共同就诊"
    null_model: str
    null_model_zh: str
    log10_p: float  # raw, <= 0
    tests: int
    score: float = 0.0
    exemptions: list[Exemption] = field(default_factory=list)
    # Free detail sentences (en, zh) a detector adds beyond the rendered statistic.
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def log10_p_corrected(self) -> float:
        """Bonferroni over the ``tests`` candidate groups examined, capped at 1."""
        return min(0.0, self.log10_p + math.log10(max(1, self.tests)))

    @property
    def surprise(self) -> float:
        return -min(0.0, self.log10_p)

    def to_json(self) -> dict[str, Any]:
        return {
            "typology": self.typology,
            "clause": self.clause,
            "members": [m.to_json() for m in self.members],
            "observed": self.observed,
            "expected": round(float(self.expected), 6),
            "unit": self.unit,
            "null_model": self.null_model,
            "log10_p": round(float(self.log10_p), 4),
            "log10_p_corrected": round(float(self.log10_p_corrected), 4),
            "tests": int(self.tests),
            "score": self.score,
            "exemptions": [e.to_json() for e in self.exemptions],
        }


def statistic_sentence(f: Finding) -> tuple[str, str]:
    """The finding's statistic as one bilingual sentence.

    >>> f = Finding("organised_visits", "c", [], 14, 0.3, "shared sessions", "次共同就诊",
    ...             "independent visits at the provider's daily rates", "按机构日均就诊率独立就诊",
    ...             -12.0, 500)
    >>> en, zh = statistic_sentence(f)
    >>> en.split("; ")[1]
    'chance 1e-12, 1e-9 after correcting for 500 groups examined'
    >>> zh.split("；")[1]
    '偶然概率1e-12，经500组检验校正后为1e-9'
    """
    return Msg(
        "reason.statistic",
        observed=_num(f.observed),
        unit=Twin(f.unit, f.unit_zh),
        expected=_num(f.expected),
        null_model=Twin(f.null_model, f.null_model_zh),
        raw=fmt_p(f.log10_p),
        corrected=fmt_p(f.log10_p_corrected),
        tests=f.tests,
    ).pair()


def render_finding(f: Finding) -> list[tuple[str, str]]:
    """Bilingual reasons of one finding: statistic, details, then exemptions that removed
    something (en, zh) pairs in order."""
    out = [statistic_sentence(f), *f.details]
    for e in f.exemptions:
        s = e.sentence()
        if s is not None:
            out.append(s)
    return out


def fisher_log10(log10_ps: list[float]) -> float:
    """Fisher's method: log10 of the combined p-value of independent tests.

    X = -2 sum ln p_i ~ chi-square with 2k degrees of freedom under the null; its
    survival function has the closed form exp(-X/2) sum_{j<k} (X/2)^j / j!.

    >>> round(fisher_log10([-3.0, -3.0]), 3), fisher_log10([])
    (-4.829, 0.0)
    """
    if not log10_ps:
        return 0.0
    k = len(log10_ps)
    half = -sum(min(0.0, p) for p in log10_ps) * math.log(10)  # X/2
    # log of sum_{j<k} half^j / j!, computed stably.
    terms = [j * math.log(half) - math.lgamma(j + 1) if half > 0 else 0.0 for j in range(k)]
    if half <= 0:
        return 0.0
    m = max(terms)
    log_sum = m + math.log(sum(math.exp(t - m) for t in terms))
    return min(0.0, (-half + log_sum) / math.log(10))


def bonferroni_max_log10(log10_ps: list[float]) -> float:
    """Bonferroni-corrected minimum p: the strongest of k tests, times k (capped at 1).

    >>> bonferroni_max_log10([-5.0, -1.0]), bonferroni_max_log10([])
    (-4.69897, 0.0)
    """
    if not log10_ps:
        return 0.0
    return round(min(0.0, min(log10_ps) + math.log10(len(log10_ps))), 5)
