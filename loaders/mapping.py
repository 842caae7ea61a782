"""Column and value mappings: load exports that use other field names without editing them.

A mapping file (YAML or JSON) has the contract's shape ``{table: {their_column:
contract_column}}`` plus a few reserved top-level keys::

    description: free text
    encoding: gbk                  # CSV encoding (default utf-8, a BOM is accepted)
    files: {prescriptions: setl_d} # their file stem per table (default: the table name);
                                   # a list = alternatives, the first one present is read
    values:                        # their value -> contract value, after renaming
      participants: {gender: {"1": M, "2": F, "9": null}}   # null = missing
    participants: {psn_no: participant_id, certno: id_number}

Several of their columns may map to one contract column: the first non-empty one,
in file order of the mapping, wins (``begndate`` before ``setl_time``). Anything the
loader does not know is an error naming the key, because a typo in a mapping would
otherwise silently load nothing into that column.

Four more reserved keys cover what real exports do that a rename cannot (issue #15)::

    only_when:        # fill a contract column only when another column has these values
      participants: {id_number: {psn_cert_type: ["01"]}}  # else kept as property certno
    wide:             # one column per contact fact -> identifiers rows of that kind
      participants: {tel: phone, addr: address}
    netting:          # refunds/reversals: rows pointing at the settlement they reverse
      prescriptions: {original: init_setl_id, flag: refd_setl_flag, flag_values: ["1"]}
    shared_account:   # 家庭共济 amount column: account_holder_id from the family_links
      prescriptions: acct_mulaid_pay
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

RESERVED_KEYS = frozenset(
    {
        "description",
        "encoding",
        "files",
        "values",
        "only_when",
        "wide",
        "netting",
        "shared_account",
    }
)
# Tables whose rows carry a participant_id a wide contact column can belong to.
WIDE_TABLES = frozenset({"participants", "prescriptions", "referrals"})


@dataclass(frozen=True)
class Netting:
    """How reversal rows of a settlement export point at what they reverse."""

    original: str  # their column holding the reversed settlement's id (init_setl_id)
    flag: str | None = None  # their reversal flag column (refd_setl_flag)
    flag_values: frozenset[str] = frozenset({"1"})


@dataclass(frozen=True)
class ColumnMapping:
    """How one table's file maps onto the contract."""

    source: Path | None = None
    # table -> [(their column, contract column)], in mapping order
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # table -> contract column -> their value -> contract value (None = missing)
    values: dict[str, dict[str, dict[str, str | None]]] = field(default_factory=dict)
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> stems
    encoding: str = "utf-8-sig"
    # table -> contract column -> (their condition column, values that allow it)
    only_when: dict[str, dict[str, tuple[str, frozenset[str]]]] = field(default_factory=dict)
    # table -> [(their column, identifier kind)]
    wide: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    netting: dict[str, Netting] = field(default_factory=dict)
    shared_account: dict[str, str] = field(default_factory=dict)  # table -> amount column

    def file_stem(self, table: str) -> str:
        return self.file_stems(table)[0]

    def file_stems(self, table: str) -> tuple[str, ...]:
        """Their file stems for ``table``, in order of preference (default: its name)."""
        return self.files.get(table, (table,))


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
    files: dict[str, tuple[str, ...]] = {}
    encoding = "utf-8-sig"
    extensions: dict[str, Any] = {}
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
                stems = stem if isinstance(stem, list) else [stem]
                if not stems:
                    raise InputError(f"{where}: 'files.{table}' names no file stem")
                files[str(table)] = tuple(str(x) for x in stems)
            continue
        if key == "values":
            values = _parse_values(body, where)
            continue
        if key in _EXTENSIONS:
            extensions[key] = _EXTENSIONS[key](body, where)
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
        source=source,
        columns=columns,
        values=values,
        files=files,
        encoding=encoding,
        only_when=extensions.get("only_when", {}),
        wide=extensions.get("wide", {}),
        netting=extensions.get("netting", {}),
        shared_account=extensions.get("shared_account", {}),
    )


def _tables_of(key: str, body: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(body, MappingABC):
        raise InputError(f"{where}: '{key}' must map table names to settings")
    out: dict[str, Any] = {}
    for table, setting in body.items():
        table = str(table)
        if table not in SPECS:
            raise InputError(f"{where}: unknown key '{key}.{table}' (not a table)")
        if table not in allowed:
            names = ", ".join(sorted(allowed))
            raise InputError(f"{where}: '{key}.{table}' is not supported (only {names})")
        out[table] = setting
    return out


def _parse_only_when(body: Any, where: str) -> dict[str, dict[str, tuple[str, frozenset[str]]]]:
    conds: dict[str, dict[str, tuple[str, frozenset[str]]]] = {}
    for table, cols in _tables_of("only_when", body, where, frozenset(SPECS)).items():
        if not isinstance(cols, MappingABC):
            raise InputError(f"{where}: 'only_when.{table}' must map columns to conditions")
        for col, cond in cols.items():
            if str(col) not in SPECS[table].columns:
                raise InputError(
                    f"{where}: unknown key 'only_when.{table}.{col}' (not a column of {table})"
                )
            if not isinstance(cond, MappingABC) or len(cond) != 1:
                raise InputError(
                    f"{where}: 'only_when.{table}.{col}' must be {{their_column: [values]}}"
                )
            [(theirs, allowed)] = cond.items()
            values = allowed if isinstance(allowed, list) else [allowed]
            conds.setdefault(table, {})[str(col)] = (str(theirs), frozenset(map(str, values)))
    return conds


def _parse_wide(body: Any, where: str) -> dict[str, list[tuple[str, str]]]:
    kinds = SPECS["identifiers"].enums["kind"]
    wide: dict[str, list[tuple[str, str]]] = {}
    for table, cols in _tables_of("wide", body, where, WIDE_TABLES).items():
        if not isinstance(cols, MappingABC):
            raise InputError(f"{where}: 'wide.{table}' must map their columns to kinds")
        for theirs, kind in cols.items():
            if str(kind) not in kinds:
                raise InputError(
                    f"{where}: unknown key 'wide.{table}.{theirs}': {kind!r} is not an "
                    f"identifier kind ({', '.join(kinds)})"
                )
            wide.setdefault(table, []).append((str(theirs), str(kind)))
    return wide


def _parse_netting(body: Any, where: str) -> dict[str, Netting]:
    out: dict[str, Netting] = {}
    for table, setting in _tables_of("netting", body, where, frozenset({"prescriptions"})).items():
        if not isinstance(setting, MappingABC) or "original" not in setting:
            raise InputError(f"{where}: 'netting.{table}' needs 'original: their_column'")
        unknown = set(map(str, setting)) - {"original", "flag", "flag_values"}
        if unknown:
            raise InputError(f"{where}: unknown key 'netting.{table}.{sorted(unknown)[0]}'")
        flag_values = setting.get("flag_values", ["1"])
        if not isinstance(flag_values, list):
            flag_values = [flag_values]
        out[table] = Netting(
            original=str(setting["original"]),
            flag=None if setting.get("flag") is None else str(setting["flag"]),
            flag_values=frozenset(str(v) for v in flag_values),
        )
    return out


def _parse_shared(body: Any, where: str) -> dict[str, str]:
    shared: dict[str, str] = {}
    allowed = frozenset({"prescriptions"})
    for table, column in _tables_of("shared_account", body, where, allowed).items():
        if not isinstance(column, str):
            raise InputError(f"{where}: 'shared_account.{table}' must name their amount column")
        shared[table] = column
    return shared


_EXTENSIONS: dict[str, Any] = {
    "only_when": _parse_only_when,
    "wide": _parse_wide,
    "netting": _parse_netting,
    "shared_account": _parse_shared,
}


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


SHIPPED_DIR = Path(__file__).resolve().parent / "mappings"


def shipped_mappings() -> list[str]:
    """Names of the mappings that ship with the package (``loaders/mappings/*.yaml``)."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def resolve_mapping(name_or_path: Path | str) -> Path:
    """A mapping file: an existing path as given, else a shipped mapping by name.

    Why both: a user of a national export should not need to know where the package
    is installed (``--mapping national``), while their own mapping is a file path.
    A path that exists always wins, so a local ``national.yaml`` is not shadowed.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    name = str(name_or_path)
    if "/" not in name and "\\" not in name:
        stem = name[:-5] if name.endswith(".yaml") else name
        shipped = SHIPPED_DIR / f"{stem}.yaml"
        if shipped.is_file():
            return shipped
    names = ", ".join(shipped_mappings()) or "none"
    raise InputError(f"{name}: no such mapping file, nor a shipped mapping (shipped: {names})")


def read_mapping(path: Path | str) -> ColumnMapping:
    """Read a YAML or JSON mapping file or a shipped one by name (see :func:`resolve_mapping`)."""
    path = resolve_mapping(path)
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
