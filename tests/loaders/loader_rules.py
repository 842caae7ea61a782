"""One bad row per contract rule: shared by the pure validation tests and the store tests.

Each case adds rows to the hand-made tables (``conftest.contract_tables``) and names
the rejects they must produce: (table, column, fragment of the reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from loader_fixtures import ID_P4, Tables


def _templates(n: int) -> dict[str, dict[str, str]]:
    return {
        "participants": {
            "participant_id": f"PX{n}",
            "name": "测试",
            "id_number": ID_P4,
            "gender": "F",
            "birth_date": "1950-04-04",
            "insurance_type": "resident",
            "region_code": "460200",
        },
        "institutions": {
            "institution_id": f"IX{n}",
            "name": "x",
            "kind": "clinic",
            "level": "1",
            "region_code": "460100",
        },
        "doctors": {"doctor_id": f"DX{n}", "name": "x", "institution_id": "H1", "department": "x"},
        "identifiers": {"participant_id": "P4", "kind": "phone", "value": "13900000000"},
        "family_links": {
            "holder_id": "P2",
            "member_id": "P4",
            "relation": "spouse",
            "since": "2021-01-01",
        },
        "prescriptions": {
            "prescription_id": f"SX{n}",
            "participant_id": "P1",
            "institution_id": "H1",
            "doctor_id": "D1",
            "date": "2024-04-01",
            "discharge_date": "",
            "visit_type": "outpatient",
            "diagnosis_code": "J00",
            "total_amount": "10",
            "fund_paid": "5",
            "account_holder_id": "",
            "account_paid": "0",
        },
        "prescription_items": {
            "prescription_id": "S1",
            "item_code": "XC03",
            "item_name": "x",
            "quantity": "1",
            "unit_price": "1",
            "trace_code": "",
        },
        "referrals": {
            "referral_id": f"RX{n}",
            "participant_id": "P3",
            "from_institution_id": "C1",
            "from_doctor_id": "D2",
            "to_institution_id": "H1",
            "date": "2024-04-01",
        },
    }


@dataclass(frozen=True)
class Case:
    name: str
    rows: tuple[tuple[str, dict[str, str]], ...]  # (table, overrides of the template)
    expect: tuple[tuple[str, str, str], ...]  # (table, column, reason fragment)


def c(name: str, table: str, overrides: dict[str, str], column: str, fragment: str) -> Case:
    return Case(name, ((table, overrides),), ((table, column, fragment),))


CASES: tuple[Case, ...] = (
    c(
        "participant_id required",
        "participants",
        {"participant_id": ""},
        "participant_id",
        "participant_id is required",
    ),
    c(
        "participant_id unique",
        "participants",
        {"participant_id": "P1"},
        "participant_id",
        "duplicate participant_id P1 (first at line 2)",
    ),
    c(
        "id_number check digit",
        "participants",
        {"id_number": "460100195004040048"},
        "id_number",
        "wrong GB 11643 check digit",
    ),
    c(
        "id_number shape",
        "participants",
        {"id_number": "46010019500404"},
        "id_number",
        "17 digits and a check digit",
    ),
    c("gender enum", "participants", {"gender": "X"}, "gender", "gender must be one of M, F"),
    c(
        "birth_date future",
        "participants",
        {"birth_date": "2999-01-01"},
        "birth_date",
        "in the future",
    ),
    c(
        "birth_date format",
        "participants",
        {"birth_date": "1950/04/04"},
        "birth_date",
        "not a date YYYY-MM-DD",
    ),
    c(
        "insurance_type enum",
        "participants",
        {"insurance_type": "private"},
        "insurance_type",
        "insurance_type must be one of employee, resident",
    ),
    c("participant region", "participants", {"region_code": "46010"}, "region_code", "6 digits"),
    c(
        "institution unique",
        "institutions",
        {"institution_id": "H1"},
        "institution_id",
        "duplicate institution_id H1",
    ),
    c("level range", "institutions", {"level": "4"}, "level", "integer 0-3"),
    c("level integer", "institutions", {"level": "two"}, "level", "integer 0-3"),
    c(
        "kind enum",
        "institutions",
        {"kind": "spa"},
        "kind",
        "kind must be one of hospital, clinic, pharmacy",
    ),
    c("institution region", "institutions", {"region_code": "ABCDEF"}, "region_code", "6 digits"),
    c(
        "doctor institution exists",
        "doctors",
        {"institution_id": "NOPE"},
        "institution_id",
        "institution_id NOPE does not exist",
    ),
    c("doctor unique", "doctors", {"doctor_id": "D1"}, "doctor_id", "duplicate doctor_id D1"),
    c(
        "identifier participant exists",
        "identifiers",
        {"participant_id": "NOPE"},
        "participant_id",
        "participant_id NOPE does not exist",
    ),
    c(
        "identifier kind enum",
        "identifiers",
        {"kind": "wechat"},
        "kind",
        "kind must be one of phone",
    ),
    c("identifier value required", "identifiers", {"value": ""}, "value", "value is required"),
    c(
        "identifier value normalises to nothing",
        "identifiers",
        {"value": "n/a"},
        "value",
        "nothing left after normalising",
    ),
    c(
        "family member is holder",
        "family_links",
        {"member_id": "P2"},
        "member_id",
        "member_id is the holder",
    ),
    c(
        "family relation enum",
        "family_links",
        {"relation": "cousin"},
        "relation",
        "relation must be one of spouse, parent, child",
    ),
    c("family since date", "family_links", {"since": "2021-13-01"}, "since", "since is not a date"),
    c(
        "family member exists",
        "family_links",
        {"member_id": "NOPE"},
        "member_id",
        "member_id NOPE does not exist",
    ),
    c(
        "prescription unique",
        "prescriptions",
        {"prescription_id": "S1"},
        "prescription_id",
        "duplicate prescription_id S1",
    ),
    c("date required", "prescriptions", {"date": ""}, "date", "date is required"),
    c("date format", "prescriptions", {"date": "01/04/2024"}, "date", "not a date YYYY-MM-DD"),
    c(
        "visit_type enum",
        "prescriptions",
        {"visit_type": "home"},
        "visit_type",
        "visit_type must be one of outpatient, inpatient, pharmacy",
    ),
    c(
        "total_amount >= 0",
        "prescriptions",
        {"total_amount": "-1"},
        "total_amount",
        "total_amount must be >= 0",
    ),
    c(
        "total_amount decimal",
        "prescriptions",
        {"total_amount": "12,50"},
        "total_amount",
        "not a decimal number",
    ),
    c(
        "fund_paid <= total",
        "prescriptions",
        {"fund_paid": "11"},
        "fund_paid",
        "fund_paid is more than total_amount",
    ),
    c(
        "fund_paid >= 0",
        "prescriptions",
        {"fund_paid": "-0.01"},
        "fund_paid",
        "fund_paid must be >= 0",
    ),
    c(
        "account_paid >= 0",
        "prescriptions",
        {"account_paid": "-5"},
        "account_paid",
        "account_paid must be >= 0",
    ),
    c(
        "discharge not before date",
        "prescriptions",
        {"visit_type": "inpatient", "discharge_date": "2024-03-31"},
        "discharge_date",
        "discharge_date is before date",
    ),
    c(
        "discharge inpatient only",
        "prescriptions",
        {"discharge_date": "2024-04-03"},
        "discharge_date",
        "inpatient stays only",
    ),
    c(
        "patient exists",
        "prescriptions",
        {"participant_id": "NOPE"},
        "participant_id",
        "participant_id NOPE does not exist",
    ),
    c(
        "institution exists",
        "prescriptions",
        {"institution_id": "NOPE"},
        "institution_id",
        "institution_id NOPE does not exist",
    ),
    c(
        "doctor exists",
        "prescriptions",
        {"doctor_id": "NOPE"},
        "doctor_id",
        "doctor_id NOPE does not exist",
    ),
    c(
        "account holder exists",
        "prescriptions",
        {"account_holder_id": "NOPE"},
        "account_holder_id",
        "account_holder_id NOPE does not exist",
    ),
    c("quantity > 0", "prescription_items", {"quantity": "0"}, "quantity", "quantity must be > 0"),
    c(
        "unit_price >= 0",
        "prescription_items",
        {"unit_price": "-2"},
        "unit_price",
        "unit_price must be >= 0",
    ),
    c(
        "item prescription exists",
        "prescription_items",
        {"prescription_id": "NOPE"},
        "prescription_id",
        "prescription_id NOPE does not exist",
    ),
    c(
        "item_code required",
        "prescription_items",
        {"item_code": ""},
        "item_code",
        "item_code is required",
    ),
    c(
        "referral to != from",
        "referrals",
        {"to_institution_id": "C1"},
        "to_institution_id",
        "same as from_institution_id",
    ),
    c(
        "referral to exists",
        "referrals",
        {"to_institution_id": "NOPE"},
        "to_institution_id",
        "to_institution_id NOPE does not exist",
    ),
    c(
        "referral doctor exists",
        "referrals",
        {"from_doctor_id": "NOPE"},
        "from_doctor_id",
        "from_doctor_id NOPE does not exist",
    ),
    c("referral date", "referrals", {"date": "2024-02-30"}, "date", "not a date"),
    c(
        "referral unique",
        "referrals",
        {"referral_id": "R1"},
        "referral_id",
        "duplicate referral_id R1",
    ),
    # issue #19: NUL bytes, over-long values, dates after the as-of day
    c("NUL in a name", "participants", {"name": "李\x00明"}, "name", "name contains a NUL byte"),
    c(
        "NUL in a key",
        "prescriptions",
        {"prescription_id": "S\x00Z"},
        "prescription_id",
        "prescription_id contains a NUL byte (character 2 of the field)",
    ),
    c(
        "NUL in a code",
        "prescriptions",
        {"diagnosis_code": "J0\x00"},
        "diagnosis_code",
        "diagnosis_code contains a NUL byte",
    ),
    c(
        "name over 200",
        "doctors",
        {"name": "医" * 201},
        "name",
        "name is 201 characters long, more than the 200 allowed",
    ),
    c(
        "id over 64",
        "participants",
        {"participant_id": "P" * 65},
        "participant_id",
        "more than the 64 allowed",
    ),
    c(
        "address over 500",
        "identifiers",
        {"kind": "address", "value": "路" * 501},
        "value",
        "more than the 500 allowed",
    ),
    c(
        "code over 32",
        "prescriptions",
        {"diagnosis_code": "J" * 33},
        "diagnosis_code",
        "more than the 32 allowed",
    ),
    c(
        "settlement in the future",
        "prescriptions",
        {"date": "2099-01-01 08:00"},
        "date",
        "date is in the future",
    ),
    c(
        "discharge in the future",
        "prescriptions",
        {"visit_type": "inpatient", "date": "2024-04-01", "discharge_date": "2099-01-02"},
        "discharge_date",
        "discharge_date is in the future",
    ),
    c("referral in the future", "referrals", {"date": "2099-01-01"}, "date", "in the future"),
    Case(
        "parent rejected: participant -> prescription -> line item",
        (
            ("participants", {"participant_id": "PBAD", "id_number": "460100195004040048"}),
            ("prescriptions", {"prescription_id": "SBAD", "participant_id": "PBAD"}),
            ("prescription_items", {"prescription_id": "SBAD"}),
        ),
        (
            ("participants", "id_number", "wrong GB 11643 check digit"),
            (
                "prescriptions",
                "participant_id",
                "participant_id PBAD was rejected (participants.csv line",
            ),
            ("prescription_items", "prescription_id", "prescription_id SBAD was rejected"),
        ),
    ),
)


def apply(tables: Tables, cases: tuple[Case, ...]) -> Tables:
    """The tables with every case's rows appended (fresh ids per case)."""
    for n, case in enumerate(cases):
        templates = _templates(n)
        for table, overrides in case.rows:
            tables[table].append({**templates[table], **overrides})
    return tables
