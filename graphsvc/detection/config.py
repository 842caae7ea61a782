"""The one configuration of detection: thresholds and weights, with documented defaults.

A YAML or JSON file overrides any field by section, e.g.::

    scoring:
      min_adjusted_surprise: 3
    shared_identity:
      hub_degree: 20

Unknown sections or keys are refused (a typo must not silently keep a default).
Every field is explained in docs/detection.md.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from graphsvc.errors import InputError


@dataclass(frozen=True)
class ScoringConfig:
    # A ring is reported when its chance probability, Bonferroni-corrected for the number
    # of candidate groups its detector examined, is below 10**-min_adjusted_surprise.
    min_adjusted_surprise: float = 2.0
    # score = 1 - 10**(-adjusted_surprise / score_scale): adjusted 2 -> 0.37, 10 -> 0.90.
    score_scale: float = 10.0


@dataclass(frozen=True)
class SharedIdentityConfig:
    # Evidence weight of one shared identifier by kind (before inverse-degree weighting).
    kind_weights: dict[str, float] = field(
        default_factory=lambda: {
            "device": 1.0,
            "bank_account": 1.0,
            "email": 0.8,
            "phone": 0.7,
            "address": 0.3,
        }
    )
    # Identifiers held by more participants than this are hubs (switchboards, nursing
    # homes, collective addresses, kiosks): never used to link anyone.
    hub_degree: int = 20
    # A pair must share at least this much weighted evidence to be linked.
    min_pair_weight: float = 0.5
    # Address degree up to which people sharing an address live together and may share
    # anything (households, and small care homes whose account manages residents'
    # reimbursements); up to the hub degree, beyond which an address links nobody.
    household_max: int = 20
    min_members: int = 3
    # A ring shares at least this many distinct identifiers, one of a kind a recruiter
    # controls (an address and a landline alone describe a building, not a ring).
    min_distinct_identifiers: int = 2
    control_kinds: tuple[str, ...] = ("device", "bank_account", "email")
    # Chance that two unrelated participants share one given identifier of a kind
    # is estimated from the data; this floors it so tiny data does not explode scores.
    min_chance: float = 1e-7


@dataclass(frozen=True)
class OrganisedVisitsConfig:
    # Sessions (doctor or institution x day) with more patients than this are skipped as
    # too busy to say anything about who came together.
    max_session_size: int = 80
    # Two sessions of a provider on different schedule slots (weekdays)
    # are one gathering when they share at least min_overlap patients, a share this
    # unlikely (log10, beyond a Bonferroni over the provider's session pairs).
    min_overlap: int = 3
    min_pair_surprise: float = 0.5
    min_members: int = 5
    # A joint session of a group: at least this share of it (and min_members) came;
    # a ring needs at least min_joint_sessions of them on distinct schedule slots ...
    min_turnout: float = 0.4
    min_joint_sessions: int = 2
    # ... and each joint session's turnout is this unlikely beyond the provider's days.
    min_session_surprise: float = 2.0
    # Four or more joint sessions at a fixed interval (within this many days) are a
    # shared treatment cycle (patients enrolled together), not outings.
    schedule_tolerance_days: int = 3
    # Gatherings whose sessions are linked less densely than this are split into groups
    # by Leiden (modularity objective, seeded) on the session graph.
    split_below_density: float = 0.6
    leiden_resolution: float = 1.0
    seed: int = 42


@dataclass(frozen=True)
class FakeReferralConfig:
    # A loop: a patient referred back to an institution it left within this many days.
    bounce_window_days: int = 90
    min_bounced_patients: int = 2
    # Referring doctors listed in a ring signed at least this many of its loop referrals.
    min_patients_per_member: int = 2
    # Two-way referral (双向转诊): up from the patient's usual institution and back down
    # is care. "Usual" = most of the patient's visits away from loop episodes (a loop
    # episode lasts from its first referral to this many days after its last), and at
    # least ``min_usual_visits`` of them.
    episode_tail_days: int = 14
    min_usual_visits: int = 3


@dataclass(frozen=True)
class FamilySharingConfig:
    # Ages that make a declared or implied relation implausible.
    min_parent_gap_years: float = 15.0
    max_spouse_gap_years: float = 25.0
    # Beyond this many people paid for, even a registered family is implausible.
    max_family_size: int = 6
    min_suspicious_beneficiaries: int = 3


@dataclass(frozen=True)
class PharmacyCollusionConfig:
    # A doctor's pharmacy fills: share going to one pharmacy compared with peers' share.
    min_doctor_fills: int = 10
    min_share: float = 0.2
    min_lift: float = 2.0
    # A fill is "without consultation" when the patient saw the prescriber neither in
    # the days before nor during a stay ending in that many days before: refills steered
    # by a doctor come without visits, designated-pharmacy (DTP) fills follow a visit.
    visit_window_days: int = 7
    min_unvisited_share: float = 0.5
    # Patients filling at least this many of the doctor's prescriptions there recur.
    min_recurring_fills: int = 2
    min_recurring_patients: int = 3
    # ... for whom the pharmacy is not their usual one (share of their other fills).
    max_habit_share: float = 0.5
    # An item counts as high-value above this quantile of unit prices.
    high_value_quantile: float = 0.9
    # Resale: a trace code settled more than once.
    min_resale_settlements: int = 2


@dataclass(frozen=True)
class SplitHospitalisationConfig:
    # Readmission at the same institution with the same diagnosis within this many days
    # of discharge counts as a split stay.
    readmission_window_days: int = 15
    # Diagnosis codes compared on this many leading characters (ICD-10 category).
    diagnosis_prefix: int = 3
    min_patients: int = 3


@dataclass(frozen=True)
class DetectConfig:
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    shared_identity: SharedIdentityConfig = field(default_factory=SharedIdentityConfig)
    organised_visits: OrganisedVisitsConfig = field(default_factory=OrganisedVisitsConfig)
    fake_referral: FakeReferralConfig = field(default_factory=FakeReferralConfig)
    family_sharing_abuse: FamilySharingConfig = field(default_factory=FamilySharingConfig)
    pharmacy_collusion: PharmacyCollusionConfig = field(default_factory=PharmacyCollusionConfig)
    split_hospitalisation: SplitHospitalisationConfig = field(
        default_factory=SplitHospitalisationConfig
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def section_json(self, section: str) -> str:
        """Canonical JSON of one detector's section plus scoring (feeds ring ids)."""
        data = {"scoring": asdict(self.scoring), section: asdict(getattr(self, section))}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def _override(obj: Any, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise InputError(f"detection config: unknown key {where}{key}")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise InputError(f"detection config: {where}{key} must be a mapping")
            changes[key] = _override(current, value, f"{where}{key}.")
        elif isinstance(current, dict):
            if not isinstance(value, dict):
                raise InputError(f"detection config: {where}{key} must be a mapping")
            changes[key] = {**current, **{str(k): float(v) for k, v in value.items()}}
        elif isinstance(current, tuple):
            if not isinstance(value, list | tuple):
                raise InputError(f"detection config: {where}{key} must be a list")
            changes[key] = tuple(str(v) for v in value)
        elif isinstance(current, bool) or not isinstance(current, int | float):
            changes[key] = value
        else:
            try:
                changes[key] = type(current)(value)
            except (TypeError, ValueError) as exc:
                raise InputError(f"detection config: {where}{key} must be a number") from exc
    return replace(obj, **changes)


def config_from_dict(values: dict[str, Any]) -> DetectConfig:
    """Defaults overridden by ``values``.

    >>> config_from_dict({"shared_identity": {"hub_degree": 12}}).shared_identity.hub_degree
    12
    """
    return _override(DetectConfig(), values, "")  # type: ignore[no-any-return]


def load_config(path: str | Path | None) -> DetectConfig:
    """Defaults, overridden by a YAML or JSON file when given."""
    if path is None:
        return DetectConfig()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read detection config {p.name}: {exc}") from exc
    if data is None:
        return DetectConfig()
    if not isinstance(data, dict):
        raise InputError(f"detection config {p.name}: top level must be a mapping")
    return config_from_dict(data)
