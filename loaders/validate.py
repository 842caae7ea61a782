"""Row validation and normalisation (pure): contract rules in, valid rows and rejects out.

Why pure: every rule is tested on plain tables without a server, and the store's
part (which ids it already holds) arrives as data (:class:`KnownIds`), fetched by
the I/O layer before validation. Tables are checked in dependency order so a row
whose parent was rejected is rejected with the parent's reason, not a vague
"unknown id".

Reject reasons never quote personal data (names, ID numbers, identifier values):
reasons end up in logs and screens. The raw row is kept for repair in the rejects
file only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from graphsvc.contract.normalise import (
    gb11643_valid,
    identifier_id,
    normalise_identifier,
    parse_date,
    parse_date_or_datetime,
    parse_decimal,
    valid_region,
)
from graphsvc.contract.schema import (
    DEFAULT_MAX_LENGTH,
    MAX_LENGTHS,
    SPECS,
    TABLE_ORDER,
    TableSpec,
    max_length,
)
from graphsvc.security.vault import Pii, protect
from loaders.read import Table

EXCERPT_CHARS = 40
WRITTEN = "_written"  # an address as written, moved from the record to its extra columns


@dataclass(frozen=True)
class Reject:
    file: str
    line: int
    column: str
    value_excerpt: str
    reason: str
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Row:
    """One valid row: normalised contract values (None = missing) and extra columns."""

    line: int
    values: dict[str, Any]
    extra: dict[str, str]
    row_hash: str = ""
    unchanged: bool = False  # already in the store exactly like this: nothing to write


@dataclass
class Checked:
    table: str
    file: str
    read: int
    rows: list[Row]
    rejects: list[Reject]

    @property
    def loaded(self) -> int:
        return len(self.rows)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.unchanged)


@dataclass
class KnownIds:
    """What the store already holds: label -> id -> row_hash, and CONTAINS line ids."""

    hashes: dict[str, dict[str, str | None]] = field(default_factory=dict)
    line_ids: set[str] = field(default_factory=set)

    def has(self, label: str, key: str) -> bool:
        return key in self.hashes.get(label, {})

    def stored_hash(self, label: str, key: str) -> str | None:
        return self.hashes.get(label, {}).get(key)


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass
class Context:
    known: KnownIds
    today: date
    accepted: dict[str, set[str]] = field(default_factory=dict)  # label -> ids
    rejected: dict[str, dict[str, str]] = field(default_factory=dict)  # label -> id -> why
    # 共济 bindings seen in family_links: member -> holders (derives account_holder_id)
    holders: dict[str, set[str]] = field(default_factory=dict)
    netted: set[str] = field(default_factory=set)  # settlements fully reversed (netted out)
    netted_rows: dict[str, int] = field(default_factory=dict)  # table key -> rows netted
    # (file, their column) -> code -> rows: codes a value table of the mapping lacks
    unmapped: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    # pseudonym key + vault (issue #14); None: rows keep raw values (pure validation tests)
    pii: Pii | None = None


def row_hash(values: Mapping[str, Any], extra: Mapping[str, str]) -> str:
    """A content hash of a normalised row: equal hashes = nothing to update.

    >>> row_hash({"a": 1, "b": None}, {}) == row_hash({"b": None, "a": 1}, {})
    True
    """
    # repr of str/int/float/None is stable across runs and cheaper than JSON
    blob = repr((sorted(values.items()), sorted(extra.items())))
    return hashlib.sha1(blob.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


def excerpt(spec: TableSpec, column: str, value: str | None) -> str:
    """What of a bad value may be shown: personal columns only by their length."""
    if value is None:
        return ""
    if column in spec.personal or column not in spec.columns:
        return f"<{len(value)} characters>"
    value = value.replace(NUL, "\\0")  # logs and terminals choke on a raw NUL
    return value if len(value) <= EXCERPT_CHARS else value[: EXCERPT_CHARS - 1] + "…"


NUL = "\x00"


def _no_nul(table: Table, fields: list[str]) -> None:
    """Reject a row with a NUL byte in any field, naming the field and where in it.

    Why here and not in the reader: one bad cell should cost one row, not the file;
    and before the rules, because the store rejects NUL in a string with an error
    that names no file nor line.
    """
    if NUL not in "".join(fields):  # one C-level scan of the row; the loop only on a hit
        return
    for pos, text in enumerate(fields):
        if NUL in text:
            column = table.column_at(pos)
            raise _Bad(
                column,
                f"{column} contains a NUL byte (character {text.index(NUL) + 1} of the field)",
            )


# No column allows fewer characters: a value this short needs no look-up of its limit.
_SHORTEST_LIMIT = min((*MAX_LENGTHS.values(), DEFAULT_MAX_LENGTH))


def _lengths(rec: Mapping[str, Any], extra: Mapping[str, str]) -> None:
    """Reject over-long values; the limits are per column in the contract (schema)."""
    longest = max(map(len, filter(None, rec.values())), default=0)  # C-level, no Python loop
    if extra:
        longest = max(longest, max(map(len, extra.values())))
    if longest <= _SHORTEST_LIMIT:
        return
    for values in (rec, extra):
        for column, value in values.items():
            if (
                isinstance(value, str)
                and len(value) > _SHORTEST_LIMIT
                and len(value) > max_length(column)
            ):
                raise _Bad(
                    column,
                    f"{column} is {len(value):,} characters long, "
                    f"more than the {max_length(column):,} allowed",
                )


def _not_future(rec: Mapping[str, Any], column: str, ctx: Context) -> None:
    """Settlement and referral dates cannot be after the load's as-of date (default today)."""
    value = rec.get(column)
    if value is not None and value > ctx.today.isoformat():
        raise _Bad(column, f"{column} is in the future (after {ctx.today.isoformat()})")


# -- field rules ----------------------------------------------------------------
def _enum(spec: TableSpec, rec: dict[str, Any], column: str) -> None:
    value = rec.get(column)
    if value is None:
        return
    allowed = spec.enums[column]
    norm = value.upper() if column == "gender" else value.lower()
    if norm not in allowed:
        raise _Bad(column, f"{column} must be one of {', '.join(allowed)}")
    rec[column] = norm


def _date(rec: dict[str, Any], column: str) -> None:
    value = rec.get(column)
    if value is None:
        return
    parsed = parse_date(value)
    if parsed is None:
        raise _Bad(column, f"{column} is not a date YYYY-MM-DD")
    rec[column] = parsed


def _amount(rec: dict[str, Any], column: str, *, positive: bool = False) -> Decimal | None:
    value = rec.get(column)
    if value is None:
        return None
    number = parse_decimal(value)
    if number is None:
        raise _Bad(column, f"{column} is not a decimal number")
    if positive and number <= 0:
        raise _Bad(column, f"{column} must be > 0")
    if number < 0:
        raise _Bad(column, f"{column} must be >= 0")
    rec[column] = float(number)
    return number


def _region(rec: dict[str, Any]) -> None:
    value = rec.get("region_code")
    if value is not None and not valid_region(value):
        raise _Bad("region_code", "region_code must be 6 digits")


# -- table rules (each normalises ``rec`` in place or raises _Bad) --------------
def _participants(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    number = rec.get("id_number")
    if number is not None:
        number = number.upper()
        if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
            raise _Bad("id_number", "id_number must be 17 digits and a check digit (0-9 or X)")
        if not gb11643_valid(number):
            raise _Bad("id_number", "id_number has a wrong GB 11643 check digit")
        rec["id_number"] = number
    _enum(spec, rec, "gender")
    _enum(spec, rec, "insurance_type")
    _date(rec, "birth_date")
    if rec.get("birth_date") and rec["birth_date"] > ctx.today.isoformat():
        raise _Bad("birth_date", "birth_date is in the future")
    _region(rec)


def _institutions(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    _enum(spec, rec, "kind")
    level = rec.get("level")
    if level is not None:
        if not (level.isascii() and level.isdigit()) or int(level) > 3:
            raise _Bad("level", "level must be an integer 0-3")
        rec["level"] = int(level)
    _region(rec)


def _doctors(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    return None


def _identifiers(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    _enum(spec, rec, "kind")
    normalised = normalise_identifier(rec["kind"], rec["value"])
    if not normalised:
        raise _Bad("value", f"value has nothing left after normalising it as a {rec['kind']}")
    if rec["kind"] == "address":
        # The key is canonical ("海南省海口市海秀路12号3栋201室"); the participant's own
        # spelling is kept on their HAS_IDENTIFIER edge as ``written_address`` (issue #15).
        rec[WRITTEN] = rec["value"]
    rec["value"] = normalised
    rec["identifier_id"] = identifier_id(rec["kind"], normalised)


def _family_links(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    if rec["holder_id"] == rec["member_id"]:
        raise _Bad("member_id", "member_id is the holder: an account is not shared with oneself")
    _enum(spec, rec, "relation")
    _date(rec, "since")


def _prescriptions(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    parsed = parse_date_or_datetime(rec["date"])
    if parsed is None:
        raise _Bad("date", "date is not a date YYYY-MM-DD or datetime YYYY-MM-DD HH:MM[:SS]")
    rec["date"], rec["datetime"] = parsed
    _not_future(rec, "date", ctx)
    _enum(spec, rec, "visit_type")
    _date(rec, "discharge_date")
    _not_future(rec, "discharge_date", ctx)
    discharge = rec.get("discharge_date")
    if discharge is not None:
        if discharge < rec["date"]:
            raise _Bad("discharge_date", "discharge_date is before date")
        if rec.get("visit_type") != "inpatient" and discharge != rec["date"]:
            raise _Bad("discharge_date", "discharge_date is for inpatient stays only")
    total = _amount(rec, "total_amount")
    fund = _amount(rec, "fund_paid")
    _amount(rec, "account_paid")
    if total is not None and fund is not None and fund > total:
        raise _Bad("fund_paid", "fund_paid is more than total_amount")
    if rec.get("account_holder_id") == rec["participant_id"]:
        rec["account_holder_id"] = None  # the patient's own account: no 共济 edge


def _prescription_items(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    _amount(rec, "quantity", positive=True)
    _amount(rec, "unit_price")


def _referrals(spec: TableSpec, rec: dict[str, Any], ctx: Context) -> None:
    if rec["from_institution_id"] == rec["to_institution_id"]:
        raise _Bad("to_institution_id", "to_institution_id is the same as from_institution_id")
    _date(rec, "date")
    _not_future(rec, "date", ctx)


_RULES = {
    "participants": _participants,
    "institutions": _institutions,
    "doctors": _doctors,
    "identifiers": _identifiers,
    "family_links": _family_links,
    "prescriptions": _prescriptions,
    "prescription_items": _prescription_items,
    "referrals": _referrals,
}


def line_digest(values: Mapping[str, Any]) -> str:
    """What makes two line items of one prescription the same line."""
    get = values.get
    content = repr([get("item_code"), get("quantity"), get("unit_price"), get("trace_code")])
    return hashlib.sha1(content.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def line_id(prescription_id: str, digest: str, occurrence: int) -> str:
    """A deterministic key of a line item: its prescription, its content, its repeat number.

    Loading the same file again yields the same ids, so a line is never doubled.

    >>> line_id("S1", line_digest({"item_code": "A", "quantity": 2.0}), 1)
    'S1:133456bc95:1'
    """
    return f"{prescription_id}:{digest}:{occurrence}"


def _count_unmapped(
    table: Table,
    fields: list[str],
    rec: Mapping[str, Any],
    ctx: Context,
    targets: Mapping[str, set[str | None]],
) -> None:
    """Count codes the mapping's value tables lack, once per their column (issue #15).

    ``targets``: per column, the contract values its table maps to (a value already
    in the contract's terms is no unmapped code).
    """
    for col, mapped in table.values.items():
        value = rec.get(col)
        if value is None or value in mapped or value in targets[col]:
            continue
        counts = ctx.unmapped.setdefault((table.file, table.source_column(fields, col)), {})
        counts[value] = counts.get(value, 0) + 1


NET_COLUMNS = ("total_amount", "fund_paid", "account_paid")


def _net(table: Table, rec: dict[str, Any], extra: dict[str, str]) -> bool:
    """Subtract the reversals of this settlement from it; True when nothing is left.

    Reversal rows carry the reversed amounts (negative on the national platform, their
    absolute value is used either way); a settlement reversed in full paid no fund and
    is no visit: it is netted out, not loaded.
    """
    reversals = table.reversals.get(rec[SPECS[table.table].key or ""], [])
    if not reversals:
        return False
    left: dict[str, Decimal] = {}
    for col in NET_COLUMNS:
        number = parse_decimal(rec[col]) if rec.get(col) is not None else None
        if number is None:
            continue
        for _, fields in reversals:
            rev = table.record_of(fields, only=[col]).get(col)
            amount = parse_decimal(rev) if rev is not None else None
            if amount is None:
                raise _Bad(col, f"{col} of a reversal of this settlement is not a decimal number")
            number -= abs(amount)
        if number < 0:
            raise _Bad(col, f"{col}: its reversals take back more than the settlement paid")
        left[col] = number
        rec[col] = str(number)
    if table.shared_pos is not None:
        name = table.header[table.shared_pos]
        key = next((k for k, pos in table.extras if pos == table.shared_pos), name)
        shared = parse_decimal(extra.get(key, "0") or "0") or Decimal(0)
        for _, fields in reversals:
            cell = fields[table.shared_pos] if table.shared_pos < len(fields) else ""
            shared -= abs(parse_decimal(cell or "0") or Decimal(0))
        if key in extra:
            extra[key] = str(max(shared, Decimal(0)))
    extra["reversed_by"] = ";".join(str(line) for line, _ in reversals)
    return all(v == 0 for v in left.values())


def _shared_holder(table: Table, fields: list[str], rec: dict[str, Any], ctx: Context) -> None:
    """account_holder_id of a 共济 payment from the family_links bindings (acct_mulaid_pay)."""
    pos = table.shared_pos
    if pos is None or rec.get("account_holder_id") is not None or pos >= len(fields):
        return
    column = table.header[pos]
    amount = parse_decimal(fields[pos]) if fields[pos].strip() else Decimal(0)
    if amount is None:
        raise _Bad(column, f"{column} is not a decimal number")
    if amount <= 0:
        return
    holders = ctx.holders.get(rec["participant_id"], set())
    if len(holders) != 1:
        why = "no 共济 binding" if not holders else f"{len(holders)} 共济 holders"
        raise _Bad(
            column,
            f"{column} > 0 but the participant has {why} in family_links: whose account paid?",
        )
    rec["account_holder_id"] = next(iter(holders))
    rec["account_holder_paid"] = float(amount)  # what the holder's account paid


def _check_refs(spec: TableSpec, rec: Mapping[str, Any], ctx: Context) -> None:
    """Every referenced id exists: accepted in this load or already stored.

    A parent rejected in this load is named with its own reason and row, so the
    dependant's reject says which row it fell with.
    """
    for ref in spec.refs:
        parent = rec.get(ref.column)
        if parent is None or parent in ctx.accepted.get(ref.label, ()):
            continue
        if ctx.known.has(ref.label, parent):
            continue
        why = ctx.rejected.get(ref.label, {}).get(parent)
        if why is not None:
            raise _Bad(ref.column, f"{ref.column} {parent} was rejected ({why})")
        raise _Bad(
            ref.column,
            f"{ref.column} {parent} does not exist (not in {ref.table} nor in the store)",
        )


def _orphan_reversals(
    table: Table, reversed_seen: set[str], rejected: Mapping[str, str]
) -> list[Reject]:
    """Rejects for reversal rows whose settlement was not netted nor loaded."""
    out: list[Reject] = []
    column = ""
    if table.netting is not None and table.netting[0] is not None:
        column = table.header[table.netting[0]]
    for original_id in sorted(set(table.reversals) - reversed_seen):
        why = rejected.get(original_id)
        if not original_id:
            reason = "a reversal that names no settlement"
        elif why is not None:
            reason = f"reverses settlement {original_id}, which was rejected ({why})"
        else:
            reason = f"reverses settlement {original_id}, which is not in this file"
        for line, fields in table.reversals[original_id]:
            out.append(
                Reject(
                    file=table.file,
                    line=line,
                    column=column,
                    value_excerpt=original_id[:EXCERPT_CHARS],
                    reason=reason,
                    raw=table.raw_of(fields),
                )
            )
    return out


def iter_checked(table: Table, ctx: Context, rejects: list[Reject]) -> Iterator[Row]:  # noqa: C901  debt, listed in docs/conventions.md
    """Valid rows of ``table``, streamed from its file; rejects are appended to ``rejects``.

    ``ctx`` learns every accepted and rejected key, for the tables checked after this one.
    """
    spec = SPECS[table.table]
    rule = _RULES[table.table]
    width = len(table.header)
    key = spec.key
    first_line: dict[str, int] = {}
    occurrences: dict[tuple[str, str], int] = {}
    label = spec.label
    accepted = ctx.accepted.setdefault(label, set()) if label else set()
    rejected = ctx.rejected.setdefault(label, {}) if label else {}
    netted_key = f"{table.file}:{table.table}"
    reversed_seen: set[str] = set()
    targets = {col: set(mapped.values()) for col, mapped in table.values.items()}

    for line, fields in table.iter_lines():
        if line in table.reversal_lines:
            continue  # counted with the settlement it reverses
        rec: dict[str, Any] = table.record_of(fields)
        original = dict(rec)
        if table.values:
            _count_unmapped(table, fields, rec, ctx, targets)
        if table.table == "prescription_items" and rec.get("prescription_id") in ctx.netted:
            ctx.netted_rows[netted_key] = ctx.netted_rows.get(netted_key, 0) + 1
            continue  # a line of a settlement reversed in full
        extra = table.extra_of(fields)
        try:
            _no_nul(table, fields)
            if len(fields) != width:
                raise _Bad("", f"row has {len(fields)} fields, the header has {width}")
            for col in spec.required:
                if rec.get(col) is None:
                    raise _Bad(col, f"{col} is required")
            _lengths(rec, extra)
            if key is not None:
                seen = first_line.get(rec[key])
                if seen is not None:
                    raise _Bad(key, f"duplicate {key} {rec[key]} (first at line {seen})")
                first_line[rec[key]] = line
            if key is not None and rec[key] in table.reversals and _net(table, rec, extra):
                reversed_seen.add(rec[key])
                ctx.netted.add(rec[key])
                n_net = 1 + len(table.reversals[rec[key]])
                ctx.netted_rows[netted_key] = ctx.netted_rows.get(netted_key, 0) + n_net
                continue
            if table.shared_pos is not None:
                _shared_holder(table, fields, rec, ctx)
            rule(spec, rec, ctx)
            if WRITTEN in rec:  # an extra column: privacy.field_kind sees an address, #14 masks it
                extra["written_address"] = rec.pop(WRITTEN)
            _check_refs(spec, rec, ctx)
            row = Row(line=line, values=rec, extra=extra)
            if key is not None and label is not None:
                legacy = row.row_hash = row_hash(rec, extra)
                if ctx.pii is not None:  # keyed: no guess of a raw value can be confirmed
                    row.row_hash = ctx.pii.unique_key("row_hash", row.row_hash)
                if ctx.known.has(label, rec[key]):
                    # a node loaded before issue #14 (and not personal) keeps its plain hash
                    if ctx.known.stored_hash(label, rec[key]) not in (row.row_hash, legacy):
                        raise _Bad(
                            key,
                            f"{key} {rec[key]} is already in the store with different values",
                        )
                    row.unchanged = True
                accepted.add(rec[key])
            elif table.table == "prescription_items":
                content = (rec["prescription_id"], line_digest(rec))
                n = occurrences[content] = occurrences.get(content, 0) + 1
                rec["line_id"] = line_id(content[0], content[1], n)
                row.unchanged = rec["line_id"] in ctx.known.line_ids
            elif table.table == "family_links":
                ctx.holders.setdefault(rec["member_id"], set()).add(rec["holder_id"])
        except _Bad as bad:
            value = original.get(bad.column) if bad.column else None
            rejects.append(
                Reject(
                    file=table.file,
                    line=line,
                    column=table.reject_column(fields, bad.column),
                    value_excerpt=excerpt(spec, bad.column, value),
                    reason=bad.reason,
                    raw=table.raw_of(fields),
                )
            )
            if key is not None and rec.get(key) is not None and rec[key] not in rejected:
                rejected[rec[key]] = f"{table.file} line {line}: {bad.reason}"
            continue
        if key is not None and rec[key] in table.reversals:
            reversed_seen.add(rec[key])  # a partial refund: its reversal rows are netted
            n_net = len(table.reversals[rec[key]])
            ctx.netted_rows[netted_key] = ctx.netted_rows.get(netted_key, 0) + n_net
        if ctx.pii is not None:  # after the rules: pseudonyms of normalised values (#14)
            protect(ctx.pii, table.table, row.values, row.extra)
        yield row
    rejects.extend(_orphan_reversals(table, reversed_seen, rejected))


def check_table(table: Table, ctx: Context) -> Checked:
    """All of :func:`iter_checked` at once (tests and small inputs)."""
    rejects: list[Reject] = []
    rows = list(iter_checked(table, ctx, rejects))
    return Checked(
        table=table.table,
        file=table.file,
        read=len(rows) + len(rejects),
        rows=rows,
        rejects=rejects,
    )


def new_context(known: KnownIds | None = None, *, today: date, pii: Pii | None = None) -> Context:
    return Context(known=known or KnownIds(), today=today, pii=pii)


def validate(
    tables: Mapping[str, Table],
    known: KnownIds | None = None,
    *,
    today: date,
    pii: Pii | None = None,
) -> dict[str, Checked]:
    """Check every table in dependency order; ``known`` is what the store already holds.

    ``pii``: pseudonymise as the loader does (benchmarks write the loader's own rows).
    """
    ctx = new_context(known, today=today, pii=pii)
    names = sorted(tables, key=lambda n: TABLE_ORDER.index(tables[n].table))  # stable
    return {name: check_table(tables[name], ctx) for name in names}


def ids_to_look_up(table: Table) -> dict[str, set[str]]:
    """Label -> ids of ``table`` the store should be asked about: keys and references.

    Uses the same cleaning as validation, so the answer covers what validation asks.
    """
    spec = SPECS[table.table]
    cols: list[tuple[str, str]] = [(r.column, r.label) for r in spec.refs]
    if spec.key and spec.label:
        cols.append((spec.key, spec.label))
    wanted: dict[str, set[str]] = {label: set() for _, label in cols}
    for _, fields in table.iter_lines():
        rec = table.record_of(fields, only=[c for c, _ in cols])
        for col, label in cols:
            value = rec.get(col)
            # a value validation will reject is not worth (or safe) asking the store about
            if value is not None and NUL not in value and len(value) <= max_length(col):
                wanted[label].add(value)
    return wanted
