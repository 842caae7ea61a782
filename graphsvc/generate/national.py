"""The province as a national-platform export (``graphsvc generate --format national``).

Why: funds hold exports of the national medical-insurance information platform, not
the contract's tables (issue #15). This writes the same province with the
platform's file and field names and code lists, so a test can load it with the
shipped ``national`` mapping and compare it with its contract-format twin:

- code lists: ``gend`` 1/2, ``insutype`` 310/320 (employee) and 390/391/380
  (resident), ``med_type`` 11/14 (outpatient), 21/22/28 (inpatient), 41 (pharmacy),
  ``fixmedins_type`` 1/2 with ``medins_type`` A/D, ``hosp_lv`` 02/05/08/11;
- ``psn_cert_type``: about 1% are not resident IDs (港澳 permits, foreign passports,
  social-security cards) and carry such numbers in ``certno``;
- contact facts: the first phone and address of a person as the wide columns
  ``tel``/``addr`` of ``psn_info``, the rest in the long ``psn_contact`` table;
- 共济: ``acct_mulaid_pay`` on the beneficiary's settlement; the holder follows from
  the bindings (``mulaid_bind``), and only where a binding cannot tell (no or
  several holders) the local column ``acct_psn_no`` names it;
- refunds: about 1% of settlements are written inflated plus a refund row
  (``init_setl_id``, ``refd_setl_flag`` 1) taking the excess back, and about 0.5%
  get a wrong duplicate charge reversed in full; both net out to the contract's
  values, so the twin's graph is the same.

The same seed gives byte-identical files (the draws use their own generator).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pcsv

from graphsvc.generate.writer import Columns, to_arrow

# contract table -> national file stem (the shipped mapping's first ``files`` stem)
FILES: dict[str, str] = {
    "participants": "psn_info",
    "identifiers": "psn_contact",
    "institutions": "medinsinfo",
    "doctors": "dr_info",
    "family_links": "mulaid_bind",
    "prescriptions": "setlinfo",
    "prescription_items": "feedetail",
    "referrals": "refmedin",
}
LEVEL_CODES = {"3": "02", "2": "05", "1": "08", "0": "11"}  # hosp_lv
RELATION_CODES = {"spouse": "1", "child": "2", "parent": "3"}
OTHER_CERTS = ("04", "08", "90")  # 港澳 permit, foreign passport, social-security card
REFUND_SHARE = 0.01
REVERSED_SHARE = 0.005

Array = npt.NDArray[Any]


def _obj(values: Any) -> Array:
    return np.asarray(values, dtype=object)


def _cents(yuan: Array) -> npt.NDArray[np.int64]:
    """Integer cents of exact yuan strings ("12.30"); blanks are 0."""
    out = np.zeros(len(yuan), dtype=np.int64)
    for i, v in enumerate(yuan):
        if v:
            whole, _, frac = str(v).partition(".")
            sign = -1 if whole.startswith("-") else 1
            out[i] = int(whole) * 100 + sign * int((frac + "00")[:2])
    return out


def _yuan(cents: npt.NDArray[np.int64]) -> Array:
    return _obj([f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents])


def _participants(t: Columns, ids: Columns, rng: np.random.Generator) -> tuple[Columns, Columns]:
    n = len(t["participant_id"])
    pid = _obj(t["participant_id"])
    cert = np.full(n, "01", dtype=object)
    other = rng.random(n) < 0.01
    cert[other] = rng.choice(OTHER_CERTS, int(other.sum()))
    certno = _obj(t["id_number"]).copy()
    for j in np.flatnonzero(other):
        prefix = {"04": "H", "08": "E", "90": "A"}[str(cert[j])]
        certno[j] = f"{prefix}{int(rng.integers(10**7, 10**8))}"
    employee = _obj(t["insurance_type"]) == "employee"
    u = rng.random(n)
    insutype = np.where(
        employee, np.where(u < 0.9, "310", "320"), np.where(u < 0.8, "390", "391")
    ).astype(object)
    insutype[~employee & (u >= 0.9)] = "380"
    # first phone and first address of each person go wide, the rest stays long
    tel: dict[str, str] = {}
    addr: dict[str, str] = {}
    keep = np.ones(len(ids["participant_id"]), dtype=bool)
    for row, (p, kind, value) in enumerate(
        zip(ids["participant_id"], ids["kind"], ids["value"], strict=True)
    ):
        wide = tel if kind == "phone" else addr if kind == "address" else None
        if wide is not None and p not in wide:
            wide[p] = value
            keep[row] = False
    people: Columns = {
        "psn_no": pid,
        "psn_cert_type": cert,
        "certno": certno,
        "psn_name": _obj(t["name"]),
        "gend": np.where(_obj(t["gender"]) == "M", "1", "2").astype(object),
        "brdy": _obj(t["birth_date"]),
        "insutype": insutype,
        "insuplc_admdvs": _obj(t["region_code"]),
        "tel": _obj([tel.get(p) for p in pid]),
        "addr": _obj([addr.get(p) for p in pid]),
    }
    contact: Columns = {
        "psn_no": _obj(ids["participant_id"])[keep],
        "kind": _obj(ids["kind"])[keep],
        "value": _obj(ids["value"])[keep],
    }
    return people, contact


def _settlements(t: Columns, links: Columns, rng: np.random.Generator) -> Columns:
    m = len(t["prescription_id"])
    vt = _obj(t["visit_type"])
    u = rng.random(m)
    med_type = np.where(
        vt == "pharmacy",
        "41",
        np.where(
            vt == "inpatient",
            np.where(u < 0.85, "21", np.where(u < 0.95, "22", "28")),
            np.where(u < 0.9, "11", "14"),
        ),
    ).astype(object)
    total = _cents(_obj(t["total_amount"]))
    fund = _cents(_obj(t["fund_paid"]))
    acct = _cents(_obj(t["account_paid"]))
    holder = _obj(t["account_holder_id"])
    bound: dict[str, set[str]] = {}
    for h, mm in zip(links["holder_id"], links["member_id"], strict=True):
        bound.setdefault(str(mm), set()).add(str(h))
    pid = _obj(t["participant_id"])
    has_holder = np.array([bool(h) for h in holder])
    mulaid = np.where(has_holder, acct, 0)
    named = _obj(
        [
            h if h and bound.get(str(p), set()) != {h} else None
            for p, h in zip(pid, holder, strict=True)
        ]
    )
    ids = _obj(t["prescription_id"])
    cols: dict[str, Array] = {
        "setl_id": ids,
        "mdtrt_id": _obj(["M" + str(s)[1:] for s in ids]),
        "psn_no": pid,
        "fixmedins_code": _obj(t["institution_id"]),
        "atddr_no": _obj(t["doctor_id"]),
        "begndate": _obj(t["date"]),
        "enddate": _obj(t["discharge_date"]),
        "med_type": med_type,
        "dise_codg": np.full(m, None, dtype=object),
        "dscg_maindiag_code": _obj(t["diagnosis_code"]),
        "medfee_sumamt": total,
        "fund_pay_sumamt": fund,
        "hifp_pay": fund,
        "acct_pay": acct,
        "acct_mulaid_pay": mulaid,
        "psn_cash_pay": np.maximum(total - fund - acct, 0),
        "acct_psn_no": named,
        "refd_setl_flag": np.full(m, "0", dtype=object),
        "init_setl_id": np.full(m, None, dtype=object),
    }
    money = ("medfee_sumamt", "fund_pay_sumamt", "hifp_pay", "acct_pay", "acct_mulaid_pay")
    # partial refunds: write the settlement inflated, and a refund row taking it back
    refund = np.flatnonzero((rng.random(m) < REFUND_SHARE) & (total > 0))
    extra_total = np.maximum(total[refund] // 10, 100)
    extra_fund = np.minimum(extra_total, np.maximum(fund[refund] // 10, 0))
    for col, add in (("medfee_sumamt", extra_total), ("fund_pay_sumamt", extra_fund)):
        cols[col] = cols[col].copy()
        cols[col][refund] += add
    cols["hifp_pay"] = cols["fund_pay_sumamt"]
    rows: list[dict[str, Any]] = []
    for k, j in enumerate(refund):
        row = {c: v[j] for c, v in cols.items()}
        row.update(
            setl_id=f"F{str(ids[j])[1:]}",
            medfee_sumamt=-extra_total[k],
            fund_pay_sumamt=-extra_fund[k],
            hifp_pay=-extra_fund[k],
            acct_pay=0,
            acct_mulaid_pay=0,
            psn_cash_pay=-(extra_total[k] - extra_fund[k]),
            refd_setl_flag="1",
            init_setl_id=ids[j],
        )
        rows.append(row)
    # wrong charges reversed in full: a duplicate settlement and its reversal
    for j in np.flatnonzero(rng.random(m) < REVERSED_SHARE):
        dup = {c: v[j] for c, v in cols.items()}
        dup["setl_id"] = f"W{str(ids[j])[1:]}"
        rev = dict(dup)
        rev.update(
            setl_id=f"V{str(ids[j])[1:]}",
            refd_setl_flag="1",
            init_setl_id=dup["setl_id"],
            **{c: -int(dup[c]) for c in (*money, "psn_cash_pay")},
        )
        rows += [dup, rev]
    out: Columns = {}
    for c, v in cols.items():
        extra = [r[c] for r in rows]
        if c in money or c == "psn_cash_pay":
            out[c] = _yuan(np.concatenate([v.astype(np.int64), np.array(extra, dtype=np.int64)]))
        else:
            out[c] = np.concatenate([v, _obj(extra)])
    return out


def national_tables(tables: dict[str, Columns], seed: int) -> dict[str, Columns]:
    """The contract's tables rewritten as national files (stem -> columns)."""
    rng = np.random.default_rng([seed, 103])
    people, contact = _participants(tables["participants"], tables["identifiers"], rng)
    inst = tables["institutions"]
    kind = _obj(inst["kind"])
    doctors = tables["doctors"]
    links = tables["family_links"]
    items = tables["prescription_items"]
    refs = tables["referrals"]
    ref_dates = np.asarray(refs["date"], dtype="datetime64[D]")
    out: dict[str, Columns] = {
        "psn_info": people,
        "psn_contact": contact,
        "medinsinfo": {
            "fixmedins_code": _obj(inst["institution_id"]),
            "fixmedins_name": _obj(inst["name"]),
            "fixmedins_type": np.where(kind == "pharmacy", "2", "1").astype(object),
            "medins_type": _obj([{"hospital": "A", "clinic": "D"}.get(str(k)) for k in kind]),
            "hosp_lv": _obj([LEVEL_CODES[str(v)] for v in inst["level"]]),
            "fix_blng_admdvs": _obj(inst["region_code"]),
        },
        "dr_info": {
            "dr_codg": _obj(doctors["doctor_id"]),
            "dr_name": _obj(doctors["name"]),
            "fixmedins_code": _obj(doctors["institution_id"]),
            "dept_name": _obj(doctors["department"]),
        },
        "mulaid_bind": {
            "acct_psn_no": _obj(links["holder_id"]),
            "mulaid_psn_no": _obj(links["member_id"]),
            "relation": _obj([RELATION_CODES[str(r)] for r in links["relation"]]),
            "begndate": _obj(links["since"]),
        },
        "setlinfo": _settlements(tables["prescriptions"], links, rng),
        "feedetail": {
            "feedetl_sn": pa.array(np.arange(1, len(items["prescription_id"]) + 1)),
            "setl_id": items["prescription_id"],
            "med_list_codg": items["item_code"],
            "hilist_name": items["item_name"],
            "cnt": items["quantity"],
            "pric": items["unit_price"],
            "drug_trac_codg": items["trace_code"],
        },
        "refmedin": {
            "trt_dcla_detl_sn": _obj(refs["referral_id"]),
            "psn_no": _obj(refs["participant_id"]),
            "fixmedins_code": _obj(refs["from_institution_id"]),
            "reflin_medins_no": _obj(refs["to_institution_id"]),
            "dr_code": _obj(refs["from_doctor_id"]),
            "refl_date": _obj(refs["date"]),
            "begndate": _obj(refs["date"]),
            "enddate": (ref_dates + np.timedelta64(90, "D")).astype(str).astype(object),
            "refl_type": np.full(len(ref_dates), "1", dtype=object),
            "refl_rea": np.full(len(ref_dates), "病情需要", dtype=object),
        },
    }
    return out


def write_national(tables: dict[str, Columns], out_dir: Path, seed: int) -> list[Path]:
    """Write the national files as UTF-8 CSV with a header row (no value needs quoting)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, cols in national_tables(tables, seed).items():
        table = to_arrow(cols)
        path = out_dir / f"{stem}.csv"
        with open(path, "wb") as fh:
            fh.write((",".join(table.column_names) + "\n").encode("utf-8"))
            pcsv.write_csv(
                table,
                fh,
                write_options=pcsv.WriteOptions(include_header=False, quoting_style="none"),
            )
        written.append(path)
    tables.clear()
    return written
