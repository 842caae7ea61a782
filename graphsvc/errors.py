"""One exception family, so the CLI and the API can map every failure to one answer.

The CLI turns a GraphsvcError into exit code 1 with its one-line message; the API
maps subclasses to HTTP statuses in a single handler (see graphsvc.api.app).
Messages must never carry personal data (names, ID numbers, phones): they end up
in logs and on screens of people who may not be entitled to see them.
"""

from __future__ import annotations

from dataclasses import dataclass


class GraphsvcError(Exception):
    """Base of every error graphsvc raises on purpose.

    ``text_key`` (a page text of graphsvc/locale, issue #13) and its ``{placeholders}``
    let the pages say the error in the reader's language; ``str()`` stays the English
    message the CLI, the logs and the JSON answers carry.
    """

    http_status = 500

    def __init__(self, *args: object, text_key: str | None = None, **text_params: object) -> None:
        super().__init__(*args)
        self.text_key = text_key
        self.text_params = text_params


@dataclass(frozen=True)
class Term:
    """A data word inside an error's page text (a case status, a role), said in the
    reader's language from the catalog key ``prefix.value`` (in ``context``, e.g. the
    report's); ``str()`` is the value itself, what the English message carries.

    >>> str(Term("user_role", "admin"))
    'admin'
    """

    prefix: str
    value: str
    context: str | None = None

    def __str__(self) -> str:
        return self.value


class ConfigError(GraphsvcError):
    """Settings are missing or contradictory."""

    http_status = 500


class StoreError(GraphsvcError):
    """The graph store failed or refused a query; the message is the store's own."""

    http_status = 502


class StoreUnavailable(StoreError):
    """The store cannot be reached or started."""

    http_status = 503


class QueryTimeout(StoreError):
    """A query ran past its time limit."""

    http_status = 504


class ReadOnlyViolation(StoreError):
    """A write was attempted through a read-only path."""

    http_status = 403


class QueryRejected(GraphsvcError):
    """A user-supplied query was refused before it reached the store."""

    http_status = 400


class InputError(GraphsvcError):
    """Input data cannot be used at all (unparseable file, bad mapping).

    Row-level problems are not errors: they become rejects with reasons.
    """

    http_status = 422


class UnknownLabel(InputError, ValueError):
    """A node label that ``graphsvc.model.LABELS`` does not list.

    Labels are pasted into query text (Cypher has no label parameters), so they must
    come from the model. Also a ValueError, so callers written against the older
    plain ValueError still catch it; the API answers it as an InputError, not a 500.
    """


class NotFound(GraphsvcError):
    """The requested entity, ring, case or query does not exist."""

    http_status = 404


class Conflict(GraphsvcError):
    """The request contradicts the current state (e.g. an illegal case transition)."""

    http_status = 409


class PermissionDenied(GraphsvcError):
    """The current user's role may not do this."""

    http_status = 403


class PasswordChangeRequired(PermissionDenied):
    """Logged in with a one-time password: only changing it is allowed (issue #19)."""


class AuthenticationRequired(GraphsvcError):
    """No valid credentials were presented."""

    http_status = 401
