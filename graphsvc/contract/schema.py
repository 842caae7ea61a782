"""The data contract's tables as data: columns, keys, enums, references, load order.

Why a table of specs instead of code per table: reading, mapping, validation and the
documentation all walk the same description, so a column added to the contract is
added once. Source of truth: docs/data-contract.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphsvc import model

# Dependency order: a table only references tables before it.
TABLE_ORDER: tuple[str, ...] = (
    "institutions",
    "doctors",
    "participants",
    "identifiers",
    "family_links",
    "prescriptions",
    "prescription_items",
    "referrals",
)
REQUIRED_TABLES: frozenset[str] = frozenset({"participants", "prescriptions"})
SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class Ref:
    """A column that must name an entity of ``label`` (loaded now or already stored)."""

    column: str
    label: str
    table: str  # the table whose rows create that entity


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    key: str | None = None  # unique id column, when the table has one
    label: str | None = None  # node label created per row (keyed tables)
    required: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dates: tuple[str, ...] = ()
    refs: tuple[Ref, ...] = ()
    personal: frozenset[str] = frozenset()  # never echoed into reject reasons/excerpts


IDENTIFIER_KINDS = ("phone", "address", "bank_account", "device", "email")

SPECS: dict[str, TableSpec] = {
    "institutions": TableSpec(
        name="institutions",
        columns=("institution_id", "name", "kind", "level", "region_code"),
        key="institution_id",
        label=model.INSTITUTION,
        required=("institution_id",),
        enums={"kind": ("hospital", "clinic", "pharmacy")},
    ),
    "doctors": TableSpec(
        name="doctors",
        columns=("doctor_id", "name", "institution_id", "department"),
        key="doctor_id",
        label=model.DOCTOR,
        required=("doctor_id",),
        refs=(Ref("institution_id", model.INSTITUTION, "institutions"),),
        personal=frozenset({"name"}),
    ),
    "participants": TableSpec(
        name="participants",
        columns=(
            "participant_id",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "insurance_type",
            "region_code",
        ),
        key="participant_id",
        label=model.PARTICIPANT,
        required=("participant_id",),
        enums={"gender": ("M", "F"), "insurance_type": ("employee", "resident")},
        dates=("birth_date",),
        personal=frozenset({"name", "id_number"}),
    ),
    "identifiers": TableSpec(
        name="identifiers",
        columns=("participant_id", "kind", "value"),
        required=("participant_id", "kind", "value"),
        enums={"kind": IDENTIFIER_KINDS},
        refs=(Ref("participant_id", model.PARTICIPANT, "participants"),),
        personal=frozenset({"value"}),
    ),
    "family_links": TableSpec(
        name="family_links",
        columns=("holder_id", "member_id", "relation", "since"),
        required=("holder_id", "member_id"),
        enums={"relation": ("spouse", "parent", "child")},
        dates=("since",),
        refs=(
            Ref("holder_id", model.PARTICIPANT, "participants"),
            Ref("member_id", model.PARTICIPANT, "participants"),
        ),
    ),
    "prescriptions": TableSpec(
        name="prescriptions",
        columns=(
            "prescription_id",
            "participant_id",
            "institution_id",
            "doctor_id",
            "date",
            "discharge_date",
            "visit_type",
            "diagnosis_code",
            "total_amount",
            "fund_paid",
            "account_holder_id",
            "account_paid",
        ),
        key="prescription_id",
        label=model.PRESCRIPTION,
        required=("prescription_id", "participant_id", "institution_id", "date"),
        enums={"visit_type": ("outpatient", "inpatient", "pharmacy")},
        dates=("discharge_date",),  # ``date`` also accepts a datetime: checked on its own
        refs=(
            Ref("participant_id", model.PARTICIPANT, "participants"),
            Ref("institution_id", model.INSTITUTION, "institutions"),
            Ref("doctor_id", model.DOCTOR, "doctors"),
            Ref("account_holder_id", model.PARTICIPANT, "participants"),
        ),
    ),
    "prescription_items": TableSpec(
        name="prescription_items",
        columns=(
            "prescription_id",
            "item_code",
            "item_name",
            "quantity",
            "unit_price",
            "trace_code",
        ),
        required=("prescription_id", "item_code"),
        refs=(Ref("prescription_id", model.PRESCRIPTION, "prescriptions"),),
    ),
    "referrals": TableSpec(
        name="referrals",
        columns=(
            "referral_id",
            "participant_id",
            "from_institution_id",
            "from_doctor_id",
            "to_institution_id",
            "date",
        ),
        key="referral_id",
        label=model.REFERRAL,
        required=("referral_id", "participant_id", "from_institution_id", "to_institution_id"),
        dates=("date",),
        refs=(
            Ref("participant_id", model.PARTICIPANT, "participants"),
            Ref("from_institution_id", model.INSTITUTION, "institutions"),
            Ref("from_doctor_id", model.DOCTOR, "doctors"),
            Ref("to_institution_id", model.INSTITUTION, "institutions"),
        ),
    ),
}

# Columns holding entity ids: normalised the same way wherever they appear so that
# references match keys (NFKC + trim, case kept).
ID_COLUMNS: frozenset[str] = frozenset(
    {
        "participant_id",
        "institution_id",
        "doctor_id",
        "prescription_id",
        "referral_id",
        "holder_id",
        "member_id",
        "account_holder_id",
        "from_institution_id",
        "from_doctor_id",
        "to_institution_id",
        "item_code",
    }
)

# Property names the loader itself writes; an extra column may not take them.
RESERVED_PROPERTIES: frozenset[str] = frozenset({"id", "load_id", "row_hash", "datetime"})

# Longest accepted value (characters, after cleaning) of each contract column.
# Why limits at all: an unbounded field lets one row carry megabytes into the store,
# the pages and the reports (a 10,000,000-character name loaded before these).
# Why these numbers: entity ids are short system keys (64 leaves room for prefixed
# national ids); codes (diagnosis ICD-10, item and trace codes, region) fit in 32
# apart from drug trace codes (20 digits; 64 for composite ones); person and
# institution names fit in 200; a free-text address in 500. Columns not listed
# here, and extra columns, take DEFAULT_MAX_LENGTH.
ID_MAX_LENGTH = 64
CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 500
DEFAULT_MAX_LENGTH = 1_000
MAX_LENGTHS: dict[str, int] = {
    **{col: ID_MAX_LENGTH for col in ID_COLUMNS},
    "item_code": CODE_MAX_LENGTH,
    "diagnosis_code": CODE_MAX_LENGTH,
    "region_code": CODE_MAX_LENGTH,
    "trace_code": ID_MAX_LENGTH,
    "id_number": CODE_MAX_LENGTH,
    "name": NAME_MAX_LENGTH,
    "item_name": NAME_MAX_LENGTH,
    "department": NAME_MAX_LENGTH,
    "kind": CODE_MAX_LENGTH,
    "level": CODE_MAX_LENGTH,
    "gender": CODE_MAX_LENGTH,
    "insurance_type": CODE_MAX_LENGTH,
    "visit_type": CODE_MAX_LENGTH,
    "relation": CODE_MAX_LENGTH,
    "value": ADDRESS_MAX_LENGTH,  # an identifier value: an address is the longest kind
    "birth_date": CODE_MAX_LENGTH,
    "since": CODE_MAX_LENGTH,
    "date": CODE_MAX_LENGTH,
    "discharge_date": CODE_MAX_LENGTH,
    "total_amount": CODE_MAX_LENGTH,
    "fund_paid": CODE_MAX_LENGTH,
    "account_paid": CODE_MAX_LENGTH,
    "quantity": CODE_MAX_LENGTH,
    "unit_price": CODE_MAX_LENGTH,
}


def max_length(column: str) -> int:
    """The longest accepted value of ``column`` (contract or extra column).

    >>> max_length("name"), max_length("participant_id"), max_length("visit_note")
    (200, 64, 1000)
    """
    return MAX_LENGTHS.get(column, DEFAULT_MAX_LENGTH)
