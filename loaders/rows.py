"""UNWIND parameter rows per write query (pure), from validated rows.

Rows already in the store unchanged are left out as nodes, so a reload creates no
node twice. Their optional relationships (PRESCRIBED_BY, PAID_BY_ACCOUNT, WORKS_AT,
REFERRED_BY) are still sent, to ``*_existing`` queries that MERGE: a load killed after
a node batch but before its relationship batch left nodes without those links, and
idempotence must be decided per row *and its relationships*, or the re-run would count
the half-written rows as "unchanged" and never link them (issue #19).
Properties travel as one ``props`` map per row without nulls: ``SET n += row.props``
then stores exactly the columns a row has.

Streaming: :func:`table_batches` returns a table's batches whose first one is a
generator over the validated rows; the later, small ones (e.g. PRESCRIBED_BY edges)
fill up while the first is consumed, so they must be written in the given order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from loaders.validate import Checked, Row

# (table, named query) in write order: parents before the relationships that need them.
WRITE_PLAN: tuple[tuple[str, str], ...] = (
    ("institutions", "load_institutions"),
    ("doctors", "load_doctors"),
    ("doctors", "load_works_at"),
    ("doctors", "load_works_at_existing"),
    ("participants", "load_participants"),
    ("identifiers", "load_identifiers"),
    ("family_links", "load_family_links"),
    ("prescriptions", "load_prescriptions"),
    ("prescriptions", "load_prescribed_by"),
    ("prescriptions", "load_paid_by_account"),
    ("prescriptions", "load_prescribed_by_existing"),
    ("prescriptions", "load_paid_by_account_existing"),
    ("prescription_items", "load_contains"),
    ("referrals", "load_referrals"),
    ("referrals", "load_referred_by"),
    ("referrals", "load_referred_by_existing"),
)

NODE_PROPS: dict[str, tuple[str, ...]] = {
    "institutions": ("name", "kind", "level", "region_code"),
    # *_key, id_bucket: keyed pseudonyms (graphsvc.security.vault), name / id_number masked
    "doctors": ("name", "name_key", "surname_key", "department", "institution_id"),
    "participants": (
        "name",
        "name_key",
        "surname_key",
        "name_fold_key",  # record linkage's name forms (issue #15, graphsvc.contract.names)
        "name_pinyin_key",
        "name_surname_key",
        "id_number",
        "id_number_key",
        "id_bucket",
        "gender",
        "birth_date",
        "insurance_type",
        "region_code",
    ),
    "prescriptions": (
        "date",
        "datetime",
        "discharge_date",
        "visit_type",
        "diagnosis_code",
        "total_amount",
        "fund_paid",
        "account_paid",
    ),
    "referrals": ("date",),
}
KEYS: dict[str, str] = {
    "institutions": "institution_id",
    "doctors": "doctor_id",
    "participants": "participant_id",
    "prescriptions": "prescription_id",
    "referrals": "referral_id",
}


@dataclass(frozen=True)
class Batch:
    table: str
    query: str
    rows: Iterable[dict[str, Any]]


def _props(row: Row, names: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(row.extra)
    for name in names:
        value = row.values.get(name)
        if value is not None:
            out[name] = value
    return out


def _node(row: Row, table: str) -> dict[str, Any]:
    props = _props(row, NODE_PROPS[table])
    props["row_hash"] = row.row_hash
    return {"id": row.values[KEYS[table]], "props": props}


def _simple(table: str) -> Callable[[Iterable[Row]], list[Batch]]:
    def build(rows: Iterable[Row]) -> list[Batch]:
        return [Batch(table, f"load_{table}", (_node(r, table) for r in rows if not r.unchanged))]

    return build


def _doctors(rows: Iterable[Row]) -> list[Batch]:
    works_at: list[dict[str, Any]] = []
    works_at_existing: list[dict[str, Any]] = []

    def nodes() -> Iterator[dict[str, Any]]:
        for r in rows:
            if r.values.get("institution_id"):
                (works_at_existing if r.unchanged else works_at).append(
                    {"id": r.values["doctor_id"], "institution_id": r.values["institution_id"]}
                )
            if not r.unchanged:
                yield _node(r, "doctors")

    return [
        Batch("doctors", "load_doctors", nodes()),
        Batch("doctors", "load_works_at", works_at),
        Batch("doctors", "load_works_at_existing", works_at_existing),
    ]


def _identifiers(rows: Iterable[Row]) -> list[Batch]:
    def gen() -> Iterator[dict[str, Any]]:
        seen: set[tuple[str, str]] = set()
        for r in rows:
            if r.unchanged:
                continue
            pair = (r.values["participant_id"], r.values["identifier_id"])
            if pair in seen:  # the same fact written twice: one edge
                continue
            seen.add(pair)
            yield {
                "participant_id": pair[0],
                "id": pair[1],
                "kind": r.values["kind"],
                "value": r.values["value"],
                "key": r.values.get("key"),
                "props": dict(r.extra),
            }

    return [Batch("identifiers", "load_identifiers", gen())]


def _family_links(rows: Iterable[Row]) -> list[Batch]:
    def gen() -> Iterator[dict[str, Any]]:
        seen: set[tuple[str, str]] = set()
        for r in rows:
            if r.unchanged:
                continue
            link = (r.values["holder_id"], r.values["member_id"])
            if link in seen:
                continue
            seen.add(link)
            yield {
                "holder_id": link[0],
                "member_id": link[1],
                "props": _props(r, ("relation", "since")),
            }

    return [Batch("family_links", "load_family_links", gen())]


def _prescriptions(rows: Iterable[Row]) -> list[Batch]:
    by_doctor: list[dict[str, Any]] = []
    by_account: list[dict[str, Any]] = []
    by_doctor_existing: list[dict[str, Any]] = []
    by_account_existing: list[dict[str, Any]] = []

    def nodes() -> Iterator[dict[str, Any]]:
        for r in rows:
            v = r.values
            if v.get("doctor_id"):
                (by_doctor_existing if r.unchanged else by_doctor).append(
                    {"id": v["prescription_id"], "doctor_id": v["doctor_id"]}
                )
            if v.get("account_holder_id"):
                (by_account_existing if r.unchanged else by_account).append(
                    {
                        "id": v["prescription_id"],
                        "holder_id": v["account_holder_id"],
                        # a derived 共济 holder paid the shared amount (acct_mulaid_pay)
                        "amount": v.get("account_holder_paid", v.get("account_paid")),
                    }
                )
            if r.unchanged:
                continue
            row = _node(r, "prescriptions")
            row["participant_id"] = v["participant_id"]
            row["institution_id"] = v["institution_id"]
            yield row

    return [
        Batch("prescriptions", "load_prescriptions", nodes()),
        Batch("prescriptions", "load_prescribed_by", by_doctor),
        Batch("prescriptions", "load_paid_by_account", by_account),
        Batch("prescriptions", "load_prescribed_by_existing", by_doctor_existing),
        Batch("prescriptions", "load_paid_by_account_existing", by_account_existing),
    ]


def _items(rows: Iterable[Row]) -> list[Batch]:
    def gen() -> Iterator[dict[str, Any]]:
        for r in rows:
            if r.unchanged:
                continue
            v = r.values
            yield {
                "prescription_id": v["prescription_id"],
                "item_code": v["item_code"],
                "item_name": v.get("item_name"),
                "props": _props(r, ("line_id", "quantity", "unit_price", "trace_code")),
            }

    return [Batch("prescription_items", "load_contains", gen())]


def _referrals(rows: Iterable[Row]) -> list[Batch]:
    by_doctor: list[dict[str, Any]] = []
    by_doctor_existing: list[dict[str, Any]] = []

    def nodes() -> Iterator[dict[str, Any]]:
        for r in rows:
            v = r.values
            if v.get("from_doctor_id"):
                (by_doctor_existing if r.unchanged else by_doctor).append(
                    {"id": v["referral_id"], "doctor_id": v["from_doctor_id"]}
                )
            if r.unchanged:
                continue
            row = _node(r, "referrals")
            row.update(
                participant_id=v["participant_id"],
                from_id=v["from_institution_id"],
                to_id=v["to_institution_id"],
            )
            yield row

    return [
        Batch("referrals", "load_referrals", nodes()),
        Batch("referrals", "load_referred_by", by_doctor),
        Batch("referrals", "load_referred_by_existing", by_doctor_existing),
    ]


_BUILDERS: dict[str, Callable[[Iterable[Row]], list[Batch]]] = {
    "institutions": _simple("institutions"),
    "doctors": _doctors,
    "participants": _simple("participants"),
    "identifiers": _identifiers,
    "family_links": _family_links,
    "prescriptions": _prescriptions,
    "prescription_items": _items,
    "referrals": _referrals,
}


def table_batches(table: str, rows: Iterable[Row]) -> list[Batch]:
    """The writes of one table's valid rows, in write order: unchanged rows create no
    node, but their optional relationships go to the MERGE ``*_existing`` queries."""
    return _BUILDERS[table](rows)


def to_rows(checked: Mapping[str, Checked]) -> list[Batch]:
    """Every write of a load, materialised, in :data:`WRITE_PLAN` order (empty ones too).

    >>> to_rows({})[0]
    Batch(table='institutions', query='load_institutions', rows=[])
    """
    out: dict[str, list[dict[str, Any]]] = {q: [] for _, q in WRITE_PLAN}
    for name, c in checked.items():
        for b in table_batches(name, c.rows):
            out[b.query] = list(b.rows)  # in order: later batches fill while earlier run
    return [Batch(table, query, out[query]) for table, query in WRITE_PLAN]
