"""The console's gate: refuse what could write, change the schema, call unlisted
procedures or reach outside the graph, with a reason. The normalised text is what
runs, so what was checked is what executes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphsvc.cypher_guard.cost import _check_cartesian, _check_ranges
from graphsvc.cypher_guard.tokens import Token, _refuse, normalise, tokenize

MAX_QUERY_CHARS = 20_000

# Clauses and words that write, change the schema or administer the server.
FORBIDDEN_KEYWORDS: frozenset[str] = frozenset(
    {
        "CREATE",
        "MERGE",
        "DELETE",
        "DETACH",
        "SET",
        "REMOVE",
        "DROP",
        "FOREACH",
        "LOAD",
        "ALTER",
        "GRANT",
        "DENY",
        "REVOKE",
        "RENAME",
        "START",
        "STOP",
        "TERMINATE",
        "USE",
        "COMMIT",
        "PERIODIC",
        "TRANSACTIONS",
        "INDEX",
        "CONSTRAINT",
        "IMPORT",
        "ENABLE",
        "DISABLE",
        "SHOW",
        "ROLLBACK",
        "BEGIN",
        "SUSPEND",
        "ASSIGN",
    }
)

# Read-only procedures an analyst may CALL (compared in lower case).
ALLOWED_PROCEDURES: frozenset[str] = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.indexes",
        "db.constraints",
        "db.schema.visualization",
        "db.idx.fulltext.querynodes",
        "db.idx.fulltext.queryrelationships",
        "db.index.fulltext.querynodes",
        "db.index.fulltext.queryrelationships",
        "algo.bfs",
        "algo.sppaths",
        "algo.sspaths",
        "algo.pagerank",
        "algo.wcc",
        "algo.betweenness",
    }
)

# Namespaced functions: only value-computing namespaces (apoc.*, dbms.*, db.* ... can
# run Cypher, read files or reach the network).
ALLOWED_FUNCTION_NAMESPACES: frozenset[str] = frozenset(
    {
        "date",
        "datetime",
        "localdatetime",
        "time",
        "localtime",
        "duration",
        "point",
        "vector",
        "string",
        "list",
        "math",
    }
)


@dataclass
class CheckedQuery:
    """A query that passed: the normalised text to run and what it touches."""

    text: str
    tokens: list[Token] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    property_keys: set[str] = field(default_factory=set)
    dynamic_access: bool = False


def _dotted_name(tokens: list[Token], start: int) -> tuple[str, int]:
    """Read ``a.b.c`` (plain or backticked parts) from ``start``; return name and next index."""
    parts: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].kind in ("ident", "bident"):
        parts.append(tokens[i].text)
        if i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
            continue
        i += 1
        break
    return ".".join(parts), i


def check_cypher(  # noqa: C901  debt, listed in docs/conventions.md
    query: str, params: Mapping[str, Any] | None = None
) -> CheckedQuery:
    """Return the normalised, checked query or raise ``QueryRejected`` with the reason.

    ``params``: the query's parameters, so range() bounds given as $parameters are
    checked by value (issue #19)."""
    if len(query) > MAX_QUERY_CHARS:
        raise _refuse(
            f"query longer than {MAX_QUERY_CHARS} characters", "too_long", n=MAX_QUERY_CHARS
        )
    text = normalise(query)
    tokens = tokenize(text)
    if not tokens:
        raise _refuse("empty query", "empty")
    checked = CheckedQuery(text=text.strip(), tokens=tokens)
    skip_until = 0  # tokens of a CALLed procedure's name, already checked
    for idx, tok in enumerate(tokens):
        if idx < skip_until:
            continue
        prev = tokens[idx - 1] if idx else None
        # A property key follows its dot directly; "x. DELETE n" is checked as a keyword.
        after_dot = (
            prev is not None
            and prev.kind == "punct"
            and prev.text == "."
            and tok.pos == prev.pos + 1
        )
        if tok.kind == "punct" and tok.text == ";":
            if any(t for t in tokens[idx + 1 :]):
                raise _refuse("more than one statement", "statements")
            continue
        if (
            tok.kind == "punct"
            and tok.text == "["
            and prev is not None
            and (prev.kind in ("ident", "bident", "param") or prev.text in (")", "]"))
        ):
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            if nxt is not None and nxt.kind != "number":
                checked.dynamic_access = True
        if tok.kind in ("ident", "bident") and after_dot:
            checked.property_keys.add(tok.text.lower())
            continue
        if (
            tok.kind == "punct"
            and tok.text == "{"
            and prev is not None
            and prev.kind in ("ident", "bident")
        ):
            # Map projection p{.name, .*}: the keys come as ".name" and are seen above;
            # ".*" takes every property.
            nxt2 = tokens[idx + 1 : idx + 3]
            if len(nxt2) == 2 and nxt2[0].text == "." and nxt2[1].text == "*":
                checked.dynamic_access = True
        if tok.kind != "ident":
            continue
        word = tok.upper
        if word in FORBIDDEN_KEYWORDS:
            raise _refuse(f"{word} is not allowed in the console (read-only)", "write", word=word)
        if word == "CALL":
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            if nxt is None:
                raise _refuse("CALL without a procedure", "call")
            if nxt.kind == "punct" and nxt.text in ("{", "("):
                continue  # a subquery; its clauses are checked like any other tokens
            name, skip_until = _dotted_name(tokens, idx + 1)
            if name.lower() not in ALLOWED_PROCEDURES:
                raise _refuse(
                    f"procedure {name!r} is not on the console's whitelist", "procedure", name=name
                )
            checked.procedures.append(name.lower())
            continue
        nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
        if nxt is not None and nxt.text == "." and not after_dot:
            name, end = _dotted_name(tokens, idx)
            if end < len(tokens) and tokens[end].text == "(" and "." in name:
                namespace = name.split(".", 1)[0].lower()
                if namespace not in ALLOWED_FUNCTION_NAMESPACES:
                    raise _refuse(
                        f"function {name!r} is not allowed in the console", "function", name=name
                    )
    # Backticked words used as functions (`apoc.x`(...)) are refused like plain ones.
    for idx, tok in enumerate(tokens[:-1]):
        if tok.kind == "bident" and tokens[idx + 1].text == "(" and "." in tok.text:
            prev = tokens[idx - 1] if idx else None
            if prev is not None and prev.kind == "ident" and prev.upper == "CALL":
                continue
            raise _refuse(
                f"function {tok.text!r} is not allowed in the console", "function", name=tok.text
            )
    _check_ranges(tokens, params)
    _check_cartesian(tokens)
    return checked
