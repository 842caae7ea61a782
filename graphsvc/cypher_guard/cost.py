"""Cost guards (issue #19): refuse before running what no timeout stops in time."""

from __future__ import annotations

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


def _check_ranges(tokens: list[Token]) -> None:
    """Refuse literal ``range(a, b[, step])`` calls producing more than RANGE_CAP elements.

    >>> from graphsvc.cypher_guard.tokens import tokenize
    >>> _check_ranges(tokenize("UNWIND range(1, 1000) AS x RETURN x"))
    >>> _check_ranges(tokenize("UNWIND range(1,100000000) AS x RETURN count(x)"))
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: range() would produce 100,000,000 values (cap 100,000)
    """
    total = 1.0
    for i, tok in enumerate(tokens[:-1]):
        if tok.kind != "ident" or tok.text.lower() != "range" or tokens[i + 1].text != "(":
            continue
        if i and tokens[i - 1].text == ".":
            continue  # a property called range
        a, j = _literal(tokens, i + 2)
        if a is None or j >= len(tokens) or tokens[j].text != ",":
            continue  # computed bounds: left to the store's time and memory caps
        b, j = _literal(tokens, j + 1)
        if b is None:
            continue
        step = 1.0
        if j < len(tokens) and tokens[j].text == ",":
            given, _ = _literal(tokens, j + 1)
            if given is None:
                continue
            if given == 0:
                raise _refuse("range() with step 0")
            step = given
        size = max(0.0, (b - a) / step + 1)
        total *= max(size, 1.0)
        if total > RANGE_CAP:
            what = "range() would produce" if size > RANGE_CAP else "nested range() calls produce"
            raise _refuse(f"{what} {total:,.0f} values (cap {RANGE_CAP:,})")


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
            "cartesian product); join them or anchor each with {key: $value}"
        )
