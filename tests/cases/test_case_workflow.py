"""The case state machine: every pair of statuses against the table, and visibility."""

from __future__ import annotations

import itertools

import pytest

from graphsvc.cases import workflow
from graphsvc.errors import Conflict, InputError, PermissionDenied

LEGAL = {
    ("open", "in_review"),
    ("open", "dismissed"),
    ("in_review", "confirmed"),
    ("in_review", "dismissed"),
    ("in_review", "open"),
    ("confirmed", "pending_transfer"),
    ("confirmed", "in_review"),
    ("pending_transfer", "transferred"),
    ("pending_transfer", "confirmed"),
    ("dismissed", "open"),
}


@pytest.mark.parametrize(("old", "new"), list(itertools.product(workflow.STATUSES, repeat=2)))
def test_every_transition_is_allowed_or_refused_with_conflict(old: str, new: str) -> None:
    if (old, new) in LEGAL:
        workflow.check_transition(old, new)
    else:
        with pytest.raises(Conflict):
            workflow.check_transition(old, new)


def test_dismissed_case_cannot_be_transferred_and_says_why() -> None:
    with pytest.raises(Conflict, match="dismissed case cannot be transferred"):
        workflow.check_transition("dismissed", "transferred")


def test_only_a_proposed_transfer_reaches_transferred_and_nothing_leaves_it() -> None:
    assert [s for s in workflow.STATUSES if "transferred" in workflow.TRANSITIONS[s]] == [
        "pending_transfer"
    ]
    assert [s for s in workflow.STATUSES if "pending_transfer" in workflow.TRANSITIONS[s]] == [
        "confirmed"
    ]
    assert workflow.allowed_next("transferred") == ()


def test_unknown_status_is_an_input_error() -> None:
    with pytest.raises(InputError):
        workflow.check_transition("open", "closed")


@pytest.mark.parametrize(
    ("found", "key", "words"),
    [
        (None, "err.unknown_user", "no user 'p9'"),
        (("analyst", False), "err.not_liaison", "has the role analyst, not liaison"),
        (("supervisor", False), "err.not_liaison", "has the role supervisor"),
        (("liaison", True), "err.disabled_user", "is disabled"),
    ],
)
def test_transfer_goes_to_an_active_liaison_and_says_what_is_wrong(
    found: tuple[str, bool] | None, key: str, words: str
) -> None:
    with pytest.raises(workflow.TransferRefused, match=words) as info:
        workflow.check_liaison("p9", found)
    assert info.value.key == key and info.value.params["name"] == "p9"
    workflow.check_liaison("p9", ("liaison", False))


def test_transfer_needs_a_liaison_and_a_reason() -> None:
    with pytest.raises(InputError, match="liaison"):
        workflow.check_liaison("", None)
    with pytest.raises(workflow.TransferRefused, match="reason"):
        workflow.check_reason("   ")
    assert workflow.check_reason(" 达到移送标准 ") == "达到移送标准"


def test_approval_is_a_second_confirming_supervisor() -> None:
    workflow.check_approver("sue", "supervisor", "alice", True)
    with pytest.raises(workflow.TransferRefused, match="second officer"):
        workflow.check_approver("alice", "supervisor", "alice", True)
    with pytest.raises(workflow.TransferRefused, match="confirm"):
        workflow.check_approver("sue", "supervisor", "alice", False)
    for role in ("investigator", "analyst", "liaison", "admin"):
        with pytest.raises(PermissionDenied):
            workflow.check_approver("sue", role, "alice", True)


def test_liaison_sees_only_cases_transferred_to_them() -> None:
    assert workflow.can_see("liaison", "p1", "transferred", "p1")
    assert not workflow.can_see("liaison", "p1", "transferred", "p2")
    for status in ("open", "in_review", "confirmed", "dismissed"):
        assert not workflow.can_see("liaison", "p1", status, "p1")
    assert workflow.can_see("investigator", "i", "open", None)
    assert not workflow.can_see("admin", "a", "open", None)


def test_only_the_liaisons_export_of_a_transferred_case_is_unmasked() -> None:
    clear = [
        (s, r)
        for s in workflow.STATUSES
        for r in ("investigator", "analyst", "liaison", "supervisor", "admin")
        if not workflow.masked_export(s, r)
    ]
    assert clear == [("transferred", "liaison")]
    assert "analyst" not in workflow.EXPORT_ROLES
