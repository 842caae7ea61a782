"""Shapes of each planted typology, and the tuning / held-out split of shapes and seeds.

A *shape* is one variant of a typology (who shares what, how a loop runs). Every
planted ring records its shape in ``ground_truth.json`` so quality is reported per
shape, not only per typology: a detector that catches the common variant and misses
a rare one must show it. Thresholds are tuned on ``TUNING_SEEDS``; the
``HELDOUT_SEEDS`` (and any shape in ``HELDOUT_SHAPES``) are only measured, never
tuned on (issue #11: "Hold some shapes and seeds out"), see docs/generator.md.
"""

from __future__ import annotations

SHAPES: dict[str, tuple[str, ...]] = {
    "shared_identity": ("recruiter", "recruiter_phone", "peers", "peers_phone"),
    "organised_visits": (
        "outpatient_only",
        "group_admission",
        "group_admission_split",
        "monthly_cadence",
        "weekly_weekday",
        "doctor_rotation",
    ),
    "fake_referral": ("loop", "reciprocal_pairs", "one_pass_loop", "one_pass_loop_doctors"),
    "family_sharing_abuse": ("unregistered", "implausible", "mixed"),
    "pharmacy_collusion": ("one_drug", "two_drugs", "consult_then_fill"),
    "split_hospitalisation": ("same_hospital", "sister_hospital", "late_readmission"),
    "ghost_hospitalisation": ("one_doctor", "spread_doctors"),
    "over_prescription": ("excess_quantity", "doctor_shopping"),
    "duplicate_charging": ("same_settlement", "split_items", "second_settlement"),
    "duplicate_enrolment": (
        "employee_and_resident",
        "two_hospitals",
        "same_scheme",
        "mistyped_id",  # issue #15, graphsvc/generate/person_variants.py
    ),
    "card_lending": ("far_same_day", "one_counter", "while_inpatient"),
    "fabricated_services": ("same_day_far", "during_stay", "spread_doctors"),
}
TUNING_SEEDS: tuple[int, ...] = (11, 3, 5)
HELDOUT_SEEDS: tuple[int, ...] = (101, 202, 303, 404)
# Shapes kept out of tuning altogether: planted in every province (so the benchmark
# reports them), but the tuning tests do not assert on them and no threshold was set
# looking at them. Names are "typology/shape". monthly_cadence (issue #11): outings
# every 30 days on pretext diagnoses; one_pass_loop_doctors: a different doctor signs
# each referral of a one-pass loop.
HELDOUT_SHAPES: frozenset[str] = frozenset(
    {
        "organised_visits/monthly_cadence",
        "fake_referral/one_pass_loop_doctors",
        "split_hospitalisation/late_readmission",
        "ghost_hospitalisation/spread_doctors",
        "over_prescription/doctor_shopping",
        "duplicate_charging/second_settlement",
        "duplicate_enrolment/same_scheme",
        "card_lending/while_inpatient",
        "fabricated_services/spread_doctors",
    }
)
