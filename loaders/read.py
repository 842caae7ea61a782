"""Reading contract tables from CSV, gzipped CSV or Parquet, keeping source line numbers.

Why the csv module and not pandas for CSV: a reject must name the line a user can
open in an editor, and quoted fields may span lines; ``csv.reader.line_num`` gives
the physical line where each record starts, and ``strict`` parsing turns a broken
file into one clear error instead of silently shifted columns. Parquet goes through
pyarrow; its "line" is the row number counted as if it were a CSV with a header
(first row = line 2), so rejects read the same for both formats.

Why streaming: :func:`read_directory` parses every file completely once (so an
unreadable file raises :class:`InputError` before the store is touched) but keeps
no rows; the loader then streams each table again, so memory holds one batch of a
table at a time, not a province.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from graphsvc.contract.normalise import clean_text, property_name
from graphsvc.contract.schema import (
    REQUIRED_TABLES,
    RESERVED_PROPERTIES,
    SPECS,
    SUFFIXES,
    TABLE_ORDER,
)
from graphsvc.errors import InputError
from loaders.mapping import ColumnMapping, Netting

log = logging.getLogger(__name__)

csv.field_size_limit(10 * 1024 * 1024)
PARQUET_BATCH = 65_536

Line = tuple[int, list[str]]  # (line number, fields)


def _open_text(path: Path, encoding: str) -> IO[str]:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The exact line of a decoding error (the text reader decodes ahead in chunks)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for n, line in enumerate(fh, start=1):
                try:
                    line.decode(encoding)
                except UnicodeDecodeError:
                    return n
    except OSError:
        return None
    return None


def iter_csv(path: Path, encoding: str = "utf-8-sig") -> Iterator[list[str] | Line]:
    """The header (first item), then (line, fields) of every non-blank record."""
    last = 0  # physical lines consumed so far
    try:
        with _open_text(path, encoding) as fh:
            reader = csv.reader(fh, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise InputError(f"{path}: empty file (no header row)") from None
            yield [h.strip() for h in header]
            last = reader.line_num
            for row in reader:
                start = last + 1
                last = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                yield start, row
    except UnicodeDecodeError as exc:
        line = _first_bad_line(path, encoding) or last + 1
        raise InputError(
            f"{path}: line {line}: not valid {encoding.replace('-sig', '')} text; "
            "if the file is e.g. GBK, set 'encoding' in a mapping file"
        ) from exc
    except csv.Error as exc:
        raise InputError(f"{path}: line {last + 1}: malformed CSV: {exc}") from exc
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc


def iter_parquet(path: Path) -> Iterator[list[str] | Line]:
    """Like :func:`iter_csv`: every value as text ('' for null), line = row number + 1."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        yield [str(n).strip() for n in pf.schema_arrow.names]
        line = 2
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH):
            columns: list[list[str]] = []
            for name, col in zip(batch.schema.names, batch.columns, strict=True):
                try:
                    text = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
                except pa.ArrowException as exc:
                    raise InputError(
                        f"{path}: column {name!r} of type {col.type} cannot be read as text"
                    ) from exc
                columns.append(["" if v is None else str(v) for v in text.to_pylist()])
            for fields in zip(*columns, strict=True):
                yield line, list(fields)
                line += 1
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{path}: not a readable Parquet file: {exc}") from exc


def iter_file(path: Path, encoding: str) -> Iterator[list[str] | Line]:
    return iter_parquet(path) if path.name.endswith(".parquet") else iter_csv(path, encoding)


@dataclass
class Table:
    """A file seen through the contract: where each contract column's value comes from.

    Rows are streamed from the file by :meth:`iter_lines`; ``lines``/``record(i)``
    materialise the file for tests and small inputs.
    """

    table: str
    path: Path
    header: list[str]
    sources: dict[str, list[int]]  # contract column -> header positions (coalesced)
    extras: list[tuple[str, int]]  # (property name, header position)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    encoding: str = "utf-8-sig"
    n_rows: int = 0
    # contract column -> (position of their condition column, values that allow it)
    conditions: dict[str, tuple[int, frozenset[str]]] = field(default_factory=dict)
    # contract column -> [(property name, position)] kept when its condition fails
    held: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # reversal rows (netting): (original position, flag position, flag values)
    netting: tuple[int | None, int | None, frozenset[str]] | None = None
    reversals: dict[str, list[Line]] = field(default_factory=dict)  # original id -> rows
    reversal_lines: set[int] = field(default_factory=set)
    shared_pos: int | None = None  # 家庭共济 amount column (shared_account)
    _cache: list[Line] | None = field(default=None, repr=False)
    _plan: list[tuple[str, tuple[int, ...], dict[str, str | None] | None, bool]] | None = field(
        default=None, repr=False
    )

    @property
    def file(self) -> str:
        return self.path.name

    def __len__(self) -> int:
        return self.n_rows

    def iter_lines(self) -> Iterator[Line]:
        """(line, fields) of every data row, read from the file again."""
        if self._cache is not None:
            yield from self._cache
            return
        it = iter_file(self.path, self.encoding)
        next(it)  # header, resolved already
        for item in it:
            assert isinstance(item, tuple)  # noqa: S101  narrows the type for mypy; true by construction
            yield item

    def _rows(self) -> list[Line]:
        if self._cache is None:
            self._cache = list(self.iter_lines())
        return self._cache

    @property
    def lines(self) -> list[int]:
        return [line for line, _ in self._rows()]

    def record(self, i: int) -> dict[str, str | None]:
        return self.record_of(self._rows()[i][1])

    def extra(self, i: int) -> dict[str, str]:
        return self.extra_of(self._rows()[i][1])

    def record_of(self, row: list[str], only: Iterable[str] | None = None) -> dict[str, str | None]:
        """Contract column -> cleaned, value-mapped value (None = missing).

        ``only``: just these columns (absent ones are None), e.g. ids for lookups.
        """
        width = len(row)
        out: dict[str, str | None] = {}
        if only is None:
            plan = self._plan
            if plan is None:
                plan = self._plan = self._plan_of(self.sources.items())
        else:
            plan = self._plan_of((c, self.sources.get(c, [])) for c in only)
        for col, positions, mapped, conditional in plan:
            value: str | None = None
            for pos in positions:
                if pos < width:
                    text = row[pos]
                    if text:  # an empty cell needs no cleaning (most optional ones)
                        text = clean_text(text)
                        if text:
                            value = text
                            break
            if value is not None:
                if mapped is not None and value in mapped:
                    value = mapped[value] or None
                if conditional and not self._allowed(row, col):
                    value = None  # e.g. a passport number is no GB 11643 id_number
            out[col] = value
        return out

    def _plan_of(
        self, wanted: Iterable[tuple[str, list[int]]]
    ) -> list[tuple[str, tuple[int, ...], dict[str, str | None] | None, bool]]:
        """Per column what :meth:`record_of` needs, looked up once per table, not per row."""
        return [
            (col, tuple(positions), self.values.get(col), col in self.conditions)
            for col, positions in wanted
        ]

    def _allowed(self, row: list[str], col: str) -> bool:
        pos, allowed = self.conditions[col]
        return pos < len(row) and clean_text(row[pos]) in allowed

    def extra_of(self, row: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, pos in self.extras:
            if pos < len(row):
                text = clean_text(row[pos])
                if text:
                    out[name] = text
        for col, props in self.held.items():
            if not self._allowed(row, col):
                for name, pos in props:
                    text = clean_text(row[pos]) if pos < len(row) else ""
                    if text:
                        out[name] = text
        return out

    def reject_column(self, row: list[str], col: str) -> str:
        """The column a reject names (their column where it is not the file's own)."""
        return col

    def source_column(self, row: list[str], col: str) -> str:
        """Their column that gave ``col`` its value in ``row`` (for messages)."""
        for pos in self.sources.get(col, []):
            if pos < len(row) and clean_text(row[pos]):
                return self.header[pos]
        return col

    def reversal_of(self, row: list[str]) -> str | None:
        """The id a reversal row reverses ('' when it names none); None for other rows."""
        if self.netting is None:
            return None
        orig_pos, flag_pos, flag_values = self.netting

        def cell(pos: int | None) -> str:
            return clean_text(row[pos]) if pos is not None and pos < len(row) else ""

        original = cell(orig_pos)
        flagged = flag_pos is not None and cell(flag_pos) in flag_values
        key = SPECS[self.table].key or ""
        own = self.record_of(row, only=[key]).get(key)
        if original and original != own:
            return original
        return "" if flagged else None

    def column_at(self, pos: int) -> str:
        """The name a reject gives the field at ``pos``: contract column, extra, or header.

        >>> t = Table("doctors", Path("d.csv"), ["id", "note"], {"doctor_id": [0]}, [("note", 1)])
        >>> t.column_at(0), t.column_at(1), t.column_at(5)
        ('doctor_id', 'note', '_6')
        """
        for col, positions in self.sources.items():
            if pos in positions:
                return col
        for name, j in self.extras:
            if j == pos:
                return name
        return self.header[pos] if pos < len(self.header) else f"_{pos + 1}"

    def raw_of(self, row: list[str]) -> dict[str, str]:
        raw = {h: (row[j] if j < len(row) else "") for j, h in enumerate(self.header)}
        for j in range(len(self.header), len(row)):
            raw[f"_{j + 1}"] = row[j]
        return raw


def find_files(directory: Path, mapping: ColumnMapping) -> dict[str, Path]:
    """Table name -> file in ``directory``; required tables must be there."""
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    for table in TABLE_ORDER:
        stems = mapping.file_stems(table)
        stem = stems[0]
        hits = [directory / f"{s}{suffix}" for s in stems for suffix in SUFFIXES]
        hits = [p for p in hits if p.is_file()]
        if len(hits) > 1:
            names = ", ".join(p.name for p in hits)
            raise InputError(f"{directory}: table {table} is given twice ({names}); keep one")
        if hits:
            found[table] = hits[0]
        elif table in REQUIRED_TABLES:
            raise InputError(
                f"{directory / (stem + '.csv')}: required table {table} is missing "
                f"(expected {stem}.csv, {stem}.csv.gz or {stem}.parquet)"
            )
    return found


def resolve(table: str, path: Path, header: list[str], mapping: ColumnMapping) -> Table:
    """Resolve a file's header against the contract (after renaming by the mapping)."""
    spec = SPECS[table]
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in seen:
            raise InputError(f"{path}: line 1: column {name!r} appears twice")
        seen[name] = j
    sources: dict[str, list[int]] = {c: [] for c in spec.columns}
    used: set[int] = set()
    for theirs, ours in mapping.columns.get(table, []):
        if theirs in seen:
            sources[ours].append(seen[theirs])
            used.add(seen[theirs])
    for col in spec.columns:
        if col in seen and seen[col] not in used:
            sources[col].append(seen[col])
            used.add(seen[col])
    missing = [c for c in spec.required if not sources[c]]
    if missing:
        mapped = " (after applying the mapping)" if mapping.columns.get(table) else ""
        raise InputError(f"{path}: line 1: missing required column(s) {', '.join(missing)}{mapped}")
    for theirs, _kind in mapping.wide.get(table, []):
        if theirs in seen:
            used.add(seen[theirs])  # becomes identifiers rows, not a property
    extras: list[tuple[str, int]] = []
    taken = set(spec.columns) | RESERVED_PROPERTIES
    conditions, held = _conditions(table, header, seen, sources, taken, mapping)
    for j, name in enumerate(header):
        if j in used:
            continue
        prop = property_name(name) or f"extra_{j + 1}"
        if prop in taken:
            prop = f"x_{prop}"
        base, k = prop, 2
        while prop in taken:
            prop, k = f"{base}_{k}", k + 1
        taken.add(prop)
        extras.append((prop, j))
    netting = _netting(mapping.netting.get(table), seen)
    shared = mapping.shared_account.get(table)
    return Table(
        table=table,
        path=path,
        header=header,
        sources={c: p for c, p in sources.items() if p},
        extras=extras,
        values=mapping.values.get(table, {}),
        encoding=mapping.encoding,
        conditions=conditions,
        held=held,
        netting=netting,
        shared_pos=seen.get(shared) if shared else None,
    )


def _conditions(
    table: str,
    header: list[str],
    seen: dict[str, int],
    sources: dict[str, list[int]],
    taken: set[str],
    mapping: ColumnMapping,
) -> tuple[dict[str, tuple[int, frozenset[str]]], dict[str, list[tuple[str, int]]]]:
    """``only_when`` resolved to positions, and the property names of held values."""
    conditions: dict[str, tuple[int, frozenset[str]]] = {}
    held: dict[str, list[tuple[str, int]]] = {}
    for col, (theirs, allowed) in mapping.only_when.get(table, {}).items():
        if theirs in seen and sources[col]:
            conditions[col] = (seen[theirs], allowed)
            held[col] = []
            for pos in sources[col]:
                prop = property_name(header[pos]) or f"extra_{pos + 1}"
                if prop in taken:
                    prop = f"x_{prop}"
                taken.add(prop)
                held[col].append((prop, pos))
    return conditions, held


def _netting(
    rule: Netting | None, seen: dict[str, int]
) -> tuple[int | None, int | None, frozenset[str]] | None:
    if rule is None or (rule.original not in seen and (rule.flag or "") not in seen):
        return None
    return (seen.get(rule.original), seen.get(rule.flag or ""), rule.flag_values)


@dataclass
class WideTable(Table):
    """identifiers rows read from wide contact columns of another table's file.

    Why a table of its own: the facts get the identifiers rules and rejects (file and
    line are the source file's), and the report counts them apart from a long
    identifiers file. Fields are ``[participant_id, kind, value, their column]``.
    """

    pid_positions: list[int] = field(default_factory=list)
    wide_positions: list[tuple[int, str]] = field(default_factory=list)  # (position, kind)
    source_header: list[str] = field(default_factory=list)

    def iter_lines(self) -> Iterator[Line]:
        it = iter_file(self.path, self.encoding)
        next(it)
        for item in it:
            assert isinstance(item, tuple)  # noqa: S101  narrows the type for mypy; true by construction
            line, row = item
            cells = (clean_text(row[p]) for p in self.pid_positions if p < len(row))
            pid = next((c for c in cells if c), "")
            for pos, kind in self.wide_positions:
                if pos < len(row) and clean_text(row[pos]):
                    yield line, [pid, kind, row[pos], self.source_header[pos]]

    def reject_column(self, row: list[str], col: str) -> str:
        return row[3] if col in ("kind", "value") and len(row) > 3 else col


def wide_table(source: Table, mapping: ColumnMapping) -> WideTable | None:
    """The identifiers rows hidden in ``source``'s wide contact columns, if any."""
    seen = {name: j for j, name in enumerate(source.header)}
    positions = [(seen[c], kind) for c, kind in mapping.wide.get(source.table, []) if c in seen]
    if not positions:
        return None
    header = ["participant_id", "kind", "value", "column"]
    t = WideTable(
        table="identifiers",
        path=source.path,
        header=header,
        sources={c: [j] for j, c in enumerate(header[:3])},
        extras=[],
        encoding=source.encoding,
        pid_positions=source.sources.get("participant_id", []),
        wide_positions=positions,
        source_header=source.header,
    )
    t.n_rows = sum(1 for _ in t.iter_lines())
    return t


def scan(table: str, path: Path, mapping: ColumnMapping) -> Table:
    """Parse a whole file once (errors surface now) and count its rows; keep none."""
    it = iter_file(path, mapping.encoding)
    header = next(it)
    assert isinstance(header, list)  # noqa: S101  narrows the type for mypy; true by construction
    resolved = resolve(table, path, header, mapping)
    n = 0
    for item in it:
        n += 1
        if resolved.netting is not None:
            assert isinstance(item, tuple)  # noqa: S101  narrows the type for mypy; true by construction
            original = resolved.reversal_of(item[1])
            if original is not None:
                resolved.reversals.setdefault(original, []).append(item)
                resolved.reversal_lines.add(item[0])
    resolved.n_rows = n
    return resolved


def read_directory(directory: Path, mapping: ColumnMapping) -> dict[str, Table]:
    """Every contract table found in ``directory``, fully parsed and resolved, in load order.

    Raises :class:`InputError` naming the file (and line) when any file cannot be used.
    """
    files = find_files(directory, mapping)
    tables: dict[str, Table] = {}
    wide: dict[str, Table] = {}
    for table, path in files.items():
        tables[table] = scan(table, path, mapping)
        log.debug("scanned %s: %d rows", path, tables[table].n_rows)
        derived = wide_table(tables[table], mapping)
        if derived is not None:
            wide[f"identifiers from {path.name}"] = derived
    # wide contact facts load right after the identifiers file (their parents are
    # participants, loaded before); the key names their source in the report
    out: dict[str, Table] = {}
    for name, t in tables.items():
        if name in ("family_links", "prescriptions", "prescription_items", "referrals"):
            out.update(wide)
            wide = {}
        out[name] = t
    out.update(wide)
    return out
