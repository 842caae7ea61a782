"""Hand-made contract directories for loader tests (small, every table, every rule).

``contract_tables()`` returns the tables as lists of dicts; a test edits them and
writes them with ``write_dir`` so each test states exactly what it changes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

Tables = dict[str, list[dict[str, str]]]

ID_P1 = "460100198001010014"
ID_P2 = "460100198502020026"
ID_P3 = "46010020100303003X"
ID_P4 = "460100195004040047"


def contract_tables() -> Tables:
    return {
        "institutions": [
            {
                "institution_id": "H1",
                "name": "省人民医院",
                "kind": "hospital",
                "level": "3",
                "region_code": "460100",
            },
            {
                "institution_id": "C1",
                "name": "社区诊所",
                "kind": "clinic",
                "level": "1",
                "region_code": "460100",
            },
            {
                "institution_id": "PH1",
                "name": "大药房",
                "kind": "pharmacy",
                "level": "0",
                "region_code": "460200",
            },
        ],
        "doctors": [
            {"doctor_id": "D1", "name": "王医生", "institution_id": "H1", "department": "内科"},
            {"doctor_id": "D2", "name": "李医生", "institution_id": "C1", "department": "全科"},
        ],
        "participants": [
            {
                "participant_id": "P1",
                "name": "张三",
                "id_number": ID_P1,
                "gender": "M",
                "birth_date": "1980-01-01",
                "insurance_type": "employee",
                "region_code": "460100",
            },
            {
                "participant_id": "P2",
                "name": "李四",
                "id_number": ID_P2,
                "gender": "F",
                "birth_date": "1985-02-02",
                "insurance_type": "employee",
                "region_code": "460100",
            },
            {
                "participant_id": "P3",
                "name": "王五",
                "id_number": ID_P3,
                "gender": "M",
                "birth_date": "2010-03-03",
                "insurance_type": "resident",
                "region_code": "460100",
            },
            {
                "participant_id": "P4",
                "name": "赵六",
                "id_number": ID_P4,
                "gender": "F",
                "birth_date": "1950-04-04",
                "insurance_type": "resident",
                "region_code": "460200",
            },
        ],
        "identifiers": [
            {"participant_id": "P1", "kind": "phone", "value": "+86 138-0013-8000"},
            {"participant_id": "P2", "kind": "phone", "value": "13800138000"},
            {"participant_id": "P3", "kind": "email", "value": "Wang.Wu@Example.com"},
            {"participant_id": "P4", "kind": "address", "value": "海口市　龙华路１号"},
        ],
        "family_links": [
            {"holder_id": "P1", "member_id": "P2", "relation": "spouse", "since": "2020-01-01"},
            {"holder_id": "P1", "member_id": "P3", "relation": "child", "since": "2020-01-01"},
        ],
        "prescriptions": [
            {
                "prescription_id": "S1",
                "participant_id": "P1",
                "institution_id": "H1",
                "doctor_id": "D1",
                "date": "2024-03-01",
                "discharge_date": "",
                "visit_type": "outpatient",
                "diagnosis_code": "J06.9",
                "total_amount": "120.50",
                "fund_paid": "80",
                "account_holder_id": "",
                "account_paid": "40.5",
            },
            {
                "prescription_id": "S2",
                "participant_id": "P2",
                "institution_id": "PH1",
                "doctor_id": "D1",
                "date": "2024-03-02 10:15:00",
                "discharge_date": "",
                "visit_type": "pharmacy",
                "diagnosis_code": "",
                "total_amount": "300",
                "fund_paid": "0",
                "account_holder_id": "P1",
                "account_paid": "300",
            },
            {
                "prescription_id": "S3",
                "participant_id": "P3",
                "institution_id": "H1",
                "doctor_id": "",
                "date": "2024-03-05",
                "discharge_date": "2024-03-09",
                "visit_type": "inpatient",
                "diagnosis_code": "K35.8",
                "total_amount": "8000",
                "fund_paid": "6000",
                "account_holder_id": "P3",
                "account_paid": "0",
            },
        ],
        "prescription_items": [
            {
                "prescription_id": "S1",
                "item_code": "XA01",
                "item_name": "阿莫西林",
                "quantity": "2",
                "unit_price": "15.5",
                "trace_code": "",
            },
            {
                "prescription_id": "S2",
                "item_code": "XB02",
                "item_name": "胰岛素",
                "quantity": "1",
                "unit_price": "150",
                "trace_code": "81234567890123456789",
            },
            {
                "prescription_id": "S2",
                "item_code": "XB02",
                "item_name": "胰岛素",
                "quantity": "1",
                "unit_price": "150",
                "trace_code": "81234567890123456789",
            },
        ],
        "referrals": [
            {
                "referral_id": "R1",
                "participant_id": "P3",
                "from_institution_id": "C1",
                "from_doctor_id": "D2",
                "to_institution_id": "H1",
                "date": "2024-03-04",
            },
        ],
    }


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or (list(rows[0]) if rows else [])
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for row in rows:
            out.writerow([row.get(h, "") for h in header])
    return path


def write_dir(directory: Path, tables: Tables) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        header = None if rows else list(contract_tables()[name][0])  # empty: header only
        write_csv(directory / f"{name}.csv", rows, header)
    return directory


def by_id(rows: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(r for r in rows if r[key] == value)
