"""Cost guards (issue #19): refuse before running what no timeout stops in time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphsvc.cypher_guard.tokens import Token, _refuse

# Most list elements the literal range() calls of one query may produce together
# (nested UNWINDs multiply). ``UNWIND range(1,100000000)`` ran 15 s past the timeout
# and left the store 2.6 GB bigger; 100,000 is far above any ring or row cap.
RANGE_CAP = 100_000

_CLAUSE_WORDS = frozenset(
    {"MATCH", "OPTIONAL", "WHERE", "RETURN", "WITH", "UNWIND", "CALL", "ORDER", "SKIP"}
    | {"LIMIT", "UNION", "YIELD"}
)


def _literal(tokens: list[Token], i: int) -> tuple[float | None, int]:
    """A (signed) number literal at ``i`` and the index after it, else (None, i)."""
    sign = 1.0
    if i < len(tokens) and tokens[i].text in ("-", "+") and tokens[i].kind == "punct":
        sign, i = (-1.0 if tokens[i].text == "-" else 1.0), i + 1
    if i < len(tokens) and tokens[i].kind == "number":
        try:
            return sign * float(tokens[i].text), i + 1
        except ValueError:
            return None, i
    return None, i


# Parameter-bound range() calls: the store builds the whole list before any LIMIT, so
# ``range(1, $n)`` with n = 1e10 took the store down even under its query-memory cap
# (issue #19); lists up to this size are cheap with the row cap applied in the store
# (3,000,000 rows in 0.45 s, no memory growth, docs/benchmarks.md).
PARAM_RANGE_CAP = 10_000_000

_UNKNOWN = object()  # a bound known only to be bounded by data (size(...))


def _bound(tokens: list[Token], i: int, params: Mapping[str, Any] | None) -> tuple[Any, str, int]:
    """One range() argument at ``i``: (value, source, index after it).

    Sources: ``literal``, ``param`` (its value, or None when not given), ``size``
    (``size(...)`` optionally +/- a literal: bounded by a list that exists), else
    ``computed`` (an expression the guard cannot bound, e.g. ``n * n``).
    """
    value, j = _literal(tokens, i)
    if value is not None:
        return value, "literal", j
    if i < len(tokens) and tokens[i].kind == "param":
        raw = None if params is None else params.get(tokens[i].text)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw), "param", i + 1
        return None, "param", i + 1
    if i + 1 < len(tokens) and tokens[i].upper == "SIZE" and tokens[i + 1].text == "(":
        depth, j = 0, i + 1
        while j < len(tokens):
            depth += {"(": 1, ")": -1}.get(tokens[j].text, 0)
            j += 1
            if depth == 0:
                break
        if j < len(tokens) and tokens[j].text in ("+", "-"):
            _, j = _literal(tokens, j + 1)
        return _UNKNOWN, "size", j
    return None, "computed", i


def _check_ranges(tokens: list[Token], params: Mapping[str, Any] | None = None) -> None:
    """Refuse ``range(a, b[, step])`` calls producing more than RANGE_CAP elements
    (PARAM_RANGE_CAP when a bound is a parameter), and bounds no guard can bound.

    >>> from graphsvc.cypher_guard.tokens import tokenize
    >>> _check_ranges(tokenize("UNWIND range(1, 1000) AS x RETURN x"))
    >>> _check_ranges(tokenize("UNWIND range(1,100000000) AS x RETURN count(x)"))
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: range() would produce 100,000,000 values (cap 100,000)
    >>> _check_ranges(tokenize("WITH [1,2] AS l UNWIND range(0, size(l) - 1) AS i RETURN i"))
    >>> q = "MATCH (a) WITH count(a) AS n UNWIND range(1, n*n) AS x RETURN x"
    >>> _check_ranges(tokenize(q))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: range() with a computed bound: ...
    >>> q = "UNWIND range(1, $n) AS x RETURN x"
    >>> _check_ranges(tokenize(q), {"n": 10**10})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: range() would produce 10,000,000,000 values ...
    """
    total = 1.0
    for i, tok in enumerate(tokens[:-1]):
        if tok.kind != "ident" or tok.text.lower() != "range" or tokens[i + 1].text != "(":
            continue
        if i and tokens[i - 1].text == ".":
            continue  # a property called range
        a, src_a, j = _bound(tokens, i + 2, params)
        if j < len(tokens) and tokens[j].text == ",":
            b, src_b, j = _bound(tokens, j + 1, params)
        else:
            b, src_b = None, "computed"
        if "computed" in (src_a, src_b) or j >= len(tokens) or tokens[j].text not in (",", ")"):
            raise _refuse(
                "range() with a computed bound: use a number, a $parameter or size(list)",
                "range_bound",
            )
        step = 1.0
        if tokens[j].text == ",":
            given, _ = _literal(tokens, j + 1)
            if given is None:
                continue
            if given == 0:
                raise _refuse("range() with step 0", "range_step")
            step = given
        if not isinstance(a, float) or not isinstance(b, float):
            continue  # bounded by data (size) or a parameter not given
        cap = PARAM_RANGE_CAP if "param" in (src_a, src_b) else RANGE_CAP
        size = max(0.0, (b - a) / step + 1)
        total *= max(size, 1.0)
        if total > cap:
            what = "range() would produce" if size > cap else "nested range() calls produce"
            raise _refuse(
                f"{what} {total:,.0f} values (cap {cap:,})",
                "range_size",
                total=f"{total:,.0f}",
                cap=f"{cap:,}",
            )


def _patterns(tokens: list[Token]) -> list[list[Token]]:
    """The comma-separated pattern parts of every MATCH clause."""
    parts: list[list[Token]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != "ident" or tok.upper != "MATCH":
            i += 1
            continue
        i += 1
        depth, current = 0, list[Token]()
        while i < len(tokens):
            t = tokens[i]
            if depth == 0 and t.kind == "ident" and t.upper in _CLAUSE_WORDS:
                break
            if t.text in ("(", "[", "{"):
                depth += 1
            elif t.text in (")", "]", "}"):
                depth -= 1
            if depth == 0 and t.text == ",":
                parts.append(current)
                current = []
            else:
                current.append(t)
            i += 1
        if current:
            parts.append(current)
    return parts


def _variables(part: list[Token]) -> set[str]:
    """Names bound in a pattern part: ``(a:L)``, ``[r:T]``, ``p = (...)``."""
    names: set[str] = set()
    for k, t in enumerate(part[:-1]):
        nxt = part[k + 1]
        if t.text in ("(", "[") and nxt.kind in ("ident", "bident"):
            names.add(nxt.text)
        if t.kind in ("ident", "bident") and nxt.text == "=" and k == 0:
            names.add(t.text)
    return names


def _check_cartesian(tokens: list[Token]) -> None:
    """Refuse MATCH patterns forming two or more disconnected, unanchored groups.

    Why: ``MATCH (a),(b),(c)`` is a cartesian product of the whole graph with itself,
    which blocked every other user of the two store threads. Parts sharing a variable
    (also across MATCH clauses: ``MATCH (a) ... MATCH (a)-->(b)``) form one group; a
    group is anchored by an inline property map (``(p {id: $id})``). One unanchored
    group is an ordinary scan, left to the store's time and memory caps.

    >>> from graphsvc.cypher_guard.tokens import tokenize
    >>> _check_cartesian(tokenize("MATCH (a:Participant {id: $x}), (b:Participant) RETURN a, b"))
    >>> _check_cartesian(tokenize("MATCH (a), (b) RETURN count(*)"))
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: MATCH of 2 disconnected patterns ...
    """
    parts = _patterns(tokens)
    if len(parts) < 2:
        return
    groups: list[tuple[set[str], bool]] = []  # (variables, anchored)
    for part in parts:
        names = _variables(part)
        anchored = any(t.text == "{" for t in part)
        joined = [g for g in groups if g[0] & names]
        for g in joined:
            groups.remove(g)
            names |= g[0]
            anchored = anchored or g[1]
        groups.append((names, anchored))
    loose = [g for g in groups if not g[1]]
    if len(groups) >= 2 and len(loose) >= 2:
        raise _refuse(
            f"MATCH of {len(loose)} disconnected patterns without a property map (a "
            "cartesian product); join them or anchor each with {key: $value}",
            "cartesian",
            n=len(loose),
        )
