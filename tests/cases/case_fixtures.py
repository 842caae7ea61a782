"""Data and fixtures of the case tests: a small hand-made ring, enough for a whole package.

Three participants share a phone; two of them visited the same clinic with the
same doctor; one pays from a family member's account; a referral; a detection
run with the ring. Written with parameters, as detection and the loader would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graphsvc.config import Settings
from graphsvc.store import Store

RUN_ID = "run-test-1"
RING_ID = "abc123ring"
RING_KEY = f"{RUN_ID}:{RING_ID}"
# A fixed signing key: deterministic packages in tests.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PARTICIPANTS = [
    {
        "id": "P1",
        "name": "张三",
        "id_number": "46010019900101123X",
        "gender": "M",
        "birth_date": "1990-01-01",
        "region_code": "460100",
    },
    {
        "id": "P2",
        "name": "李四",
        "id_number": "460100198505052345",
        "gender": "F",
        "birth_date": "1985-05-05",
        "region_code": "460100",
    },
    {
        "id": "P3",
        "name": "王五",
        "id_number": "460100197003033456",
        "gender": "M",
        "birth_date": "1970-03-03",
        "region_code": "460100",
    },
    {
        "id": "P4",
        "name": "赵六",
        "id_number": "460100196001014567",
        "gender": "F",
        "birth_date": "1960-01-01",
        "region_code": "460100",
    },
]
SETTLEMENTS = [
    # id, patient, institution, doctor, date, total, fund, holder, account_paid
    ("S1", "P1", "I1", "D1", "2025-03-01", 500.0, 400.0, None, 0.0),
    ("S2", "P2", "I1", "D1", "2025-03-01", 300.0, 240.0, None, 0.0),
    ("S3", "P3", "I1", "D1", "2025-03-02", 200.0, 160.0, "P4", 40.0),
    ("S4", "P1", "I2", None, "2025-03-05", 100.0, 0.0, None, 0.0),
    ("S5", "P1", "I1", "D1", "2024-01-01", 999.0, 900.0, None, 0.0),  # outside the period
]
EVIDENCE = [
    {
        "source": {"kind": "participant", "id": "P1"},
        "target": {"kind": "participant", "id": "P2"},
        "type": "SHARED_IDENTIFIER",
        "weight": 3.5,
        "detail": "phone 13812345678",
    },
]


def seed_ring(store: Store) -> None:
    q = store.query
    store.ensure_schema()
    q("UNWIND $rows AS r CREATE (p:Participant) SET p = r", {"rows": PARTICIPANTS}, write=True)
    q(
        "CREATE (:Institution {id: 'I1', name: '海口某诊所', kind: 'clinic', level: 1, "
        "region_code: '460100'}), (:Institution {id: 'I2', name: 'City Pharmacy', "
        "kind: 'pharmacy', level: 0, region_code: '460100'})",
        write=True,
    )
    q(
        "MATCH (i:Institution {id: 'I1'}) CREATE (d:Doctor {id: 'D1', name: '钱医生', "
        "department: 'internal'})-[:WORKS_AT]->(i)",
        write=True,
    )
    rows = [
        dict(zip(("id", "p", "i", "d", "date", "total", "fund", "h", "acct"), s, strict=True))
        for s in SETTLEMENTS
    ]
    q(
        "UNWIND $rows AS r MATCH (p:Participant {id: r.p}) MATCH (i:Institution {id: r.i}) "
        "CREATE (s:Prescription {id: r.id, date: r.date, visit_type: 'outpatient', "
        "diagnosis_code: 'J06.9', total_amount: r.total, fund_paid: r.fund, account_paid: r.acct}) "
        "CREATE (s)-[:PATIENT]->(p) CREATE (s)-[:AT]->(i)",
        {"rows": rows},
        write=True,
    )
    q(
        "UNWIND $rows AS r MATCH (s:Prescription {id: r.id}) MATCH (d:Doctor {id: r.d}) "
        "CREATE (s)-[:PRESCRIBED_BY]->(d)",
        {"rows": [r for r in rows if r["d"]]},
        write=True,
    )
    q(
        "UNWIND $rows AS r MATCH (s:Prescription {id: r.id}) MATCH (h:Participant {id: r.h}) "
        "CREATE (s)-[:PAID_BY_ACCOUNT {amount: r.acct}]->(h)",
        {"rows": [r for r in rows if r["h"]]},
        write=True,
    )
    q(
        "MATCH (s:Prescription {id: 'S1'}) CREATE (s)-[:CONTAINS {line_id: 1, quantity: 2.0, "
        "unit_price: 50.0, trace_code: 'T-1'}]->(:Item {id: 'X001', name: '阿莫西林胶囊'})",
        write=True,
    )
    q(
        "MATCH (s:Prescription {id: 'S2'}) MATCH (it:Item {id: 'X001'}) CREATE (s)-[:CONTAINS "
        "{line_id: 1, quantity: 1.0, unit_price: 50.0, trace_code: 'T-1'}]->(it)",
        write=True,
    )
    q(
        "CREATE (x:Identifier {id: 'phone:13812345678', kind: 'phone', value: '13812345678'}) "
        "WITH x UNWIND ['P1', 'P2', 'P3'] AS pid MATCH (p:Participant {id: pid}) "
        "CREATE (p)-[:HAS_IDENTIFIER]->(x)",
        write=True,
    )
    q(
        "MATCH (h:Participant {id: 'P4'}), (m:Participant {id: 'P3'}) "
        "CREATE (h)-[:SHARES_ACCOUNT {relation: 'parent', since: '2020-01-01'}]->(m)",
        write=True,
    )
    q(
        "MATCH (p:Participant {id: 'P2'}), (f:Institution {id: 'I1'}), (t:Institution {id: 'I2'}), "
        "(d:Doctor {id: 'D1'}) CREATE (r:Referral {id: 'R1', date: '2025-03-03'}) "
        "CREATE (r)-[:REFERS]->(p) CREATE (r)-[:REFERRED_FROM]->(f) CREATE (r)-[:REFERRED_TO]->(t) "
        "CREATE (r)-[:REFERRED_BY]->(d)",
        write=True,
    )
    ring = {
        "id": RING_KEY,
        "ring_id": RING_ID,
        "run_id": RUN_ID,
        "typology": "shared_identity",
        "score": 0.93,
        "amount_at_risk": 800.0,
        "reasons": ["3 participants share phone 13812345678", "fund paid ¥800.00 in 3 settlements"],
        "reasons_zh": ["3名参保人共用同一手机号码 13812345678", "结算3笔，统筹基金支付¥800.00"],
        "clause": "Hainan Art. 11; Art. 24(1)(2)",
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "region_code": "460100",
        "member_count": 4,
        "created_at": "2025-04-01T00:00:00Z",
        "evidence_json": json.dumps(EVIDENCE),
        "params_json": json.dumps({"shared_identity": {"min_members": 3}}),
    }
    q(
        "CREATE (run:DetectionRun {id: $run, current: true, ring_count: 1, "
        "params_json: '{\"seed\": 1}'}) CREATE (g:Ring) SET g = $ring CREATE (g)-[:IN_RUN]->(run)",
        {"run": RUN_ID, "ring": ring},
        write=True,
    )
    q(
        "MATCH (g:Ring {id: $key}) UNWIND $m AS m MATCH (n {id: m.id}) WHERE n:Participant "
        "OR n:Doctor CREATE (g)-[:HAS_MEMBER {role: m.role}]->(n)",
        {
            "key": RING_KEY,
            "m": [
                {"id": "P1", "role": "recruiter"},
                {"id": "P2", "role": "patient"},
                {"id": "P3", "role": "patient"},
                {"id": "D1", "role": "doctor"},
            ],
        },
        write=True,
    )


def rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """The same package with entries replaced (bytes), removed (None) or added."""
    from graphsvc.cases import manifest as mf

    files = mf.read_zip(data)
    for path, content in change.items():
        if content is None:
            files.pop(path)
        else:
            files[path] = content
    return mf.write_zip(files)


def run_cli(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    """``graphsvc ARGS`` in a subprocess on the settings' data dir and graph."""
    env = dict(os.environ)
    env["GRAPHSVC_DATA_DIR"] = str(settings.data_dir)
    env["GRAPHSVC_GRAPH_NAME"] = settings.graph_name
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "graphsvc.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def liaison_accounts(name: str) -> tuple[str, bool] | None:
    """Accounts for service-level transfer tests: every ``police*`` name is an active
    liaison, ``ann`` an analyst, ``gone`` a disabled liaison, anything else unknown.
    (The API tests use the real user database.)"""
    if name.startswith("police"):
        return ("liaison", False)
    return {"ann": ("analyst", False), "gone": ("liaison", True)}.get(name)


def transfer_case(store: Store, case_id: str, liaison: str = "police1") -> None:
    """Propose (investigator alice) and approve (supervisor sue): the two officers."""
    from graphsvc.cases import service

    service.propose_transfer(
        store,
        case_id,
        actor=service.Viewer("alice", "investigator"),
        liaison=liaison,
        reason="涉嫌诈骗，达到移送标准",
        accounts=liaison_accounts,
    )
    service.approve_transfer(
        store,
        case_id,
        actor=service.Viewer("sue", "supervisor"),
        confirm=True,
        accounts=liaison_accounts,
    )
