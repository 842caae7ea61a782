"""The one shape every detector reports in: a typed Finding, its Exemptions, its money.

A detector turns candidates into :class:`Finding` records. A finding names its
statistic instead of burying it in prose, so reasons are *rendered* from numbers and
never hand-written twice (en + zh drift apart):

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
                unit="participants sharing identifiers", unit_zh="名参保人共用身份信息",
                null_model="...", null_model_zh="...", log10_p=-31.0, tests=4000)
    f.exemptions.append(Exemption("household", "registered household", "登记家庭",
                                  removed=3, unit="pairs", unit_zh="对"))
    reasons = render_finding(f)          # a Reasons (en + zh twins)
    ring.findings.append(f)              # rings.Ring carries findings and money
    ring.money = money_at_risk(implicated_settlements)

The ring stores ``findings`` (with their exemptions) and the money split in its
``params_json`` (keys ``findings`` and ``money``); the Ring node schema is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graphsvc.model import RingMember


def fmt_p(log10p: float) -> str:
    """A probability from its log10, readable: two decimals above 0.01, else a power of ten.

    >>> fmt_p(-12.34), fmt_p(-1.5), fmt_p(0.3)
    ('1e-12', '0.03', '1.00')
    """
    log10p = min(0.0, log10p)
    if log10p > -2:
        return f"{10**log10p:.2f}"
    return f"1e{math.floor(log10p + 0.5)}"


def fmt_money(x: float) -> str:
    """Yuan with thousands separators, e.g. '¥12,345.60'."""
    return f"¥{x:,.2f}"


def _num(x: float) -> str:
    """Counts as integers, rates with up to 3 significant digits.

    >>> _num(14.0), _num(0.01234), _num(2.5)
    ('14', '0.0123', '2.5')
    """
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"


@dataclass(frozen=True)
class Exemption:
    """A named exemption a detector weighed, and how much of the pattern it removed.

    >>> e = Exemption("household", "a registered household", "登记家庭", 3, "pairs", "对")
    >>> e.sentence()
    ('3 pairs explained as a registered household', '3对可由登记家庭解释')
    >>> Exemption("household", "a registered household", "登记家庭", 0, "pairs", "对").sentence()
    """

    name: str  # the config entry (e.g. "household", "treatment_cycle")
    reason: str  # why it spares a legitimate group, English
    reason_zh: str
    removed: int  # how many units of the pattern it removed
    unit: str  # "pairs", "sessions", "beneficiaries", ...
    unit_zh: str

    def sentence(self) -> tuple[str, str] | None:
        if self.removed <= 0:
            return None
        return (
            f"{self.removed} {self.unit} explained as {self.reason}",
            f"{self.removed}{self.unit_zh}可由{self.reason_zh}解释",
        )

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
            return (
                "no settlement money moved in the implicated settlements "
                f"({self.settlements} settlements)",
                f"涉及结算{self.settlements}笔，未发生医保基金支付",
            )
        return (
            f"{self.settlements} implicated settlements: {fmt_money(self.total)} of fund money "
            f"(pooled fund {fmt_money(self.fund)}, personal account {fmt_money(self.account)}, "
            f"of which family-shared {fmt_money(self.shared)})",
            f"涉及结算{self.settlements}笔，医保基金{fmt_money(self.total)}"
            f"（统筹基金{fmt_money(self.fund)}，个人账户{fmt_money(self.account)}，"
            f"其中共济{fmt_money(self.shared)}）",
        )

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
    raw, corr = fmt_p(f.log10_p), fmt_p(f.log10_p_corrected)
    return (
        f"observed {_num(f.observed)} {f.unit} where {_num(f.expected)} expected "
        f"(null model: {f.null_model}); chance {raw}, {corr} after correcting for "
        f"{f.tests} groups examined",
        f"观测到{_num(f.observed)}{f.unit_zh}，零假设（{f.null_model_zh}）下期望"
        f"{_num(f.expected)}；偶然概率{raw}，经{f.tests}组检验校正后为{corr}",
    )


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
