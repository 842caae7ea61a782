"""Column and value mappings: load exports that use other field names without editing them.

A mapping file (YAML or JSON) has the contract's shape ``{table: {their_column:
contract_column}}`` plus a few reserved top-level keys::

    description: free text
    encoding: gbk                  # CSV encoding (default utf-8, a BOM is accepted)
    files: {prescriptions: setl_d} # their file stem per table (default: the table name)
    values:                        # their value -> contract value, after renaming
      participants: {gender: {"1": M, "2": F, "9": null}}   # null = missing
    participants: {psn_no: participant_id, certno: id_number}

Several of their columns may map to one contract column: the first non-empty one,
in file order of the mapping, wins (``begndate`` before ``setl_time``). Anything the
loader does not know is an error naming the key, because a typo in a mapping would
otherwise silently load nothing into that column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graphsvc.contract.schema import SPECS
from graphsvc.errors import InputError

RESERVED_KEYS = frozenset({"description", "encoding", "files", "values"})


@dataclass(frozen=True)
class ColumnMapping:
    """How one table's file maps onto the contract."""

    source: Path | None = None
    # table -> [(their column, contract column)], in mapping order
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # table -> contract column -> their value -> contract value (None = missing)
    values: dict[str, dict[str, dict[str, str | None]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8-sig"

    def file_stem(self, table: str) -> str:
        return self.files.get(table, table)


def _where(source: Path | None) -> str:
    return str(source) if source else "mapping"


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_mapping(data: Any, source: Path | None = None) -> ColumnMapping:  # noqa: C901  debt, listed in docs/conventions.md
    """Check and convert a decoded mapping document (pure).

    >>> m = parse_mapping({"participants": {"psn_no": "participant_id"},
    ...                    "values": {"participants": {"gender": {1: "M", 2: "F"}}}})
    >>> m.columns["participants"], m.values["participants"]["gender"]["1"]
    ([('psn_no', 'participant_id')], 'M')
    >>> parse_mapping({"patients": {}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    graphsvc.errors.InputError: mapping: unknown key 'patients' (expected a table name ...
    """
    where = _where(source)
    if not isinstance(data, MappingABC):
        raise InputError(f"{where}: a mapping must be an object of tables")
    columns: dict[str, list[tuple[str, str]]] = {}
    values: dict[str, dict[str, dict[str, str | None]]] = {}
    files: dict[str, str] = {}
    encoding = "utf-8-sig"
    for key, body in data.items():
        key = str(key)
        if key == "description":
            continue
        if key == "encoding":
            encoding = str(body)
            try:
                "".encode(encoding)
            except LookupError as exc:
                raise InputError(f"{where}: unknown encoding {encoding!r}") from exc
            if encoding.lower().replace("-", "").replace("_", "") == "utf8":
                encoding = "utf-8-sig"
            continue
        if key == "files":
            if not isinstance(body, MappingABC):
                raise InputError(f"{where}: 'files' must map table names to file stems")
            for table, stem in body.items():
                if str(table) not in SPECS:
                    raise InputError(f"{where}: unknown key 'files.{table}' (not a table)")
                files[str(table)] = str(stem)
            continue
        if key == "values":
            values = _parse_values(body, where)
            continue
        if key not in SPECS:
            allowed = ", ".join(sorted(RESERVED_KEYS))
            raise InputError(
                f"{where}: unknown key {key!r} (expected a table name or one of {allowed})"
            )
        if body is None:
            continue
        if not isinstance(body, MappingABC):
            raise InputError(f"{where}: '{key}' must map their column names to contract columns")
        pairs: list[tuple[str, str]] = []
        for theirs, ours in body.items():
            if str(ours) not in SPECS[key].columns:
                raise InputError(
                    f"{where}: unknown key '{key}.{theirs}': {ours!r} is not a column of {key}"
                )
            pairs.append((str(theirs), str(ours)))
        columns[key] = pairs
    return ColumnMapping(
        source=source, columns=columns, values=values, files=files, encoding=encoding
    )


def _parse_values(body: Any, where: str) -> dict[str, dict[str, dict[str, str | None]]]:
    if not isinstance(body, MappingABC):
        raise InputError(f"{where}: 'values' must be {{table: {{column: {{theirs: ours}}}}}}")
    out: dict[str, dict[str, dict[str, str | None]]] = {}
    for table, cols in body.items():
        table = str(table)
        if table not in SPECS:
            raise InputError(f"{where}: unknown key 'values.{table}' (not a table)")
        if not isinstance(cols, MappingABC):
            raise InputError(f"{where}: 'values.{table}' must map columns to value tables")
        for col, table_values in cols.items():
            col = str(col)
            if col not in SPECS[table].columns:
                raise InputError(
                    f"{where}: unknown key 'values.{table}.{col}' (not a column of {table})"
                )
            if not isinstance(table_values, MappingABC):
                raise InputError(f"{where}: 'values.{table}.{col}' must map values to values")
            out.setdefault(table, {})[col] = {str(k): _scalar(v) for k, v in table_values.items()}
    return out


def read_mapping(path: Path) -> ColumnMapping:
    """Read a YAML or JSON mapping file (I/O wrapper of :func:`parse_mapping`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read mapping file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: mapping file is not UTF-8") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: mapping file is not valid YAML/JSON: {exc}") from exc
    return parse_mapping(data or {}, path)
