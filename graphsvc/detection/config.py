"""The one configuration of detection: thresholds and weights, range-checked by pydantic.

A YAML or JSON file overrides any field by section, e.g.::

    scoring:
      min_adjusted_surprise: 3
    shared_identity:
      household_max: 6

Every field has a documented default and range (``Field(ge=..., le=...)``): a value
out of range, of the wrong type, or an unknown section/key (a typo must never
silently keep a default) is an :class:`InputError` naming the file and the field,
with the nearest known name when there is one. Every field is explained in
docs/detection.md; a test keeps the table there equal to these models.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graphsvc.errors import InputError

IDENTIFIER_KINDS: tuple[str, ...] = ("phone", "address", "bank_account", "device", "email")


class Section(BaseModel):
    """A config section: frozen, unknown keys refused, ints not silently truncated."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class ScoringConfig(Section):
    min_adjusted_surprise: float = Field(
        2.0,
        ge=0.0,
        le=50.0,
        description="A ring is reported when its chance probability, Bonferroni-corrected for "
        "the candidate groups its detector examined, is below 10**-min_adjusted_surprise.",
    )
    score_scale: float = Field(
        10.0,
        gt=0.0,
        le=100.0,
        description="score = 1 - 10**(-adjusted_surprise / score_scale).",
    )


class SharedIdentityConfig(Section):
    kind_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "device": 1.0,
            "bank_account": 1.0,
            "email": 0.8,
            "phone": 0.7,
            "address": 0.3,
        },
        description="How much a shared identifier of each kind says about control (0-1); "
        "used to rank members' ties in reasons, never added up into a probability.",
    )
    single_link_max_degree: int = Field(
        4,
        ge=2,
        le=1000,
        description="A phone or address alone links its holders (units) up to this many "
        "holders (a device, bank account or email at any degree); beyond, they are linked "
        "only when they share two identifiers. Candidate grouping only: every identifier's "
        "evidence is weighed by its degree (hypergeometric).",
    )
    concentration: float = Field(
        0.25,
        gt=0.0,
        le=1.0,
        description="An identifier is the group's own when this share of its holders (units) "
        "is in the group; members hold one; a switchboard of 300 with 3 in the group is not.",
    )
    min_link_log10_p: float = Field(
        -2.0,
        ge=-50.0,
        le=0.0,
        description="A concentrated identifier is the group's own (its holders are members) "
        "when its overlap with the group's other own identifiers has at most this log10 chance "
        "(hypergeometric): a kiosk device some ring member also used is weighed, not joined.",
    )
    household_max: int = Field(
        8,
        ge=2,
        le=1000,
        description="Largest address group that may be a household; it must also fit a family "
        "(registered links, a shared surname, or birth years of at most four generations).",
    )
    generation_span_years: float = Field(
        15.0, ge=5.0, le=30.0, description="Birth years within this span are one generation."
    )
    care_home_min_age: float = Field(
        60.0, ge=40.0, le=100.0, description="Age from which residents count as elderly."
    )
    care_home_elderly_share: float = Field(
        0.8,
        gt=0.0,
        le=1.0,
        description="An address that is not a household whose residents are at least this "
        "share elderly is a care home: its residents' shared address, phone, account are "
        "explained.",
    )
    min_members: int = Field(3, ge=2, le=1000, description="Smallest ring.")
    min_distinct_identifiers: int = Field(
        2, ge=1, le=20, description="Distinct identifiers a ring shares."
    )
    evidence_kinds: tuple[str, ...] = Field(
        ("device", "bank_account", "email", "phone"),
        description="Kinds whose sharing links and is evidence. An address is not: it explains "
        "(a plausible household, a care home) but strangers at one collective address (集体户) "
        "say nothing about who controls their credentials.",
    )
    control_kinds: tuple[str, ...] = Field(
        ("device", "bank_account", "email"),
        description="One shared identifier must be of a kind a recruiter controls.",
    )

    @field_validator("kind_weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        defaults = {"device": 1.0, "bank_account": 1.0, "email": 0.8, "phone": 0.7, "address": 0.3}
        for k, w in v.items():
            if k not in IDENTIFIER_KINDS:
                raise ValueError(
                    f"unknown identifier kind {k!r}; kinds: {', '.join(IDENTIFIER_KINDS)}"
                )
            if not 0.0 <= w <= 1.0:
                raise ValueError(f"weight of {k} must be in [0, 1], got {w}")
        return {**defaults, **v}

    @field_validator("control_kinds", "evidence_kinds")
    @classmethod
    def _kinds(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for k in v:
            if k not in IDENTIFIER_KINDS:
                raise ValueError(
                    f"unknown identifier kind {k!r}; kinds: {', '.join(IDENTIFIER_KINDS)}"
                )
        return tuple(v)


def _f(default: Any, lo: float | None, hi: float | None, doc: str) -> Any:
    """A numeric field with its documented closed range."""
    return Field(default, ge=lo, le=hi, description=doc)


class OrganisedVisitsConfig(Section):
    max_session_size: int = _f(
        80, 5, 100_000, "Sessions (provider x day) busier than this do not pair sessions."
    )
    min_overlap: int = _f(3, 2, 1000, "Patients two sessions of a provider share to be linked.")
    min_pair_surprise: float = _f(
        0.5, 0.0, 50.0, "log10 unlikeliness of that overlap beyond the provider's session pairs."
    )
    min_members: int = _f(5, 2, 1000, "Smallest group.")
    min_turnout: float = _f(0.4, 0.05, 1.0, "Share of the group at a joint session.")
    min_joint_sessions: int = _f(2, 2, 1000, "Joint sessions a ring needs.")
    min_session_surprise: float = _f(
        2.0, 0.0, 50.0, "Per joint session, log10 beyond Bonferroni over the provider's days."
    )
    schedule_tolerance_days: int = _f(
        3, 0, 30, "Fixed-interval meetings within this many days look like a treatment cycle."
    )
    followup_min_gap_days: int = _f(
        21,
        7,
        90,
        "Same-weekday meetings closer than this recur faster than follow-up care and each "
        "counts; farther apart (a clinic day, a monthly round) a weekday counts once.",
    )
    after_discharge_days: int = _f(
        60, 1, 365, "A course starting this soon after each member's own discharge is aftercare."
    )
    after_discharge_share: float = _f(
        0.75, 0.5, 1.0, "Share of the group that must come from its own discharge for aftercare."
    )
    max_institution_session_size: int = _f(
        400,
        5,
        100_000,
        "Institution-days busier than this are not used to pair sessions when a group is "
        "seen by different doctors on each trip.",
    )
    treatment_diagnoses: tuple[str, ...] = Field(
        ("C", "Z51", "N18", "Z49", "Z50"),
        description="ICD-10 prefixes of treatment (chemotherapy C-codes / Z51.x, dialysis "
        "N18 / Z49, rehabilitation Z50): fixed-interval meetings are a treatment cycle only "
        "when most of their visits carry one; regular cadence alone is not care.",
    )
    split_below_density: float = _f(
        0.6, 0.0, 1.0, "Gatherings linked less densely are split by Leiden."
    )
    leiden_resolution: float = _f(1.0, 0.01, 100.0, "Leiden modularity resolution.")
    seed: int = _f(42, 0, 2**31 - 1, "Leiden seed.")


class FakeReferralConfig(Section):
    bounce_window_days: int = _f(90, 1, 730, "A patient referred back within this many days.")
    min_bounced_patients: int = _f(2, 1, 1000, "Patients per ring.")
    min_one_pass_patients: int = _f(
        4, 1, 1000, "Patients a loop nobody went round twice needs to be a candidate."
    )
    min_patients_per_member: int = _f(2, 1, 1000, "Loop referrals a listed doctor signed.")
    episode_tail_days: int = _f(14, 0, 365, "Days after a loop episode still part of it.")
    min_usual_visits: int = _f(
        3, 1, 1000, "Visits outside loop episodes that make an institution the patient's usual."
    )


class FamilySharingConfig(Section):
    min_parent_gap_years: float = _f(15.0, 10.0, 40.0, "Parent-child age gap below = implausible.")
    max_spouse_gap_years: float = _f(25.0, 5.0, 60.0, "Spouse age gap above = implausible.")
    max_family_size: int = _f(6, 2, 50, "Beyond this many people paid for, implausible.")
    min_suspicious_beneficiaries: int = _f(
        3, 1, 100, "Suspicious beneficiaries (across the holders of a group) to flag."
    )


class PharmacyCollusionConfig(Section):
    min_doctor_fills: int = _f(10, 2, 100_000, "A doctor's fills at one pharmacy to test.")
    min_share: float = _f(0.2, 0.0, 1.0, "Share of the doctor's fills there.")
    min_lift: float = _f(2.0, 1.0, 1000.0, "Patients who chose the pharmacy / expected.")
    visit_window_days: int = _f(7, 0, 90, "Days before a fill a visit to the prescriber counts.")
    min_unvisited_share: float = _f(0.5, 0.0, 1.0, "Share of fills without consultation.")
    min_recurring_fills: int = _f(2, 1, 1000, "Fills making a patient recurring.")
    min_recurring_patients: int = _f(3, 1, 1000, "Recurring patients a ring needs.")
    max_habit_share: float = _f(0.5, 0.0, 1.0, "The pharmacy's share of a patient's other fills.")
    habit_prior_fills: float = _f(
        3.0, 0.1, 1000.0, "Weight, in purchases, of the regional share in a patient's habit."
    )
    care_home_min_residents: int = _f(
        10, 2, 100_000, "People at one address that make it a care home (rounds excuse fills)."
    )
    outpatient_visit_excuses_fill: bool = Field(
        False,
        description="An outpatient visit with the prescriber before a fill excuses it "
        "(default: only a stay does; a ring can add a consultation before each fill).",
    )
    high_value_quantile: float = _f(0.9, 0.5, 0.999, "Unit-price quantile of 'high-value'.")
    min_resale_settlements: int = _f(2, 2, 100, "Settlements of one trace code = resale.")


class SplitHospitalisationConfig(Section):
    readmission_window_days: int = _f(
        30,
        1,
        90,
        "Readmission with the same diagnosis within this many days of discharge, at the "
        "same or another institution. Wide on purpose: a fixed 15 would let day 16 hide.",
    )
    back_to_back_days: int = _f(
        2, 0, 14, "Readmissions this close (0-2 days) are tested on their own: the strongest sign."
    )
    diagnosis_prefix: int = _f(3, 1, 7, "Leading ICD-10 characters compared.")
    min_patients: int = _f(3, 1, 1000, "Patients a ring needs.")
    treatment_diagnosis_prefixes: tuple[str, ...] = Field(
        ("C", "Z51", "Z49", "Z50", "N18"),
        description="Exemption treatment_cycle: ICD-10 prefixes of planned treatment series "
        "(malignancy C00-C97, chemo-/radiotherapy Z51, dialysis Z49 / N18, rehabilitation "
        "Z50). Exempts a series only together with a regular cadence (below).",
    )
    treatment_min_cycles: int = _f(3, 2, 100, "Stays a treatment series needs.")
    treatment_min_gap_days: int = _f(
        5, 1, 60, "Every gap of a treatment series is at least this: back-to-back is never a cycle."
    )
    treatment_max_cv: float = _f(
        0.3, 0.0, 2.0, "Largest coefficient of variation of a series' admission intervals."
    )

    @field_validator("treatment_diagnosis_prefixes")
    @classmethod
    def _prefixes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in v if not p or not p[0].isalpha() or len(p) > 7]
        if bad:
            raise ValueError(f"not ICD-10 prefixes: {bad}")
        return tuple(p.upper() for p in v)


class GhostHospitalisationConfig(Section):
    min_stay_days: int = _f(
        2, 1, 60, "Stays this long or longer are examined (a day must lie strictly inside)."
    )
    strong_days_away: int = _f(
        2, 1, 30, "A stay with settlements elsewhere on this many days is tested on its own."
    )
    min_patients: int = _f(3, 1, 1000, "Patients a ring needs.")


class OverPrescriptionConfig(Section):
    excess_spreads: float = _f(
        4.0, 1.0, 50.0, "A fill is excess above the item's median + this many robust spreads."
    )
    min_excess_ratio: float = _f(2.0, 1.0, 100.0, "...and at least this multiple of the median.")
    min_item_fills: int = _f(20, 2, 100_000, "Fills of an item needed to learn its norm.")
    default_days_per_unit: float = _f(
        10.0, 0.5, 365.0, "Days of supply per unit where the data cannot teach the item's norm."
    )
    chronic_diagnosis_prefixes: tuple[str, ...] = Field(
        ("E10", "E11", "I10", "I11", "I20", "I25", "J44", "J45", "B18", "N18", "M17", "G40"),
        description="Exemption long_prescription (长处方): ICD-10 prefixes of stable chronic "
        "disease; spares an excess fill of at most long_prescription_days without overlap.",
    )
    long_prescription_days: int = _f(84, 7, 365, "Longest long prescription (12 weeks).")
    matching_share: float = _f(
        0.02,
        0.0,
        1.0,
        "Exemption specialist: a diagnosis category carrying this share of an "
        "item's fills province-wide matches the item.",
    )
    max_pharmacy_share: float = _f(
        0.6,
        0.0,
        1.0,
        "Exemption specialist: a patient whose pharmacy fills of the item are "
        "more concentrated at one pharmacy is recurring there (not exempt).",
    )
    min_patients: int = _f(3, 1, 1000, "Patients with flagged fills a ring needs.")


# Bundled services of the price catalogue and their component codes (blood routine,
# liver function panel): billing two components on one visit splits the bundle.
_BUNDLES: dict[str, tuple[str, ...]] = {
    "250101001000000": ("250101002000000", "250101003000000", "250101004000000"),
    "250401001000000": ("250401002000000", "250401003000000", "250401004000000"),
}


class DuplicateChargingConfig(Section):
    normal_repetition_rate: float = _f(
        0.05,
        0.0,
        1.0,
        "Exemption normal_repetition: an item billed more than once on this "
        "share of its visits at the median institution repeats normally (two infusions a day).",
    )
    min_item_visits: int = _f(20, 1, 100_000, "Visits with the item an institution needs to count.")
    per_settlement_share: float = _f(
        0.5,
        0.0,
        1.0,
        "Exemption per_settlement_fee: an item on this share of the settlements of the median "
        "institution billing it is a per-settlement fee (consultation).",
    )
    split_bundles: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(_BUNDLES),
        description="Bundled service code -> its component codes (price catalogue); two or "
        "more components billed on one visit are the bundle split (分解项目收费).",
    )
    min_patients: int = _f(3, 1, 1000, "Patients with flagged visits a ring needs.")


class DuplicateEnrolmentConfig(Section):
    rekeyed_after_move: bool = Field(
        True,
        description="Exemption rekeyed_after_move: two records of one ID number whose "
        "settlement periods do not overlap (the old record stops before the new one starts) "
        "are a record re-keyed after a move, not a double enrolment.",
    )
    min_overlap_months: int = _f(1, 1, 12, "Months in which both records settle, at least.")
    sequence_codes: int = _f(
        500,
        1,
        1000,
        "GB 11643 sequence codes per region, birth date and sex (3 digits, parity = sex): "
        "the coincidence null draws one of these.",
    )


class CardLendingConfig(Section):
    region_digits: int = _f(
        6, 2, 6, "Leading digits of the region code compared: the distance proxy."
    )
    min_conflict_days: int = _f(
        2, 1, 365, "Days with settlements in two regions (or far away mid-stay) a card needs."
    )
    min_cards: int = _f(2, 1, 1000, "Cards a far-institution ring needs.")
    counter_min_cards: int = _f(
        5, 2, 10_000, "Distinct out-of-region cards at one counter (institution x doctor) in a day."
    )
    family_account: bool = Field(
        True,
        description="Exemption family_account (家庭共济): a far settlement paid from a registered "
        "family holder's personal account is the family using a shared account.",
    )
    proxy_purchase: bool = Field(
        True,
        description="Exemption proxy_purchase (委托购药): a far settlement on a day a registered "
        "family member settles at the same institution is that member buying for the card.",
    )
    recurring_group: bool = Field(
        True,
        description="Exemption recurring_group: a counter burst whose card holders mostly came "
        "back to the institution together on another day is a group that comes (organised "
        "visits, Art. 23(7)), not cards collected; organised_visits judges it.",
    )


class FabricatedServicesConfig(Section):
    region_digits: int = _f(
        6, 2, 6, "Leading digits of the region code compared: the distance proxy of an alibi."
    )
    min_patients: int = _f(4, 1, 1000, "Patients billed while elsewhere a ring needs.")
    proxy_purchase: bool = Field(
        True,
        description="Exemption proxy_purchase (委托购药): an alibi on a day a registered family "
        "member settles at the alibi's or the billing institution is that member's purchase.",
    )
    multi_site_doctor: bool = Field(
        True,
        description="Exemption multi_site_doctor (多点执业, remote care): an outpatient "
        "settlement by a doctor who also signs settlements in the alibi's region.",
    )


class LinkageConfig(Section):
    enabled: bool = Field(
        True,
        description="Link participant records that are one person under small differences "
        "(graphsvc.detection.linkage, splink); linked records count as one person in "
        "duplicate_enrolment and the household rule.",
    )
    match_threshold: float = _f(
        0.99,
        0.5,
        0.999999,
        "Match probability a pair of records needs to be linked. High because a link is "
        "evidence: two people taken for one would be accused of enrolling twice; 0.99 "
        "accepts one wrong link in a hundred at the threshold, and the links found sit far "
        "above it (docs/detection.md).",
    )
    max_holders: int = _f(
        8,
        2,
        1000,
        "A phone or address listed by more records than this (a care home, a clinic's "
        "desk phone) says nothing about who a record is and is left out of the comparison.",
    )
    u_sample_pairs: int = _f(
        300_000,
        10_000,
        100_000_000,
        "Random record pairs sampled to estimate how often fields agree by chance (u).",
    )
    require_own_name_and_birth: bool = Field(
        True,
        description="A link also needs the person's own name to agree (same folded or "
        "pinyin form, not only the surname) and the birth date to agree or be a plausible "
        "typo (one digit, day and month swapped). Why: household members share the phone, "
        "address, surname, sex and ID-number prefix by construction, so that evidence is not "
        "independent and summed it cleared the threshold for a parent and child with "
        "homophone names and for twins on an independent 200k province "
        "(docs/detection.md, Record linkage); a name and a birth date are what tell one "
        "person from a relative.",
    )
    seed: int = _f(15, 0, 2**31 - 1, "Seed of that sample: same data, same links.")
    em_max_iterations: int = _f(25, 1, 1000, "EM iterations per training session, at most.")


class DetectConfig(Section):
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    shared_identity: SharedIdentityConfig = Field(default_factory=SharedIdentityConfig)
    organised_visits: OrganisedVisitsConfig = Field(default_factory=OrganisedVisitsConfig)
    fake_referral: FakeReferralConfig = Field(default_factory=FakeReferralConfig)
    family_sharing_abuse: FamilySharingConfig = Field(default_factory=FamilySharingConfig)
    pharmacy_collusion: PharmacyCollusionConfig = Field(default_factory=PharmacyCollusionConfig)
    split_hospitalisation: SplitHospitalisationConfig = Field(
        default_factory=SplitHospitalisationConfig
    )
    ghost_hospitalisation: GhostHospitalisationConfig = Field(
        default_factory=GhostHospitalisationConfig
    )
    over_prescription: OverPrescriptionConfig = Field(default_factory=OverPrescriptionConfig)
    duplicate_charging: DuplicateChargingConfig = Field(default_factory=DuplicateChargingConfig)
    duplicate_enrolment: DuplicateEnrolmentConfig = Field(default_factory=DuplicateEnrolmentConfig)
    card_lending: CardLendingConfig = Field(default_factory=CardLendingConfig)
    fabricated_services: FabricatedServicesConfig = Field(default_factory=FabricatedServicesConfig)
    linkage: LinkageConfig = Field(default_factory=LinkageConfig)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def section_json(self, section: str) -> str:
        """Canonical JSON of one detector's section plus scoring (feeds ring ids)."""
        data = {"scoring": self.scoring.model_dump(mode="json")}
        if section in type(self).model_fields:
            data[section] = getattr(self, section).model_dump(mode="json")
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def _known(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names at ``loc`` (the parent path of an error), for 'did you mean'."""
    current = model
    for part in loc:
        field = current.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        current = annotation
    return list(current.model_fields)


def _message(exc: ValidationError, where: str) -> str:
    parts = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        name = ".".join(str(x) for x in loc)
        if err["type"] == "extra_forbidden":
            near = difflib.get_close_matches(str(loc[-1]), _known(DetectConfig, loc[:-1]), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            parts.append(f"unknown key {name}{hint}")
        else:
            parts.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
    return f"detection config{where}: " + "; ".join(parts)


def config_from_dict(values: dict[str, Any], where: str = "") -> DetectConfig:
    """Defaults overridden by ``values``; a clear InputError naming any bad field.

    >>> config_from_dict({"shared_identity": {"household_max": 6}}).shared_identity.household_max
    6
    >>> try:
    ...     config_from_dict({"shared_identity": {"household_mx": 12}})
    ... except InputError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    unknown key shared_identity.household_mx (did you mean 'household_max'?)
    """
    try:
        return DetectConfig.model_validate(values)
    except ValidationError as exc:
        raise InputError(_message(exc, where)) from None


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
    return config_from_dict(data, f" {p.name}")
