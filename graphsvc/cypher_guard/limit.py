"""The console's row cap applied in the store (issue #19): a ``LIMIT cap+1`` on the
final RETURN, so no more than one row past the cap ever leaves the store.

Why rewrite the query and not cut the rows afterwards: the store answers with the
whole result in one reply, and ``UNWIND range(1, $n) AS x RETURN x, x AS y`` with
3,000,000 rows grew the API process to 1.5 GB before the cap was applied. Why not
``CALL { <query> } RETURN * LIMIT n``: Neo4j requires every expression a subquery
returns to be aliased (``RETURN p.id`` would fail), so the wrapper would refuse
ordinary console queries.

Rules, on the tokens the guard already checked (depth 0 = outside any bracket, so
RETURNs of ``CALL { }`` subqueries and ``EXISTS { }`` are left alone):

- each branch of a UNION gets the limit on its last RETURN (a LIMIT after the last
  RETURN binds to the last branch only); the union then holds at most
  branches x (cap+1) rows, and for a plain UNION each branch returns DISTINCT rows
  (the union removes duplicates anyway) so a cut branch still shows as truncated;
- a RETURN without LIMIT gets ``LIMIT cap+1``; a literal or ``$parameter`` LIMIT
  above cap+1 is replaced by cap+1; any other LIMIT expression is refused;
- a standalone ``CALL proc()`` (no RETURN; only whitelisted, schema-sized procedures
  pass the guard) runs as written: its columns are unknown, so it cannot be limited
  (``CALL proc() YIELD x RETURN x`` can), and its rows are cut after they arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphsvc.cypher_guard.tokens import Token, _refuse

_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


def _top_level(tokens: list[Token]) -> list[tuple[int, Token]]:
    """Indexes and tokens outside any bracket (property keys like ``n.limit`` left out)."""
    out: list[tuple[int, Token]] = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.kind == "punct" and tok.text in _CLOSE:
            depth -= 1
            continue
        after_dot = i > 0 and tokens[i - 1].kind == "punct" and tokens[i - 1].text == "."
        if depth == 0 and not (after_dot and tok.kind in ("ident", "bident")):
            out.append((i, tok))
        if tok.kind == "punct" and tok.text in _OPEN:
            depth += 1
    return out


def _token_len(text: str, tok: Token) -> int:
    """Characters ``tok`` spans in ``text`` (numbers and parameters only)."""
    if tok.kind == "param":
        return len(tok.text) + (3 if text.startswith("$`", tok.pos) else 1)
    return len(tok.text)


def _limit_value(tok: Token, params: Mapping[str, Any]) -> int | None:
    """The integer a LIMIT token stands for, when it is a literal or a parameter."""
    if tok.kind == "number" and tok.text.isdigit():
        return int(tok.text)
    if tok.kind == "param":
        value = params.get(tok.text)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def limit_rows(
    text: str, tokens: list[Token], cap: int, params: Mapping[str, Any] | None = None
) -> str:
    """``text`` with every final RETURN limited to ``cap + 1`` rows.

    >>> from graphsvc.cypher_guard.tokens import tokenize
    >>> q = "UNWIND range(1, $n) AS x RETURN x // all of them"
    >>> limit_rows(q, tokenize(q), 5)
    'UNWIND range(1, $n) AS x RETURN x // all of them\\nLIMIT 6\\n'
    >>> q = "MATCH (n) RETURN n.id ORDER BY n.id LIMIT 100"
    >>> limit_rows(q, tokenize(q), 5)
    'MATCH (n) RETURN n.id ORDER BY n.id LIMIT 6'
    >>> q = "MATCH (a) RETURN a.id AS x UNION MATCH (b) RETURN b.id AS x LIMIT 3"
    >>> print(limit_rows(q, tokenize(q), 5))  # doctest: +NORMALIZE_WHITESPACE
    MATCH (a) RETURN DISTINCT a.id AS x
    LIMIT 6
    UNION MATCH (b) RETURN DISTINCT b.id AS x LIMIT 3
    """
    params = params or {}
    top = _top_level(tokens)
    # Branches: runs of top-level tokens between UNIONs (and before a final ';').
    branches: list[list[tuple[int, Token]]] = [[]]
    ends: list[int] = []  # where each branch ends in the text (insertion point)
    distinct_union = False
    for pos, (i, tok) in enumerate(top):
        if tok.kind == "ident" and tok.upper == "UNION":
            ends.append(tok.pos)
            nxt = top[pos + 1][1] if pos + 1 < len(top) else None
            if nxt is None or nxt.upper != "ALL":
                distinct_union = True
            branches.append([])
            continue
        if tok.kind == "punct" and tok.text == ";":
            break
        branches[-1].append((i, tok))
    semicolon = next((t.pos for _, t in top if t.kind == "punct" and t.text == ";"), None)
    ends.append(semicolon if semicolon is not None else len(text))
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in text order
    for branch, end in zip(branches, ends, strict=True):
        returns = [
            k for k, (_, t) in enumerate(branch) if t.kind == "ident" and t.upper == "RETURN"
        ]
        if not returns:
            if len(branches) == 1 and branch and branch[0][1].upper == "CALL":
                return text  # a standalone CALL of a whitelisted procedure: see above
            raise _refuse("the console needs a RETURN to cap the rows", "no_return")
        clause = branch[returns[-1] :]
        if distinct_union and (len(clause) < 2 or clause[1][1].upper != "DISTINCT"):
            ret = clause[0][1]
            edits.append((ret.pos + len(ret.text), ret.pos + len(ret.text), " DISTINCT"))
        limits = [k for k, (_, t) in enumerate(clause) if t.kind == "ident" and t.upper == "LIMIT"]
        if not limits:
            # On lines of its own: a trailing // comment ends at the first newline.
            edits.append((end, end, f"\nLIMIT {cap + 1}\n"))
            continue
        after = clause[limits[-1] + 1 :]
        value = _limit_value(after[0][1], params) if len(after) == 1 else None
        if value is None:
            raise _refuse(
                "LIMIT of the final RETURN must be a whole number or a $parameter", "limit"
            )
        if value > cap + 1:
            tok = after[0][1]
            edits.append((tok.pos, tok.pos + _token_len(text, tok), str(cap + 1)))
    for start, stop, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[stop:]
    return text
