"""The case service on the real embedded store: snapshots, workflow, history, visibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from case_fixtures import (
    RING_ID,
    RING_KEY,
    RUN_ID,
    liaison_accounts,
    transfer_case,
)

from graphsvc.cases import service
from graphsvc.cases.records import CaseMember
from graphsvc.errors import Conflict, InputError, NotFound, PermissionDenied
from graphsvc.store import Store

INV = service.Viewer("alice", "investigator")
SUP = service.Viewer("sue", "supervisor")


def test_create_from_ring_snapshots_members_reasons_run_and_params(ring_store: Store) -> None:
    case = service.create_from_ring(ring_store, RING_ID, actor="alice", assignee="bob")
    assert case.id == "C-000001" and case.status == "open"
    assert (case.run_id, case.ring_id, case.ring_key) == (RUN_ID, RING_ID, RING_KEY)
    assert {(m.kind, m.id, m.role) for m in case.members} == {
        ("participant", "P1", "recruiter"),
        ("participant", "P2", "patient"),
        ("participant", "P3", "patient"),
        ("doctor", "D1", "doctor"),
    }
    assert case.params == {"shared_identity": {"min_members": 3}}
    assert case.reasons[0].startswith("3 participants share phone")
    assert case.reasons_zh == [
        "3名参保人共用同一手机号码 13812345678",
        "结算3笔，统筹基金支付¥800.00",
    ]
    assert case.evidence[0]["type"] == "SHARED_IDENTIFIER"
    # Detection changes the ring afterwards: the case keeps what it saw.
    ring_store.query(
        "MATCH (g:Ring {id: $k}) SET g.reasons = ['changed'], g.score = 0.1",
        {"k": RING_KEY},
        write=True,
    )
    again = service.get_case(ring_store, case.id)
    assert again.reasons == case.reasons and again.score == 0.93
    assert again.reasons_zh == case.reasons_zh
    # Cypher sees the case, its members, its ring and its history.
    row = ring_store.query(
        "MATCH (c:Case {id: $id})-[r:CONCERNS]->(p:Participant {id: 'P1'}) "
        "MATCH (c)-[:FROM_RING]->(g:Ring) MATCH (c)-[:EVENT]->(e:CaseEvent) "
        "RETURN r.role, g.id, count(e)",
        {"id": case.id},
    ).rows
    assert row == [["recruiter", RING_KEY, 2]]


def test_ring_by_full_key_and_unknown_ring(ring_store: Store) -> None:
    assert service.create_from_ring(ring_store, RING_KEY, actor="a").ring_id == RING_ID
    with pytest.raises(NotFound):
        service.create_from_ring(ring_store, "nope", actor="a")


def test_case_numbers_count_up(ring_store: Store) -> None:
    ids = [service.create_from_ring(ring_store, RING_ID, actor="a").id for _ in range(3)]
    assert ids == ["C-000001", "C-000002", "C-000003"]


def test_manual_case_checks_entities_exist(ring_store: Store) -> None:
    case = service.create_from_entities(
        ring_store,
        [CaseMember("participant", "P4", "holder"), CaseMember("doctor", "D1", "")],
        actor="alice",
        title="family account",
        typology="family_sharing_abuse",
        clause="Hainan Art. 14",
    )
    assert case.source == "manual" and case.ring_key is None and case.member_count == 2
    with pytest.raises(NotFound, match="participant P9"):
        service.create_from_entities(
            ring_store, [CaseMember("participant", "P9", "")], actor="a", title="x"
        )
    with pytest.raises(InputError):
        service.create_from_entities(
            ring_store, [CaseMember("pharmacy", "I1", "")], actor="a", title="x"
        )


def test_workflow_history_and_conflicts(ring_store: Store) -> None:
    case = service.create_from_ring(ring_store, RING_ID, actor="alice")
    service.update_case(ring_store, case.id, actor=INV, status="in_review", assignee="alice")
    service.add_comment(ring_store, case.id, actor=INV, text="调取了结算单据")
    with pytest.raises(Conflict):
        service.update_case(ring_store, case.id, actor=INV, status="transferred")
    service.update_case(ring_store, case.id, actor=INV, status="confirmed")
    # Not in one click: a plain status change cannot transfer, nor name a liaison.
    with pytest.raises(Conflict, match="approved or sent back by a supervisor"):
        service.update_case(ring_store, case.id, actor=INV, status="transferred")
    with pytest.raises(InputError, match="transfer proposal"):
        service.update_case(ring_store, case.id, actor=INV, comment="x", liaison="police1")
    pending = service.propose_transfer(
        ring_store,
        case.id,
        actor=INV,
        liaison="police1",
        reason="达到移送标准",
        accounts=liaison_accounts,
    )
    assert (pending.status, pending.liaison, pending.transfer_liaison) == (
        "pending_transfer",
        None,
        "police1",
    )
    with pytest.raises(Conflict, match="not a plain status change"):
        service.update_case(ring_store, case.id, actor=INV, status="confirmed")
    done = service.approve_transfer(
        ring_store, case.id, actor=SUP, confirm=True, accounts=liaison_accounts
    )
    assert (done.status, done.liaison, done.transfer_approved_by) == (
        "transferred",
        "police1",
        "sue",
    )
    events = service.get_events(ring_store, case.id)
    assert [(e.actor, e.action, e.old, e.new) for e in events] == [
        ("alice", "created", None, "open"),
        ("alice", "assignee", None, "alice"),
        ("alice", "status", "open", "in_review"),
        ("alice", "comment", None, None),
        ("alice", "status", "in_review", "confirmed"),
        ("alice", "status", "confirmed", "pending_transfer"),
        ("alice", "transfer_proposed", None, "police1"),
        ("sue", "status", "pending_transfer", "transferred"),
        ("sue", "liaison", None, "police1"),
    ]
    assert events[3].text == "调取了结算单据" and events[6].text == "达到移送标准"
    assert [e.seq for e in events] == list(range(1, 10))
    with pytest.raises(Conflict):
        service.update_case(ring_store, case.id, actor=INV, status="open")


def _confirmed(store: Store) -> str:
    cid = service.create_from_ring(store, RING_ID, actor="alice").id
    for status in ("in_review", "confirmed"):
        service.update_case(store, cid, actor=INV, status=status)
    return cid


@pytest.mark.parametrize(
    ("liaison", "words"),
    [
        ("nosuchliaison", "no user 'nosuchliaison'"),
        ("ann", "role analyst, not liaison"),
        ("gone", "is disabled"),
        ("", "needs the liaison"),
    ],
)
def test_transfer_to_a_missing_disabled_or_wrong_account_is_refused(
    ring_store: Store, liaison: str, words: str
) -> None:
    cid = _confirmed(ring_store)
    with pytest.raises(InputError, match=words):
        service.propose_transfer(
            ring_store, cid, actor=INV, liaison=liaison, reason="r", accounts=liaison_accounts
        )
    assert service.get_case(ring_store, cid).status == "confirmed"


def test_transfer_needs_a_reason_and_a_second_confirming_supervisor(ring_store: Store) -> None:
    cid = _confirmed(ring_store)
    with pytest.raises(InputError, match="reason"):
        service.propose_transfer(
            ring_store, cid, actor=INV, liaison="police1", reason=" ", accounts=liaison_accounts
        )
    for role in ("analyst", "supervisor", "liaison", "admin"):
        with pytest.raises(PermissionDenied):
            service.propose_transfer(
                ring_store,
                cid,
                actor=service.Viewer("x", role),
                liaison="police1",
                reason="r",
                accounts=liaison_accounts,
            )
    with pytest.raises(Conflict):  # nothing proposed yet
        service.approve_transfer(
            ring_store, cid, actor=SUP, confirm=True, accounts=liaison_accounts
        )
    service.propose_transfer(
        ring_store, cid, actor=INV, liaison="police1", reason="r", accounts=liaison_accounts
    )
    for actor in (INV, service.Viewer("bob", "investigator"), service.Viewer("ann", "analyst")):
        with pytest.raises(PermissionDenied):
            service.approve_transfer(
                ring_store, cid, actor=actor, confirm=True, accounts=liaison_accounts
            )
    # A supervisor account held by the proposer's name is still the proposer.
    with pytest.raises(InputError, match="second officer"):
        service.approve_transfer(
            ring_store,
            cid,
            actor=service.Viewer("alice", "supervisor"),
            confirm=True,
            accounts=liaison_accounts,
        )
    with pytest.raises(InputError, match="confirm"):
        service.approve_transfer(
            ring_store, cid, actor=SUP, confirm=False, accounts=liaison_accounts
        )
    assert service.get_case(ring_store, cid).status == "pending_transfer"
    # The liaison disabled meanwhile: the approval checks again.
    with pytest.raises(InputError, match="disabled"):
        service.approve_transfer(
            ring_store,
            cid,
            actor=SUP,
            confirm=True,
            accounts=lambda n: ("liaison", True),
        )
    back = service.reject_transfer(ring_store, cid, actor=SUP, reason="证据不足")
    assert (back.status, back.transfer_liaison, back.transfer_proposed_by) == (
        "confirmed",
        None,
        None,
    )
    assert service.get_events(ring_store, cid)[-1].text == "证据不足"


def test_dismissed_case_cannot_be_transferred(ring_store: Store) -> None:
    case = service.create_from_ring(ring_store, RING_ID, actor="alice")
    service.update_case(ring_store, case.id, actor=INV, status="dismissed")
    with pytest.raises(Conflict, match="dismissed case cannot be transferred"):
        service.update_case(ring_store, case.id, actor=INV, status="transferred")
    with pytest.raises(Conflict, match="dismissed case cannot be moved to pending_transfer"):
        service.propose_transfer(
            ring_store, case.id, actor=INV, liaison="police1", reason="r", accounts=liaison_accounts
        )
    assert service.get_case(ring_store, case.id).status == "dismissed"
    assert len(service.get_events(ring_store, case.id)) == 2


def test_stale_version_is_a_conflict(ring_store: Store) -> None:
    case = service.create_from_ring(ring_store, RING_ID, actor="alice")
    service.update_case(
        ring_store, case.id, actor=INV, assignee="bob", expected_version=case.version
    )
    with pytest.raises(Conflict, match="changed meanwhile"):
        service.update_case(
            ring_store, case.id, actor=INV, assignee="carol", expected_version=case.version
        )


def test_only_investigators_change_cases(ring_store: Store) -> None:
    case = service.create_from_ring(ring_store, RING_ID, actor="alice")
    changed = service.update_case(
        ring_store, case.id, actor=INV, comment="checked the pharmacy ledger"
    )
    assert changed.version > case.version
    for role in ("analyst", "supervisor", "liaison", "admin"):
        with pytest.raises(PermissionDenied):
            service.update_case(ring_store, case.id, actor=service.Viewer("x", role), comment="hi")


def test_liaison_sees_only_cases_transferred_to_them(ring_store: Store) -> None:
    mine = service.create_from_ring(ring_store, RING_ID, actor="alice")
    other = service.create_from_ring(ring_store, RING_ID, actor="alice")
    service.create_from_ring(ring_store, RING_ID, actor="alice")
    for cid, liaison in ((mine.id, "police1"), (other.id, "police2")):
        for status in ("in_review", "confirmed"):
            service.update_case(ring_store, cid, actor=INV, status=status)
        transfer_case(ring_store, cid, liaison)
    police1 = service.Viewer("police1", "liaison")
    rows, total = service.list_cases(ring_store, viewer=police1)
    assert (total, [r["id"] for r in rows]) == (1, [mine.id])
    assert service.list_cases(ring_store, viewer=police1, status="open") == ([], 0)
    assert service.get_case(ring_store, mine.id, police1).liaison == "police1"
    with pytest.raises(NotFound):
        service.get_case(ring_store, other.id, police1)
    rows, total = service.list_cases(ring_store, viewer=service.Viewer("a", "analyst"))
    assert total == 3 and [r["id"] for r in rows] == ["C-000003", "C-000002", "C-000001"]


def test_case_survives_a_new_store_connection(ring_store: Store, settings: object) -> None:
    from graphsvc.store import open_store

    case = service.create_from_ring(ring_store, RING_ID, actor="alice")
    with open_store(settings, start=False) as other:
        again = service.get_case(other, case.id)
    assert again.members == case.members
    assert json.loads(json.dumps(again.to_json()))["id"] == case.id


def test_open_case_is_the_one_audited_way_to_open_a_case(ring_store: Store, tmp_path: Path) -> None:
    """API, pages and CLI open cases through open_case: it checks the request and
    writes one audit record, a refusal included (the CLI's recorder, a real log)."""
    from graphsvc.audit import AuditLog
    from graphsvc.commands.case import CliAudit

    log = AuditLog(tmp_path / "audit", "k" * 32)
    audit = CliAudit(log, "alice", "investigator")
    case = service.open_case(
        ring_store, service.CaseRequest(ring_id=RING_ID), actor="alice", audit=audit, via="cli"
    )
    refused = [
        service.CaseRequest(),
        service.CaseRequest(ring_id=RING_ID, members=[CaseMember("participant", "P1", "")]),
        service.CaseRequest(ring_id="no-such-ring"),
    ]
    for request in refused:
        with pytest.raises((InputError, NotFound)):
            service.open_case(ring_store, request, actor="alice", audit=audit, via="page")
    records = [
        (r["user"], r["action"], r["target"], r["outcome"], r["rows"], r["detail"])
        for r in log.records()
    ]
    assert records == [
        (
            "alice",
            "case.create",
            case.id,
            "ok",
            4,
            {"ring": RING_KEY, "source": "ring", "via": "cli"},
        ),
        ("alice", "case.create", "manual", "InputError", None, {"via": "page"}),
        ("alice", "case.create", RING_ID, "InputError", None, {"via": "page"}),
        ("alice", "case.create", "no-such-ring", "NotFound", None, {"via": "page"}),
    ]
    assert [c["id"] for c in service.list_cases(ring_store)[0]] == [case.id]
