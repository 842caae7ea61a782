"""The case state machine: every pair of statuses against the table, and visibility."""

from __future__ import annotations

import itertools

import pytest

from graphsvc.cases import workflow
from graphsvc.errors import Conflict, InputError

LEGAL = {
    ("open", "in_review"),
    ("open", "dismissed"),
    ("in_review", "confirmed"),
    ("in_review", "dismissed"),
    ("in_review", "open"),
    ("confirmed", "transferred"),
    ("confirmed", "in_review"),
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


def test_only_confirmed_reaches_transferred_and_nothing_leaves_it() -> None:
    assert [s for s in workflow.STATUSES if "transferred" in workflow.TRANSITIONS[s]] == [
        "confirmed"
    ]
    assert workflow.allowed_next("transferred") == ()


def test_unknown_status_is_an_input_error() -> None:
    with pytest.raises(InputError):
        workflow.check_transition("open", "closed")


def test_transfer_needs_a_liaison() -> None:
    with pytest.raises(InputError, match="liaison"):
        workflow.check_transfer_fields("transferred", None)
    workflow.check_transfer_fields("transferred", "police1")
    workflow.check_transfer_fields("confirmed", None)


def test_liaison_sees_only_cases_transferred_to_them() -> None:
    assert workflow.can_see("liaison", "p1", "transferred", "p1")
    assert not workflow.can_see("liaison", "p1", "transferred", "p2")
    for status in ("open", "in_review", "confirmed", "dismissed"):
        assert not workflow.can_see("liaison", "p1", status, "p1")
    assert workflow.can_see("investigator", "i", "open", None)
    assert not workflow.can_see("admin", "a", "open", None)


def test_only_transferred_exports_are_unmasked() -> None:
    assert [s for s in workflow.STATUSES if not workflow.masked_export(s)] == ["transferred"]
