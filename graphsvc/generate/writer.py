"""Turn the in-memory province into the contract's tables and write them.

Tables are pandas DataFrames with contract column names in contract order; amounts
are exact (integer cents formatted as yuan), rows in a stable order, so the same
seed gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from graphsvc.contract.schema import SPECS
from graphsvc.generate import catalog as cat
from graphsvc.generate import person_variants
from graphsvc.generate.facilities import person_names
from graphsvc.generate.population import ROLE_CHILD, bijection, id_numbers
from graphsvc.generate.world import (
    EPOCH_OFFSET,
    IDENTIFIER_KINDS,
    INSTITUTION_KINDS,
    ITEM_DRUG,
    VISIT_TYPES,
    IntArray,
    World,
)

TABLES: tuple[str, ...] = (
    "participants",
    "identifiers",
    "institutions",
    "doctors",
    "prescriptions",
    "prescription_items",
    "family_links",
    "referrals",
)
# The contract's columns, in its order: one definition, in the loader's schema.
COLUMNS: dict[str, tuple[str, ...]] = {name: SPECS[name].columns for name in TABLES}
AMOUNT_COLUMNS = {"total_amount", "fund_paid", "account_paid", "unit_price"}


def ids(prefix: str, numbers: npt.ArrayLike, width: int) -> npt.NDArray[np.str_]:
    a = np.asarray(numbers, dtype=np.int64)
    return np.strings.add(prefix, np.strings.zfill(a.astype(str), width))


def yuan(cents: IntArray) -> npt.NDArray[np.str_]:
    """Exact yuan strings from integer cents (no float rounding)."""
    c = np.asarray(cents, dtype=np.int64)
    return np.strings.add(
        np.strings.add((c // 100).astype(str), "."), np.strings.zfill((c % 100).astype(str), 2)
    )


def dates(days_since_1970: IntArray) -> npt.NDArray[np.str_]:
    d = np.asarray(days_since_1970, dtype=np.int64)
    return (
        (np.datetime64("1970-01-01") + d.astype("timedelta64[D]"))
        .astype("datetime64[D]")
        .astype(str)
    )


def year_dates(day: IntArray) -> npt.NDArray[np.str_]:
    return dates(np.asarray(day, dtype=np.int64) + EPOCH_OFFSET)


def _optional(values: npt.NDArray[np.str_], present: npt.NDArray[np.bool_]) -> np.ndarray:
    out = values.astype(object)
    out[~present] = None
    return out


def pid_array(w: World, p: IntArray) -> npt.NDArray[np.str_]:
    return ids("P", w.pnum[np.asarray(p, dtype=np.int64)], 7)


Columns = dict[str, Any]  # numpy arrays, or Arrow arrays for the biggest table


def build_tables(
    w: World, s: dict[str, IntArray], lines: dict[str, IntArray]
) -> dict[str, Columns]:
    """Every table as contract-named columns (numpy arrays, ``None`` = empty cell)."""
    rng = w.rng
    n = w.n
    t: dict[str, Columns] = {}
    # participants (children carry the household head's surname)
    names = np.array(person_names(rng, n), dtype=object)
    head = w.extra["head"]
    for p in np.flatnonzero(w.hh_role == ROLE_CHILD):
        names[p] = names[head[p]][0] + names[p][1:]
    person_variants.apply_names(w, names)  # issue #15: one person, one name (or a variant)
    region_codes = np.array([r.code for r in cat.REGIONS])
    order = np.argsort(w.pnum)
    idn = id_numbers(w)
    for record, original in w.extra.get("same_id", ()):  # duplicate enrolment (issue #12)
        idn[record] = idn[original]
    person_variants.apply_id_numbers(w, idn)
    t["participants"] = _columns(
        {
            "participant_id": pid_array(w, order),
            "name": names[order],
            "id_number": idn[order],
            "gender": np.where(w.gender[order] == 0, "M", "F"),
            "birth_date": dates(w.birth[order]),
            "insurance_type": np.where(w.ins[order] == 0, "employee", "resident"),
            "region_code": region_codes[w.region[order]],
        }
    )
    w.extra["id_numbers"] = idn
    # identifiers
    ip = np.concatenate([c[0] for c in w.identifiers])
    ik = np.concatenate([c[1] for c in w.identifiers])
    iv = np.concatenate([c[2].astype(object) for c in w.identifiers])
    seq = np.arange(ip.shape[0])
    o = np.lexsort((seq, ik, w.pnum[ip]))
    t["identifiers"] = _columns(
        {
            "participant_id": pid_array(w, ip[o]),
            "kind": np.array(IDENTIFIER_KINDS)[ik[o]],
            "value": iv[o],
        }
    )
    # institutions, doctors
    n_inst = w.inst_kind.shape[0]
    t["institutions"] = _columns(
        {
            "institution_id": ids("H", np.arange(1, n_inst + 1), 5),
            "name": w.inst_name,
            "kind": np.array(INSTITUTION_KINDS)[w.inst_kind],
            "level": w.inst_level,
            "region_code": region_codes[w.inst_region],
        }
    )
    n_doc = w.doc_inst.shape[0]
    t["doctors"] = _columns(
        {
            "doctor_id": ids("D", np.arange(1, n_doc + 1), 5),
            "name": w.doc_names,
            "institution_id": ids("H", w.doc_inst + 1, 5),
            "department": w.doc_dept,
        }
    )
    # prescriptions
    m = s["pat"].shape[0]
    rx_ids = ids("S", np.arange(1, m + 1), 9)
    has_doc = s["doc"] >= 0
    has_dis = s["dis"] >= 0
    has_holder = s["holder"] >= 0
    t["prescriptions"] = _columns(
        {
            "prescription_id": rx_ids,
            "participant_id": pid_array(w, s["pat"]),
            "institution_id": ids("H", s["inst"] + 1, 5),
            "doctor_id": _optional(ids("D", np.maximum(s["doc"], 0) + 1, 5), has_doc),
            "date": year_dates(s["day"]),
            "discharge_date": _optional(year_dates(np.maximum(s["dis"], 0)), has_dis),
            "visit_type": np.array(VISIT_TYPES)[s["vt"]],
            "diagnosis_code": np.array([d.code for d in cat.DIAGNOSES])[s["diag"]],
            "total_amount": yuan(s["total"]),
            "fund_paid": yuan(s["fund"]),
            "account_holder_id": _optional(pid_array(w, np.maximum(s["holder"], 0)), has_holder),
            "account_paid": yuan(s["account_paid"]),
        }
    )
    # prescription items: the biggest table, built as Arrow arrays to save memory
    is_drug = lines["kind"] == ITEM_DRUG
    n_drugs = len(cat.DRUGS)
    catalogue = np.where(is_drug, lines["item"], n_drugs + lines["item"])
    take = pa.array(catalogue)
    codes = pa.array([d.code for d in cat.DRUGS] + [x.code for x in cat.SERVICES])
    names = pa.array([d.name for d in cat.DRUGS] + [x.name for x in cat.SERVICES])
    products = pa.array([d.product for d in cat.DRUGS] + [""] * len(cat.SERVICES))
    serial = bijection(lines["trace"], 10**13, 3_141_592 + w.seed % 1000)
    serial_text = pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 13, "0")
    trace = pc.binary_join_element_wise(products.take(take), serial_text, "")
    trace = pc.if_else(pa.array(is_drug), trace, pa.scalar(None, pa.string()))
    t["prescription_items"] = {
        "prescription_id": pa.array(rx_ids).take(pa.array(lines["row"])),
        "item_code": codes.take(take),
        "item_name": names.take(take),
        "quantity": np.asarray(lines["qty"]),
        "unit_price": yuan(lines["price"]),
        "trace_code": trace,
    }
    # family links
    if w.family:
        fam = np.array([(h, mm, s2) for h, mm, _, s2 in w.family], dtype=np.int64)
        rel = np.array([r for _, _, r, _ in w.family])
        o = np.lexsort((w.pnum[fam[:, 1]], w.pnum[fam[:, 0]]))
        t["family_links"] = _columns(
            {
                "holder_id": pid_array(w, fam[o, 0]),
                "member_id": pid_array(w, fam[o, 1]),
                "relation": rel[o],
                "since": dates(fam[o, 2]),
            }
        )
    else:
        t["family_links"] = {c: np.array([], dtype=object) for c in COLUMNS["family_links"]}
    # referrals
    if w.referrals:
        r = {k: np.concatenate([c[k] for c in w.referrals]) for k in w.referrals[0]}
        o = np.lexsort((r["dst"], r["src"], w.pnum[r["pat"]], r["day"]))
        r = {k: v[o] for k, v in r.items()}
        has = r["doc"] >= 0
        t["referrals"] = _columns(
            {
                "referral_id": ids("R", np.arange(1, o.shape[0] + 1), 7),
                "participant_id": pid_array(w, r["pat"]),
                "from_institution_id": ids("H", r["src"] + 1, 5),
                "from_doctor_id": _optional(ids("D", np.maximum(r["doc"], 0) + 1, 5), has),
                "to_institution_id": ids("H", r["dst"] + 1, 5),
                "date": year_dates(r["day"]),
            }
        )
    else:
        t["referrals"] = {c: np.array([], dtype=object) for c in COLUMNS["referrals"]}
    for name, cols in COLUMNS.items():
        assert tuple(t[name]) == cols, name
    return t


def _columns(data: dict[str, object]) -> Columns:
    return {k: np.asarray(v) for k, v in data.items()}


def to_arrow(cols: Columns) -> pa.Table:
    arrays = []
    for values in cols.values():
        if isinstance(values, pa.Array | pa.ChunkedArray):
            arrays.append(values)
        elif values.dtype == object:
            missing = pd.isna(values)
            if missing.any():
                values = values.copy()
                values[missing] = None
            arrays.append(pa.array(values, type=pa.string()))
        elif values.dtype.kind == "U":
            arrays.append(pa.array(values, type=pa.string()))
        else:
            arrays.append(pa.array(values))
    return pa.table(arrays, names=list(cols))


def write_tables(tables: dict[str, Columns], out_dir: Path, fmt: str) -> list[Path]:
    """CSV (header row, no quoting: no value holds a comma, quote or newline) or Parquet.

    Empties ``tables`` as it goes, so each table's memory is freed once written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        table = to_arrow(tables.pop(name))
        if fmt == "parquet":
            path = out_dir / f"{name}.parquet"
            for col in AMOUNT_COLUMNS & set(table.column_names):
                j = table.column_names.index(col)
                table = table.set_column(j, col, pc.cast(table[col], pa.float64()))
            pq.write_table(table, path, compression="zstd")
        else:
            path = out_dir / f"{name}.csv"
            with open(path, "wb") as fh:
                fh.write((",".join(table.column_names) + "\n").encode("utf-8"))
                pcsv.write_csv(
                    table,
                    fh,
                    write_options=pcsv.WriteOptions(include_header=False, quoting_style="none"),
                )
        written.append(path)
    return written
