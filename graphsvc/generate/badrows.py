"""``--with-errors``: a few rows that break exactly one contract rule each.

Bad rows are extra rows (fresh ids, referenced by nothing), inserted at random
positions, so every other row stays loadable and the loader's rejects can be
compared one to one with ``ground_truth.bad_rows`` (table, CSV line, column, reason).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphsvc.generate.idnumber import CHECK_CHARS, check_char
from graphsvc.generate.truth import BadRow
from graphsvc.generate.world import World
from graphsvc.generate.writer import Columns

RATE = 0.001  # share of rows made bad, per table
BAD_PARTICIPANT_BASE = 9_000_001  # ids of bad participant rows (never referenced)
UNKNOWN_PARTICIPANT_BASE = 9_500_001  # participant ids that exist nowhere
RX_BASE = 900_000_001


def _count(n_rows: int, kinds: int) -> int:
    return max(1, round(n_rows * RATE / kinds))


def inject_bad_rows(w: World, columns: dict[str, Columns]) -> list[BadRow]:
    """Insert the bad rows into ``columns`` (in place) and describe them."""
    rng = w.rng
    tables = {
        name: pd.DataFrame({k: v.astype(object) for k, v in columns[name].items()})
        for name in ("participants", "prescriptions", "identifiers")
    }
    planted: dict[str, list[tuple[dict[str, object], str, str, str]]] = {}
    # participants: wrong check digit, birth date in the future, gender outside the enum
    part = tables["participants"]
    rows = []
    c = _count(len(part), 3)
    next_p = BAD_PARTICIPANT_BASE
    for reason, column in (
        ("bad_check_digit", "id_number"),
        ("future_birth_date", "birth_date"),
        ("bad_enum", "gender"),
    ):
        for _ in range(c):
            src = part.iloc[int(rng.integers(len(part)))].to_dict()
            pid = f"P{next_p:07d}"
            next_p += 1
            src["participant_id"] = pid
            first17 = str(src["id_number"])[:14] + f"{int(rng.integers(0, 1000)):03d}"
            if reason == "future_birth_date":
                year = 2031 + int(rng.integers(0, 20))
                if str(src["birth_date"])[5:] == "02-29":
                    src["birth_date"] = str(src["birth_date"])[:5] + "02-28"
                date = f"{year}{str(src['birth_date'])[4:].replace('-', '')}"
                src["birth_date"] = f"{year}{str(src['birth_date'])[4:]}"
                first17 = first17[:6] + date + first17[14:]
            if src["gender"] == "M" and int(first17[16]) % 2 == 0:
                first17 = first17[:16] + str((int(first17[16]) + 1) % 10)
            if src["gender"] == "F" and int(first17[16]) % 2 == 1:
                first17 = first17[:16] + str((int(first17[16]) + 1) % 10)
            good = check_char(first17)
            if reason == "bad_check_digit":
                wrong = [ch for ch in CHECK_CHARS if ch != good]
                src["id_number"] = first17 + wrong[int(rng.integers(len(wrong)))]
            else:
                src["id_number"] = first17 + good
            if reason == "bad_enum":
                src["gender"] = str(rng.choice(["X", "U", "男", "male"]))
            rows.append((src, pid, column, reason))
    planted["participants"] = rows
    # prescriptions: fund_paid > total, unknown patient, visit_type outside the enum
    rx = tables["prescriptions"]
    rows = []
    c = _count(len(rx), 3)
    next_rx = RX_BASE
    next_unknown = UNKNOWN_PARTICIPANT_BASE
    for reason, column in (
        ("fund_paid_gt_total", "fund_paid"),
        ("unknown_reference", "participant_id"),
        ("bad_enum", "visit_type"),
    ):
        outpatient = np.flatnonzero((rx["visit_type"] != "inpatient").to_numpy())
        for _ in range(c):
            src = rx.iloc[int(outpatient[int(rng.integers(outpatient.shape[0]))])].to_dict()
            rid = f"S{next_rx:09d}"
            next_rx += 1
            src["prescription_id"] = rid
            if reason == "fund_paid_gt_total":
                total = float(str(src["total_amount"]))
                src["fund_paid"] = f"{total + float(rng.integers(1, 500)) + 0.5:.2f}"
                src["account_paid"] = "0.00"
            elif reason == "unknown_reference":
                src["participant_id"] = f"P{next_unknown:07d}"
                next_unknown += 1
                src["account_holder_id"] = None
            else:
                src["visit_type"] = str(rng.choice(["emergency", "OUTPATIENT_X", "门诊"]))
            rows.append((src, rid, column, reason))
    planted["prescriptions"] = rows
    # identifiers: unknown participant, kind outside the enum
    idf = tables["identifiers"]
    rows = []
    c = _count(len(idf), 2)
    for reason, column in (("unknown_reference", "participant_id"), ("bad_enum", "kind")):
        for _ in range(c):
            src = idf.iloc[int(rng.integers(len(idf)))].to_dict()
            if reason == "unknown_reference":
                src["participant_id"] = f"P{next_unknown:07d}"
                next_unknown += 1
            else:
                src["kind"] = str(rng.choice(["wechat", "fax", "qq"]))
            rows.append((src, str(src["participant_id"]), column, reason))
    planted["identifiers"] = rows

    out: list[BadRow] = []
    for table, bad in planted.items():
        df = tables[table]
        n = len(df)
        pos = np.sort(rng.integers(0, n + 1, size=len(bad)))
        # original row i sits at i; bad row j just before original row pos[j]
        key = np.concatenate(
            [np.arange(n, dtype=np.float64), pos - 0.5 + np.arange(len(bad)) * 1e-6]
        )
        merged = pd.concat(
            [df, pd.DataFrame([b[0] for b in bad], columns=df.columns)], ignore_index=True
        )
        order = np.argsort(key, kind="stable")
        merged = merged.iloc[order].reset_index(drop=True)
        columns[table] = {c: merged[c].to_numpy(dtype=object) for c in merged.columns}
        where = np.empty(n + len(bad), dtype=np.int64)
        where[order] = np.arange(n + len(bad))
        for j, (_, k, column, reason) in enumerate(bad):
            out.append(BadRow(table, int(where[n + j]) + 2, k, column, reason))
    out.sort(key=lambda b: (b.table, b.line))
    return out
