"""The case state machine and who may move a case, in pure code.

Why a table and not scattered ifs: the API, the CLI and the pages all change
cases, and the rules (only a confirmed case leaves for public security; a
dismissed one never does) must be the same everywhere and testable alone.

>>> check_transition("open", "in_review")
>>> check_transition("dismissed", "transferred")
Traceback (most recent call last):
...
graphsvc.errors.Conflict: a dismissed case cannot be transferred (allowed from dismissed: open)
>>> allowed_next("in_review")
('confirmed', 'dismissed', 'open')

A transfer takes two officers (Hainan measures Art. 29): an investigator proposes
it (``pending_transfer``, naming the liaison and the reason), a supervisor who is
not the proposer approves it (``transferred``) or sends it back (``confirmed``).
The two steps are separate functions of the service; a plain status change can
reach neither.
"""

from __future__ import annotations

from typing import Any, Final

from graphsvc.errors import Conflict, InputError, PermissionDenied, Term
from graphsvc.locale import REPORT as REPORT_CONTEXT
from graphsvc.security.roles import CASES, INVESTIGATOR, LIAISON, SUPERVISOR, Role

OPEN: Final = "open"
IN_REVIEW: Final = "in_review"
CONFIRMED: Final = "confirmed"
PENDING_TRANSFER: Final = "pending_transfer"
DISMISSED: Final = "dismissed"
TRANSFERRED: Final = "transferred"

STATUSES: tuple[str, ...] = (OPEN, IN_REVIEW, CONFIRMED, PENDING_TRANSFER, DISMISSED, TRANSFERRED)
# Reached only through propose_transfer / approve_transfer / reject_transfer (service).
TRANSFER_STEPS: frozenset[str] = frozenset({PENDING_TRANSFER, TRANSFERRED})

# Status -> statuses it may move to. Back-steps exist for honest mistakes (a review
# sent back, a dismissal reopened); nothing leaves ``transferred``: the package is
# with public security, a correction is a new case.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OPEN: (IN_REVIEW, DISMISSED),
    IN_REVIEW: (CONFIRMED, DISMISSED, OPEN),
    CONFIRMED: (PENDING_TRANSFER, IN_REVIEW),
    PENDING_TRANSFER: (TRANSFERRED, CONFIRMED),
    DISMISSED: (OPEN,),
    TRANSFERRED: (),
}

# Roles (graphsvc.security.roles) and what they may do with cases. Admins are not
# here on purpose (separation of duties, see graphsvc.security.roles). Analysts read
# and query, they do not work cases nor take packages out; investigators work cases
# and propose transfers; supervisors approve (or send back) transfers, which is what
# lets a package leave unmasked, to the liaison named (issue #14).
EDITOR_ROLES: tuple[Role, ...] = (INVESTIGATOR,)
PROPOSER_ROLES: tuple[Role, ...] = (INVESTIGATOR,)
APPROVER_ROLES: tuple[Role, ...] = (SUPERVISOR,)
READER_ROLES: tuple[Role, ...] = (*CASES, SUPERVISOR)
EXPORT_ROLES: tuple[Role, ...] = (INVESTIGATOR, SUPERVISOR, LIAISON)
MAX_REASON = 2_000


class TransferRefused(InputError):
    """A transfer step refused, with a text key so pages can say why in the reader's
    language (``graphsvc.cases.texts``, ``err.*``); ``str()`` is the English text."""

    def __init__(self, key: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


def check_liaison(name: str, found: tuple[str, bool] | None) -> None:
    """``found`` is the account's (role, disabled), None when there is no such user.

    >>> for found in (None, ("analyst", False), ("liaison", True)):
    ...     try:
    ...         check_liaison("p9", found)
    ...     except TransferRefused as exc:
    ...         print(exc.key)
    err.unknown_user
    err.not_liaison
    err.disabled_user
    >>> check_liaison("police1", ("liaison", False))
    """
    if not name:
        raise TransferRefused("err.no_liaison", "a transfer needs the liaison it goes to")
    if found is None:
        raise TransferRefused(
            "err.unknown_user",
            f"no user {name!r}: a case is transferred to an existing liaison account",
            name=name,
        )
    role, disabled = found
    if role != LIAISON:
        raise TransferRefused(
            "err.not_liaison",
            f"user {name!r} has the role {role}, not liaison: "
            "a case is transferred to a liaison account",
            name=name,
            role=role,
        )
    if disabled:
        raise TransferRefused(
            "err.disabled_user",
            f"user {name!r} is disabled: a case is transferred to an active liaison account",
            name=name,
        )


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise TransferRefused("err.no_reason", "a transfer proposal needs a reason")
    if len(text) > MAX_REASON:
        raise InputError(
            f"reason longer than {MAX_REASON} characters", text_key="err.too_long", n=MAX_REASON
        )
    return text


def check_approver(approver: str, role: str, proposer: str | None, confirm: bool) -> None:
    """A second officer, with the supervisor role, who confirmed what they approve.

    >>> check_approver("sue", "supervisor", "alice", True)
    >>> try:
    ...     check_approver("sue", "supervisor", "sue", True)
    ... except TransferRefused as exc:
    ...     print(exc.key)
    err.self_approval
    """
    require_role(role, APPROVER_ROLES, "approve transfers")
    if proposer is not None and approver == proposer:
        raise TransferRefused(
            "err.self_approval",
            "the proposer of a transfer cannot approve it: a second officer must (Hainan Art. 29)",
        )
    if not confirm:
        raise TransferRefused(
            "err.not_confirmed",
            "confirm the transfer (confirm: true) after checking the case, liaison and reason",
        )


def check_status(status: str) -> None:
    if status not in STATUSES:
        raise InputError(
            f"unknown case status {status!r} (one of: {', '.join(STATUSES)})",
            text_key="err.bad_case_status",
            status=status[:40],
        )


def allowed_next(status: str) -> tuple[str, ...]:
    return tuple(sorted(TRANSITIONS.get(status, ())))


def check_transition(current: str, new: str) -> None:
    """Raise Conflict unless ``current -> new`` is a step of the workflow."""
    check_status(new)
    if new == current:
        raise Conflict(
            f"the case is already {current}",
            text_key="err.case_already",
            status=Term("status", current, REPORT_CONTEXT),
        )
    if new not in TRANSITIONS.get(current, ()):
        nxt = ", ".join(allowed_next(current)) or "none"
        verb = "transferred" if new == TRANSFERRED else f"moved to {new}"
        raise Conflict(
            f"a {current} case cannot be {verb} (allowed from {current}: {nxt})",
            text_key="err.case_transition",
            current=Term("status", current, REPORT_CONTEXT),
            new=Term("status", new, REPORT_CONTEXT),
        )


def can_see(role: str, username: str, status: str, liaison: str | None) -> bool:
    """Liaisons see only the cases transferred to them; other readers see every case.

    >>> can_see("liaison", "police1", "transferred", "police1")
    True
    >>> can_see("liaison", "police1", "confirmed", "police1")
    False
    >>> can_see("analyst", "a", "open", None)
    True
    """
    if role == LIAISON:
        return status == TRANSFERRED and liaison == username
    return role in READER_ROLES


def require_role(role: str, allowed: tuple[Role, ...], action: str) -> None:
    if role not in allowed:
        raise PermissionDenied(
            f"role {role!r} may not {action}",
            text_key="err.role_may_not",
            role=Term("user_role", role),
        )


def masked_export(status: str, role: str) -> bool:
    """Only a transferred case leaves with personal data in clear, and only to its
    liaison (Hainan Art. 31-32: personal data go only to those entitled to them; public
    security is, once a supervisor approved the transfer). Every other export is for
    internal review and masked, whoever asks; an analyst gets no package at all.

    >>> masked_export("transferred", "liaison"), masked_export("transferred", "investigator")
    (False, True)
    """
    return not (status == TRANSFERRED and role == LIAISON)
